"""Recursive paths feed predictions back and hold the other features per origin."""

import numpy as np
import torch
from torch import nn

from hw3_pipelines.forecasting.recursive import band_quantiles, sample_paths, to_close_paths


class EchoLastOfSecondFeature(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, -1, 1]


class AddOneToTarget(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, -1, 0] + 1


def test_each_origin_keeps_its_own_held_features():
    windows = np.array([[[0, 1], [0, 2], [0, 3]], [[0, 4], [0, 5], [0, 6]]], dtype="float32")
    held = np.array([[0, 50], [0, 70]], dtype="float32")
    paths = sample_paths(EchoLastOfSecondFeature(), windows, 4, 0, held, 0, 0.0, seed=0)
    np.testing.assert_array_equal(paths[:, 0], [[3, 50, 50, 50], [6, 70, 70, 70]])


def test_predictions_are_fed_back():
    windows = np.zeros((1, 3, 1), dtype="float32")
    paths = sample_paths(AddOneToTarget(), windows, 5, 0, np.zeros((1, 1)), 0, 0.0, seed=0)
    np.testing.assert_array_equal(paths[0, 0], [1, 2, 3, 4, 5])


def test_noise_spreads_paths_and_is_seeded():
    windows = np.zeros((2, 3, 1), dtype="float32")
    first = sample_paths(AddOneToTarget(), windows, 3, 0, np.zeros((2, 1)), 500, 0.5, seed=1)
    assert first.shape == (2, 500, 3)
    assert 0.45 < np.std(first[:, :, 0]) < 0.55  # one step of noise with std 0.5
    np.testing.assert_array_equal(first, sample_paths(AddOneToTarget(), windows, 3, 0, np.zeros((2, 1)), 500, 0.5, seed=1))


def test_log_returns_compound_from_the_last_close():
    outputs = np.log(np.array([[[1.1, 1.1]]]))
    np.testing.assert_allclose(to_close_paths(outputs, np.array([100.0]), "log_return"), [[[110.0, 121.0]]])


def test_bands_are_ordered():
    closes = np.random.default_rng(0).normal(100, 10, size=(3, 1000, 4))
    bands = band_quantiles(closes)
    assert np.all(bands["lower_95"] < bands["lower_80"])
    assert np.all(bands["lower_80"] < bands["median"]) and np.all(bands["median"] < bands["upper_80"])
    assert np.all(bands["upper_80"] < bands["upper_95"])
