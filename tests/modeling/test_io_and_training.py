"""Model files are plain data, and the training loop keeps the best epoch."""

import json

import pytest
import torch

from hw3_pipelines.modeling.io import TorchModelDataset
from hw3_pipelines.modeling.models import CharLM, CharLMConfig, LSTMRegressor, LSTMRegressorConfig
from hw3_pipelines.modeling.training import TrainConfig, train


@pytest.mark.parametrize(
    "model",
    [LSTMRegressor(LSTMRegressorConfig(n_features=2, hidden_size=4, num_layers=2)),
     CharLM(CharLMConfig(vocab_size=7, embedding_dim=3, hidden_size=5, cell="gru"))],
)
def test_model_round_trip_through_state_dict_and_json(tmp_path, model):
    from kedro.io import Version

    dataset = TorchModelDataset(filepath=str(tmp_path / "model.pt"), version=Version(None, None))
    dataset.save(model)
    saved = list(tmp_path.glob("model.pt/*/model.pt"))
    assert len(saved) == 1
    spec = json.loads(saved[0].with_name("model.pt.json").read_text())
    assert spec["class"] == type(model).__name__
    torch.load(saved[0], weights_only=True)  # plain tensors: loads without trusting code
    loaded = TorchModelDataset(filepath=str(tmp_path / "model.pt"), version=Version(None, None)).load()
    assert not loaded.training
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), name


def test_unknown_cell_is_rejected():
    with pytest.raises(ValueError, match="cell must be one of"):
        CharLM(CharLMConfig(vocab_size=3, cell="transformer"))


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
        config=TrainConfig(epochs=3, learning_rate=0.1),
        val_loss_fn=val_loss,
    )
    assert result.best_epoch == 2
    assert [round(r["val_loss"], 2) for r in result.history] == [0.5, 0.1, 0.9]
    for name, value in result.model.state_dict().items():
        assert torch.equal(value, snapshots[1][name])


def test_non_positive_epochs_are_rejected():
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        TrainConfig(epochs=0)


def test_cosine_schedule_anneals_from_the_base_rate():
    config = TrainConfig(epochs=4, learning_rate=0.1, lr_schedule="cosine")
    rates = [config.learning_rate_at(epoch) for epoch in range(1, 5)]
    assert rates[0] == pytest.approx(0.1)
    assert rates[2] == pytest.approx(0.05)
    assert rates == sorted(rates, reverse=True) and rates[-1] > 0
    assert TrainConfig(epochs=4, learning_rate=0.1).learning_rate_at(4) == 0.1


def test_unknown_schedule_is_rejected():
    with pytest.raises(ValueError, match="lr_schedule must be one of"):
        TrainConfig(epochs=1, lr_schedule="step")
