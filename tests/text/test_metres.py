"""Metres as classes, mislabelled poems found by their length, ghazal verdicts."""

import numpy as np

from hw3_pipelines.text.metres import (
    OTHER,
    class_index,
    ghazal_verdict,
    length_outliers,
    metre_classes,
    shuffle_words,
)


def test_metres_of_too_few_poems_are_other():
    classes = metre_classes(["b", "a", "a", "c", "b", "a"], min_poems=2)
    assert classes == ["a", "b", OTHER]
    assert class_index("c", classes) == 2 and class_index("b", classes) == 1


def test_a_poem_far_longer_than_its_metre_s_others_is_an_outlier():
    poems = [{"url": str(k), "metre": "m", "verses": ["x" * 30, "x" * 31]} for k in range(5)]
    poems.append({"url": "long", "metre": "m", "verses": ["x" * 38, "x" * 37]})
    poems.append({"url": "alone", "metre": "n", "verses": ["x" * 20]})
    assert length_outliers(poems, tolerance=4) == {"long"}
    assert length_outliers(poems, tolerance=8) == set()


def test_shuffled_words_keep_letters_and_length():
    line = "الا یا ایها الساقی ادر کاسا و ناولها"
    shuffled = shuffle_words(line, np.random.default_rng(0))
    assert shuffled != line and sorted(shuffled.split()) == sorted(line.split()) and len(shuffled) == len(line)


def test_a_ghazal_is_in_the_metre_most_hemistichs_are_judged_in_ties_by_log_probability():
    log_probs = np.log(np.array([[0.6, 0.4], [0.1, 0.9], [0.7, 0.3]]))
    assert ghazal_verdict(log_probs) == (0, 2)
    tied = np.log(np.array([[0.51, 0.49], [0.1, 0.9]]))
    assert ghazal_verdict(tied) == (1, 1)
