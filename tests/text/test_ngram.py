"""Kneser-Ney on a text small enough to compute by hand."""

import math

import pytest

from hw3_pipelines.text.ngram import KneserNey


def test_bigram_on_abab_by_hand():
    # bigrams: ab x2, ba x1. Continuation counts: a preceded by {b}, b by {a} -> 1 each.
    # P1(b) = (1 - .75)/2 + .75 * 2/2 * 1/2 = 0.5
    # P2(b|a) = (2 - .75)/2 + .75 * 1/2 * P1(b) = 0.625 + 0.1875 = 0.8125
    # P2(a|a) = 0 + .75 * 1/2 * P1(a) = 0.1875
    lm = KneserNey(order=2, vocab_size=2).fit("abab")
    assert lm.prob("b", "a") == pytest.approx(0.8125)
    assert lm.prob("a", "a") == pytest.approx(0.1875)
    assert lm.prob("b", "") == pytest.approx(0.5)


def test_distribution_sums_to_one_and_covers_unseen_characters():
    lm = KneserNey(order=3, vocab_size=5).fit("abcabcabd")
    for context in ("", "a", "ab", "zz", "ca"):
        total = sum(lm.prob(char, context) for char in "abcdz")
        assert total == pytest.approx(1.0)
    assert lm.prob("z", "ab") > 0


def test_nats_per_char_is_mean_negative_log_probability():
    # P2(a|b) = (1 - .75)/1 + .75 * 1/1 * P1(a) = 0.25 + 0.375 = 0.625
    lm = KneserNey(order=2, vocab_size=2).fit("abab")
    assert lm.nats_per_char("aba", start=1) == pytest.approx(-(math.log(0.8125) + math.log(0.625)) / 2)
