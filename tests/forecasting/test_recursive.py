"""Recursive paths feed each draw back, hold the other features per origin, and draw each
step from the model's distribution."""

import numpy as np
import torch
from sklearn.preprocessing import MinMaxScaler
from torch import nn
from torch.distributions import Normal

from hw3_pipelines.forecasting.recursive import (
    band_quantiles,
    held_features,
    sample_paths,
    to_close_paths,
)

SURE = 1e-12  # a spread so small that every draw is the point


class PointStub(nn.Module):
    """A point head with a fixed rule, and the Gaussian every point head is sampled from."""

    def __init__(self, rule):
        super().__init__()
        self.rule = rule

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rule(x)

    def distribution(self, out: torch.Tensor, point_scale: float) -> Normal:
        return Normal(out, torch.full_like(out, point_scale))


ECHO_SECOND_FEATURE = PointStub(lambda x: x[:, -1, 1])
ADD_ONE = PointStub(lambda x: x[:, -1, 0] + 1)


def test_each_origin_keeps_its_own_held_features():
    windows = np.array([[[0, 1], [0, 2], [0, 3]], [[0, 4], [0, 5], [0, 6]]], dtype="float32")
    held = np.array([[0, 50], [0, 70]], dtype="float32")
    paths = sample_paths(ECHO_SECOND_FEATURE, windows, 4, 0, held, 1, SURE, 1.0, seed=0)
    np.testing.assert_allclose(paths[:, 0], [[3, 50, 50, 50], [6, 70, 70, 70]])


def test_draws_are_fed_back():
    paths = sample_paths(ADD_ONE, np.zeros((1, 3, 1), dtype="float32"), 5, 0, np.zeros((1, 1)), 1, SURE, 1.0, seed=0)
    np.testing.assert_allclose(paths[0, 0], [1, 2, 3, 4, 5])


def test_spread_is_the_point_scale_times_the_factor_and_seeded():
    windows = np.zeros((2, 3, 1), dtype="float32")
    first = sample_paths(ADD_ONE, windows, 3, 0, np.zeros((2, 1)), 2000, 0.5, 2.0, seed=1)
    assert first.shape == (2, 2000, 3)
    assert 0.95 < np.std(first[:, :, 0]) < 1.05  # one step: std 0.5 widened twice
    np.testing.assert_array_equal(first, sample_paths(ADD_ONE, windows, 3, 0, np.zeros((2, 1)), 2000, 0.5, 2.0, seed=1))


def test_differenced_features_are_held_at_no_change():
    scaler = MinMaxScaler().fit(np.array([[-1.0, 0.0], [1.0, 4.0]]))
    windows = np.array([[[0.2, 0.3], [0.4, 0.9]]])
    held = held_features(scaler, windows, differenced=[True, False])
    np.testing.assert_allclose(held, [[0.5, 0.9]])  # a zero return scales to 0.5; the level stays


def test_log_returns_compound_from_the_last_close():
    outputs = np.log(np.array([[[1.1, 1.1]]]))
    np.testing.assert_allclose(to_close_paths(outputs, np.array([100.0]), "log_return"), [[[110.0, 121.0]]])


def test_price_draws_below_zero_are_no_prices():
    assert (to_close_paths(np.array([[[-5.0, 3.0]]]), np.array([1.0]), "price") > 0).all()


def test_bands_are_ordered():
    closes = np.random.default_rng(0).normal(100, 10, size=(3, 1000, 4))
    bands = band_quantiles(closes)
    assert np.all(bands["lower_95"] < bands["lower_80"])
    assert np.all(bands["lower_80"] < bands["median"]) and np.all(bands["median"] < bands["upper_80"])
    assert np.all(bands["upper_80"] < bands["upper_95"])
