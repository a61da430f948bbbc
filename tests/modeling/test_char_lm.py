"""The character model's regularisers act where they should, and only while training."""

import pytest
import torch
from torch import nn

from hw3_pipelines.modeling.char_lm import (
    CharLM,
    CharLMConfig,
    next_char_segments,
    stream_nats,
    target_mask,
)
from hw3_pipelines.modeling.dynamic_eval import dynamic_nats

IDS = torch.arange(40).remainder(9)[None].repeat(2, 1)


def model(**settings) -> CharLM:
    torch.manual_seed(0)
    return CharLM(CharLMConfig(**{"vocab_size": 9, "embedding_dim": 4, "hidden_size": 6, "num_layers": 2, "dropout": 0.0, **settings}))


def test_weight_drop_trains_the_raw_hidden_weight():
    """The dropped matrix reaches the fused kernel through functional_call, and the
    gradient flows back to the raw parameter: nn.utils.parametrize on RNN weights would
    leave it without one (pytorch#65688)."""
    lm = model(weight_drop=0.5).train()
    raw = lm.layers[0].weight_hh_l0
    before = raw.detach().clone()
    logits, _ = lm(IDS)
    logits.sum().backward()
    assert raw.grad is not None and raw.grad.abs().sum() > 0
    assert (raw.grad == 0).any()  # the dropped entries get no gradient in this pass
    torch.optim.SGD(lm.parameters(), lr=0.1).step()
    assert not torch.equal(raw, before)
    assert isinstance(lm.layers[0].weight_hh_l0, nn.Parameter)  # restored after the call


def test_weight_drop_changes_training_passes_only():
    lm = model(weight_drop=0.5)
    train_a, train_b = lm.train()(IDS)[0], lm(IDS)[0]
    assert not torch.allclose(train_a, train_b)
    eval_a, eval_b = lm.eval()(IDS)[0], lm(IDS)[0]
    assert torch.equal(eval_a, eval_b)
    assert torch.equal(eval_a, model()(IDS)[0].detach())  # same seed, same weights, nothing dropped


def test_locked_dropout_shares_one_mask_across_time():
    lm = model(dropout=0.5, locked_dropout=True).train()
    x = torch.ones(3, 50, 8)
    dropped = lm._dropout(x)
    assert torch.equal(dropped, dropped[:, :1].expand_as(dropped))  # same units dropped at every step
    assert set(dropped.unique().tolist()) == {0.0, 2.0}
    per_step = model(dropout=0.5).train()._dropout(x)
    assert not torch.equal(per_step, per_step[:, :1].expand_as(per_step))


def test_embedding_dropout_drops_whole_characters():
    lm = model(embedding_dropout=0.5).train()
    ids = torch.arange(9).repeat(20)[None]
    embedded = lm._embed(ids)[0]
    dropped = {int(i) for i, row in zip(ids[0], embedded) if not row.any()}
    assert dropped and len(dropped) < 9
    for i, row in zip(ids[0], embedded):
        assert (int(i) in dropped) == (not row.any())  # every occurrence or none
    assert torch.equal(lm.eval()._embed(ids), lm.embedding(ids))


def test_tied_weights_share_the_embedding_matrix_through_a_projection():
    lm = model(tie_weights=True)
    assert not hasattr(lm, "head") and lm.projection.weight.shape == (4, 6)
    logits, _ = lm(IDS)
    logits.sum().backward()
    assert lm.embedding.weight.grad is not None
    untied = model()
    assert sum(p.numel() for p in lm.parameters()) == sum(p.numel() for p in untied.parameters()) - 9 * 6 + 4 * 6
    same_size = model(tie_weights=True, embedding_dim=6)
    assert isinstance(same_size.projection, nn.Identity)


def test_models_saved_with_one_stacked_rnn_still_load():
    """Before one module per layer, the layers were one nn.LSTM(num_layers=2) named rnn."""
    torch.manual_seed(1)
    stacked = nn.LSTM(4, 6, num_layers=2, batch_first=True)
    lm = model()
    state = {f"rnn.{k}": v for k, v in stacked.state_dict().items()}
    state.update({k: v for k, v in lm.state_dict().items() if k.startswith(("embedding", "head"))})
    lm.load_state_dict(state)
    out, _ = stacked(lm.embedding(IDS))
    assert torch.allclose(lm.eval()(IDS)[0], lm.head(out), atol=1e-6)


def test_dynamic_evaluation_scores_before_it_adapts():
    """Its first segment's score is the static one, the model is left untouched, and on a
    text that repeats itself adapting helps."""
    lm = model().eval()
    ids = torch.arange(300).remainder(7)
    before = {k: v.clone() for k, v in lm.state_dict().items()}
    with torch.no_grad():
        first_segment = stream_nats(lm, ids[:33])
    assert dynamic_nats(lm, ids[:33], segment=32, learning_rate=5.0) == pytest.approx(first_segment, rel=1e-6)
    with torch.no_grad():
        static = stream_nats(lm, ids)
    one_step = dynamic_nats(lm, ids, segment=32, learning_rate=4.0)
    three_steps = dynamic_nats(lm, ids, segment=32, learning_rate=4.0, steps=3)
    assert three_steps < one_step < static - 0.1
    for name, value in lm.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_a_stream_is_cut_into_shifted_segments_that_cover_it_once():
    ids = torch.arange(10)
    segments = next_char_segments(ids, 4)
    assert [(x.tolist(), y.tolist()) for x, y in segments] == [
        ([[0, 1, 2, 3]], [[1, 2, 3, 4]]), ([[4, 5, 6, 7]], [[5, 6, 7, 8]]), ([[8]], [[9]])]


def test_characters_that_are_not_scored_count_in_no_mean():
    lm = model().eval()
    ids = torch.arange(30).remainder(9)
    scored = torch.ones(30, dtype=torch.bool)
    scored[5:12] = False
    with torch.no_grad():
        logits, _ = lm(ids[None, :-1])
        losses = torch.nn.functional.cross_entropy(logits[0], ids[1:], reduction="none")
        assert stream_nats(lm, ids, scored, chunk=8) == pytest.approx(float(losses[scored[1:]].mean()), rel=1e-5)
        assert stream_nats(lm, ids) == pytest.approx(float(losses.mean()), rel=1e-5)
    assert target_mask(ids, scored).sum() == 22 and target_mask(ids, None).all()
