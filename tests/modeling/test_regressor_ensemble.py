"""A seed ensemble: saved and loaded as one model, forecasting the mixture of its members."""

import numpy as np
import pytest
import torch

from hw3_pipelines.datasets import TorchModelDataset
from hw3_pipelines.modeling.regressor import RecurrentRegressor, RegressorConfig
from hw3_pipelines.modeling.regressor_ensemble import EnsembleConfig, RegressorEnsemble
from hw3_pipelines.modeling.regressor_paths import one_step, predict, sample_paths

CONFIG = RegressorConfig(n_features=2, hidden_size=4, num_layers=1, dropout=0.0, head="student_t")
WINDOWS = np.random.default_rng(0).random((3, 6, 2)).astype("float32")


def members(n: int) -> list[RecurrentRegressor]:
    networks = []
    for seed in range(n):
        torch.manual_seed(seed)
        networks.append(RecurrentRegressor(CONFIG))
    return networks


def test_the_ensemble_forecasts_its_members_mixture():
    networks = members(3)
    ensemble = RegressorEnsemble.of(networks)
    alone = [one_step(network, WINDOWS, point_scale=0.0) for network in networks]
    step = one_step(ensemble, WINDOWS, point_scale=0.0, spread=2.0)
    assert step["family"] == "mixture" and step["loc"].shape == (3, 3)
    np.testing.assert_allclose(step["loc"], np.stack([s["loc"] for s in alone], axis=1), rtol=1e-6)
    np.testing.assert_allclose(step["scale"], 2 * np.stack([s["scale"] for s in alone], axis=1), rtol=1e-6)
    np.testing.assert_allclose(step["df"], [s["df"] for s in alone])
    np.testing.assert_allclose(predict(ensemble, WINDOWS), np.mean([predict(n, WINDOWS) for n in networks], axis=0), rtol=1e-6)


def test_paths_are_shared_out_among_the_members():
    networks = members(2)
    ensemble = RegressorEnsemble.of(networks)
    held = np.zeros((3, 2), dtype="float32")
    paths = sample_paths(ensemble, WINDOWS, 4, 0, held, 5, 0.0, 1.0, seed=3)
    assert paths.shape == (3, 5, 4)
    torch.manual_seed(3)
    first = sample_paths(networks[0], WINDOWS, 4, 0, held, 3, 0.0, 1.0, seed=3)
    np.testing.assert_allclose(paths[:, :3], first)  # the first member draws first, from the same seed


def test_an_ensemble_saves_and_loads_as_one_model(tmp_path):
    ensemble = RegressorEnsemble.of(members(2))
    dataset = TorchModelDataset(filepath=str(tmp_path / "ensemble.pt"))
    dataset.save(ensemble)
    loaded = dataset.load()
    assert isinstance(loaded, RegressorEnsemble) and loaded.config == EnsembleConfig(**vars(CONFIG), size=2)
    np.testing.assert_allclose(one_step(loaded, WINDOWS, 0.0)["loc"], one_step(ensemble, WINDOWS, 0.0)["loc"])


@pytest.mark.parametrize(("changes", "message"), [({"size": 1}, "at least 2 members"), ({"head": "point"}, "a point head predicts none")])
def test_an_ensemble_config_refuses_what_cannot_be_mixed(changes, message):
    with pytest.raises(ValueError, match=message):
        EnsembleConfig(**{**vars(CONFIG), "size": 3, **changes})
