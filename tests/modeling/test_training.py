"""The shared training loop: the best epoch is kept, the schedule anneals, configs are checked."""

import pytest
import torch
from pydantic import ValidationError

from hw3_pipelines.modeling.char_lm import CharLMConfig
from hw3_pipelines.modeling.regressor import RecurrentRegressor, RegressorConfig
from hw3_pipelines.modeling.training import TrainConfig, train


def test_unknown_cells_are_rejected():
    with pytest.raises(ValueError, match="cell must be one of"):
        CharLMConfig(vocab_size=3, cell="rnn")
    with pytest.raises(ValueError, match="cell must be one of"):
        RegressorConfig(cell="transformer")


@pytest.mark.parametrize(("cell", "gates"), [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_regressor_parameter_count_follows_the_theory_formula(cell, gates):
    """gates x (n·h + h·h + 2h) per layer (PyTorch's two biases), plus the h + 1 head."""
    n, h, layers = 1, 50, 4
    model = RecurrentRegressor(RegressorConfig(n_features=n, hidden_size=h, num_layers=layers, cell=cell))
    expected = gates * (n * h + h * h + 2 * h) + (layers - 1) * gates * (h * h + h * h + 2 * h) + h + 1
    assert sum(p.numel() for p in model.parameters()) == expected


def test_training_restores_the_best_epoch():
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    y = 3 * x
    val_scores = iter([0.5, 0.1, 0.9])  # epoch 2 is best by validation
    snapshots = []

    def val_loss(m):
        snapshots.append({k: v.clone() for k, v in m.state_dict().items()})
        return next(val_scores)

    result = train(
        model,
        batches=lambda g: [(x, y)],
        loss_fn=lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1]),
        config=TrainConfig(epochs=3, batch_size=64, learning_rate=0.1),
        val_loss_fn=val_loss,
    )
    assert result.best_epoch == 2
    assert [round(r["val_loss"], 2) for r in result.history] == [0.5, 0.1, 0.9]
    for name, value in result.model.state_dict().items():
        assert torch.equal(value, snapshots[1][name])


def test_non_positive_epochs_are_rejected():
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        TrainConfig(epochs=0, batch_size=1)


def test_cosine_schedule_anneals_from_the_base_rate():
    config = TrainConfig(epochs=4, batch_size=1, learning_rate=0.1, lr_schedule="cosine")
    rates = [config.learning_rate_at(epoch) for epoch in range(1, 5)]
    assert rates[0] == pytest.approx(0.1)
    assert rates[2] == pytest.approx(0.05)
    assert rates == sorted(rates, reverse=True) and rates[-1] > 0
    assert TrainConfig(epochs=4, batch_size=1, learning_rate=0.1).learning_rate_at(4) == 0.1


def test_unknown_schedule_is_rejected():
    with pytest.raises(ValidationError, match="'constant' or 'cosine'"):
        TrainConfig(epochs=1, batch_size=1, lr_schedule="step")


def test_weight_averaging_keeps_the_average_and_records_the_raw_loss():
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1, bias=False)
    x = torch.ones(4, 1)
    seen = []  # the weight each step starts from

    def loss_fn(m, batch):
        seen.append(float(m.weight.detach()))
        return torch.nn.functional.mse_loss(m(batch[0]), batch[1])

    result = train(
        model,
        batches=lambda g: [(x, torch.full((4, 1), float(k))) for k in (1, 2, 3)],
        loss_fn=loss_fn,
        config=TrainConfig(epochs=1, batch_size=4, learning_rate=0.5, weight_decay=0.0, ema_decay=0.25),
        val_loss_fn=lambda m: float(m.weight),
    )
    (record,) = result.history
    after_steps = [*seen[1:], record["val_loss_raw"]]
    average = after_steps[0]
    for weight in after_steps[1:]:
        average = 0.25 * average + 0.75 * weight
    assert record["val_loss"] == pytest.approx(average)
    assert float(result.model.weight.detach()) == pytest.approx(average)
    assert average != pytest.approx(after_steps[-1])
