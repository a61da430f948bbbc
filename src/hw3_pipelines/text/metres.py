"""Metres as classes: which labels the judge learns, which labels to distrust, and how a
ghazal's metre follows from its hemistichs' verdicts.

Metres are named as Ganjoor names them: the feet, then the traditional name in brackets,
``"مفاعلن فعلاتن مفاعلن فعلن (مجتث مثمن مخبون محذوف)"``.
"""

from __future__ import annotations

import statistics
from collections import Counter

import numpy as np

OTHER = "other"  # the class of every metre too rare to learn


def metre_classes(training_metres: list[str], min_poems: int) -> list[str]:
    """Every metre that labels at least ``min_poems`` training poems, most frequent first
    (ties by name), then ``OTHER``."""
    counts = Counter(training_metres)
    common = [metre for metre, count in counts.items() if count >= min_poems]
    return sorted(common, key=lambda metre: (-counts[metre], metre)) + [OTHER]


def class_index(metre: str, classes: list[str]) -> int:
    return classes.index(metre) if metre in classes else classes.index(OTHER)


def mean_length(hemistichs: list[str]) -> float:
    return statistics.fmean(len(line) for line in hemistichs)


def length_outliers(poems: list[dict], tolerance: float) -> set[str]:
    """The ``url`` of every poem whose mean hemistich length, in characters, lies more than
    ``tolerance`` from the median of the poems with its label.

    A metre fixes the syllables of a line and so, within a few letters, its length: the
    common metres' poems spread with a standard deviation of 1 to 2 letters around their
    median, so a poem several letters away from its metre's median is almost always in
    another metre than its label says.
    """
    by_metre: dict[str, list[float]] = {}
    for poem in poems:
        by_metre.setdefault(poem["metre"], []).append(mean_length(poem["verses"]))
    medians = {metre: statistics.median(lengths) for metre, lengths in by_metre.items()}
    return {poem["url"] for poem in poems if abs(mean_length(poem["verses"]) - medians[poem["metre"]]) > tolerance}


def shuffle_words(line: str, rng: np.random.Generator) -> str:
    """The line's words in a random order: the same letters and length, another rhythm."""
    return " ".join(rng.permutation(line.split()))


def ghazal_verdict(log_probs: np.ndarray) -> tuple[int, int]:
    """A ghazal's metre from its hemistichs' log-probabilities ``(hemistichs, metres)``: the
    metre most hemistichs are judged in, ties broken by the summed log-probability, and how
    many hemistichs are judged in it."""
    votes = np.bincount(log_probs.argmax(axis=1), minlength=log_probs.shape[1])
    tied = np.flatnonzero(votes == votes.max())
    choice = int(tied[np.argmax(log_probs[:, tied].sum(axis=0))])
    return choice, int(votes[choice])
