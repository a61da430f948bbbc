"""Training on one stream: the rhyme letters can weigh more in the loss, and only there."""

import pytest
import torch
from torch.nn import functional as F

from hw3_pipelines.errors import ParameterError
from hw3_pipelines.modeling.char_lm import IGNORED, CharLM, CharLMConfig, stream_nats
from hw3_pipelines.modeling.stream_training import StreamTrainConfig, _char_loss, train_on_streams

LOGITS = torch.randn(6, 5, generator=torch.Generator().manual_seed(0))
TARGETS = torch.tensor([0, 1, IGNORED, 3, 4, 2])


def test_the_weighted_loss_is_the_weighted_mean_over_scored_targets():
    losses = F.cross_entropy(LOGITS, TARGETS, ignore_index=IGNORED, reduction="none")
    weights = torch.tensor([1.0, 4.0, 4.0, 1.0, 1.0, 4.0])  # the ignored target's weight counts nowhere
    expected = (losses[0] + 4 * losses[1] + losses[3] + losses[4] + 4 * losses[5]) / 11
    assert _char_loss(LOGITS, TARGETS, weights) == pytest.approx(float(expected), rel=1e-6)
    assert _char_loss(LOGITS, TARGETS, torch.ones(6)) == pytest.approx(float(_char_loss(LOGITS, TARGETS)), rel=1e-6)


def copy_task(length: int = 6000) -> dict:
    """Random letters in which every 8th is a marker (6) and the letter after it a copy of the
    one 3 before it: a rule that holds at a few marked places, as a rhyme copies the form
    prefix's letters at the start of a rhyming line."""
    ids = torch.randint(6, (length,), generator=torch.Generator().manual_seed(1))
    ids[7::8] = 6
    rhyme = torch.zeros(length, dtype=torch.bool)
    rhyme[8::8] = True
    ids[rhyme] = ids[torch.nonzero(rhyme)[:, 0] - 4]
    return {"train": ids.numpy(), "train_rhyme": rhyme.numpy(), "val": ids[:2000].numpy()}


def trained(streams: dict, rhyme_weight: float) -> CharLM:
    torch.manual_seed(0)
    model = CharLM(CharLMConfig(vocab_size=7, embedding_dim=8, hidden_size=32, num_layers=1, dropout=0.0))
    config = StreamTrainConfig(epochs=3, bptt=32, batch_size=8, learning_rate=0.01, rhyme_weight=rhyme_weight, num_threads=1)
    return train_on_streams(model, streams, config, desc="copy")[0]


def test_a_heavier_rhyme_weight_teaches_the_marked_letters_sooner():
    streams = copy_task()
    ids, rhyme = torch.from_numpy(streams["train"][:2000]), torch.from_numpy(streams["train_rhyme"][:2000])
    models = [trained(streams, weight) for weight in (1.0, 10.0)]
    with torch.no_grad():
        plain, weighted = (stream_nats(model, ids, rhyme) for model in models)
    assert weighted < plain - 0.1


def test_a_rhyme_weight_needs_rhyme_letters():
    streams = copy_task()
    del streams["train_rhyme"]
    with pytest.raises(ParameterError, match=r"copy.training.rhyme_weight=4.0 needs a text with form headers"):
        trained(streams, 4.0)
