"""The arithmetic around recursive paths: held features, closes from draws, bands."""

import numpy as np
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.forecasting.recursive import (
    band_quantiles,
    cumulative_outcomes,
    held_features,
    to_close_paths,
    widen_paths,
)


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


def test_path_spread_grows_from_one_on_the_first_day_to_its_factor_and_keeps_the_median():
    closes = np.exp(np.array([[[0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 3.0, 4.0], [-1.0, -2.0, -3.0, -4.0]]]))
    widened = widen_paths(closes, 2.0, horizon=3)
    np.testing.assert_allclose(np.log(widened[0, 1]), [1.0, 3.0, 6.0, 8.0])  # x 1, 1.5, 2, then kept at 2
    np.testing.assert_allclose(np.log(widened[0, 0]), 0.0, atol=1e-12)
    np.testing.assert_allclose(widen_paths(closes, 1.0, horizon=3), closes)


def test_bands_are_ordered():
    closes = np.random.default_rng(0).normal(100, 10, size=(3, 1000, 4))
    bands = band_quantiles(closes)
    assert np.all(bands["lower_95"] < bands["lower_80"])
    assert np.all(bands["lower_80"] < bands["median"]) and np.all(bands["median"] < bands["upper_80"])
    assert np.all(bands["upper_80"] < bands["upper_95"])


def test_the_forecasting_arithmetic_runs_without_torch():
    import subprocess
    import sys

    code = ("import sys, hw3_pipelines.forecasting.recursive, hw3_pipelines.forecasting.baselines, "
            "hw3_pipelines.forecasting.distributions, hw3_pipelines.forecasting.scores; print('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_cumulative_outcomes_sum_the_returns_after_each_origin():
    returns = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    outcomes = cumulative_outcomes(returns, np.array([0, 2]), 3)
    np.testing.assert_array_equal(outcomes, [[1.0, 3.0, 6.0], [3.0, 7.0, 12.0]])
