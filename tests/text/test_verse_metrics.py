"""Verse figures: known words, copies, and the fluency measure (word pairs other poets wrote)."""

from hw3_pipelines.text.verse_metrics import known_pair_share, word_pairs


def test_fluency_is_the_share_of_adjacent_word_pairs_another_corpus_holds():
    pairs = word_pairs(["گل و مل", "دل ما را"])
    assert pairs == {("گل", "و"), ("و", "مل"), ("دل", "ما"), ("ما", "را")}
    assert known_pair_share(["گل و می", "دل ما"], pairs) == 2 / 3  # گل و and دل ما; و می is new
    assert known_pair_share(["دل ما را", "كه"], pairs) == 1.0  # a one-word line has no pair
    assert known_pair_share(["دلي ما"], word_pairs(["دلی ما"])) == 1.0  # letter variants are one letter
    assert known_pair_share(["تنها"], pairs) is None
    assert known_pair_share(["گل و مل"], None) is None  # no other corpus to look in
