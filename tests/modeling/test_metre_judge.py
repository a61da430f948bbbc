"""The metre judge: batches of one length, a many-to-one classifier that can learn, unknown letters."""

import numpy as np
import pytest
import torch

from hw3_pipelines.modeling.metre_judge import (
    UNKNOWN_CHAR,
    MetreJudge,
    MetreJudgeConfig,
    judge_alphabet,
    judge_poems,
    length_batches,
    metre_log_probs,
    train_judge,
)
from hw3_pipelines.modeling.models import build_model, model_spec
from hw3_pipelines.modeling.training import TrainConfig


def test_batches_hold_one_length_each_and_cover_every_item_once():
    lengths = np.array([3, 5, 3, 3, 5, 7, 3])
    fixed = length_batches(lengths, batch_size=2)
    assert [b.tolist() for b in fixed] == [[0, 2], [3, 6], [1, 4], [5]]
    shuffled = length_batches(lengths, batch_size=2, generator=torch.Generator().manual_seed(0))
    assert sorted(i for b in shuffled for i in b) == list(range(7))
    assert all(len(set(lengths[b])) == 1 for b in shuffled)


def test_a_character_outside_the_alphabet_is_read_as_unknown():
    alphabet = judge_alphabet(["ab", "ba c"])
    assert alphabet == " abc" + UNKNOWN_CHAR
    torch.manual_seed(0)
    judge = MetreJudge(MetreJudgeConfig(len(alphabet), ("x", "y"), hidden_size=4, alphabet=alphabet))
    log_probs = metre_log_probs(judge, ["abz", "ab", "cab"])
    assert log_probs.shape == (3, 2) and np.allclose(np.exp(log_probs).sum(axis=1), 1, atol=1e-5)


def test_the_judge_learns_a_rhythm_that_letters_alone_do_not_give():
    """Two 'metres' of the same letters and length: long-short-short against short-long,
    written with a and b; the judge must read the order, not count the letters."""
    rng = np.random.default_rng(0)
    lines, labels = [], []
    for _ in range(400):
        label = int(rng.integers(2))
        feet = ["abb", "bba"][label]
        lines.append(" ".join([feet] * 3))
        labels.append(label)
    alphabet = judge_alphabet(lines)
    torch.manual_seed(0)
    judge = MetreJudge(MetreJudgeConfig(len(alphabet), ("dactyl", "anapaest"), hidden_size=8, dropout=0.0, alphabet=alphabet))
    config = TrainConfig(epochs=8, batch_size=32, learning_rate=0.02, bf16_autocast=False, num_threads=1)
    judge, history = train_judge(judge, lines[:300], np.array(labels[:300]), lines[300:], np.array(labels[300:]), config)
    assert history["best"].sum() == 1 and history["val_loss"].iloc[-1] < history["val_loss"].iloc[0]
    accuracy = (metre_log_probs(judge, lines[300:]).argmax(axis=1) == np.array(labels[300:])).mean()
    assert accuracy == 1.0
    verdicts = judge_poems(judge, [lines[300:303], lines[303:305]])
    assert [v["hemistichs"] for v in verdicts] == [3, 2] and all(0 < v["confidence"] <= 1 for v in verdicts)
    rebuilt = build_model(model_spec(judge))
    rebuilt.load_state_dict(judge.state_dict())
    assert rebuilt.config.metres == ("dactyl", "anapaest")
    assert np.array_equal(metre_log_probs(rebuilt, lines[:5]), metre_log_probs(judge, lines[:5]))


def test_an_unknown_cell_is_a_clear_error():
    with pytest.raises(ValueError, match="cell must be one of"):
        MetreJudgeConfig(3, ("x",), cell="transformer")
