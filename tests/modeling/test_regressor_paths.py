"""Recursive paths feed each draw back, hold the other features per origin, draw each step
from the model's distribution, and carry the recurrent state from day to day."""

import numpy as np
import pytest
import torch
from torch import nn
from torch.distributions import Normal

from hw3_pipelines.modeling.regressor import RecurrentRegressor, RegressorConfig
from hw3_pipelines.modeling.regressor_paths import Location, one_step, sample_paths

SURE = 1e-12  # a spread so small that every draw is the point


class PointStub(nn.Module):
    """A point head with a fixed rule, and the Gaussian every point head is sampled from."""

    def __init__(self, rule):
        super().__init__()
        self.rule = rule

    def forward_with_state(self, x: torch.Tensor, state=None) -> tuple[torch.Tensor, None]:
        return self.rule(x), None

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



def test_a_shrunk_location_moves_every_step_toward_no_change():
    windows, held = np.zeros((1, 3, 1), dtype="float32"), np.zeros((1, 1))
    halved = sample_paths(ADD_ONE, windows, 3, 0, held, 1, SURE, 1.0, seed=0, location=Location(0.5, 0.0))
    np.testing.assert_allclose(halved[0, 0], [0.5, 0.75, 0.875], atol=1e-6)  # y = 0.5 * (previous + 1), fed back
    flat = sample_paths(ADD_ONE, windows, 3, 0, held, 1, SURE, 1.0, seed=0, location=Location(0.0, 0.2))
    np.testing.assert_allclose(flat[0, 0], [0.2, 0.2, 0.2], atol=1e-6)


def test_a_one_step_location_is_shrunk_and_its_spread_kept():
    torch.manual_seed(0)
    model = RecurrentRegressor(RegressorConfig(n_features=1, hidden_size=4, num_layers=1, dropout=0.0, cell="lstm", head="student_t"))
    windows = np.random.default_rng(0).normal(size=(4, 5, 1)).astype("float32")
    learnt, shrunk = one_step(model, windows, 1.0), one_step(model, windows, 1.0, location=Location(0.25, 0.1))
    np.testing.assert_allclose(shrunk["loc"], 0.1 + 0.25 * (learnt["loc"] - 0.1))
    np.testing.assert_array_equal(shrunk["scale"], learnt["scale"])


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_a_carried_state_is_the_window_run_one_day_longer(cell):
    torch.manual_seed(0)
    model = RecurrentRegressor(RegressorConfig(n_features=2, hidden_size=8, num_layers=2, dropout=0.0, cell=cell, head="student_t")).eval()
    window, day = torch.randn(3, 10, 2), torch.randn(3, 1, 2)
    with torch.no_grad():
        _, state = model.forward_with_state(window)
        carried, _ = model.forward_with_state(day, state)
        rerun = model(torch.cat([window, day], dim=1))
    torch.testing.assert_close(carried, rerun)
