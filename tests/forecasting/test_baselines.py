"""The volatility baselines: no look-ahead, the right recursions."""

import numpy as np
import pandas as pd
import pytest

from hw3_pipelines.forecasting import baselines
from hw3_pipelines.sources.prices import read_bundled_snapshot


@pytest.fixture(scope="module")
def returns() -> pd.Series:
    """The first 1,200 daily BTC-USD returns: real volatility clustering for GARCH to fit."""
    close = read_bundled_snapshot().set_index("Date")["Close"].iloc[:1201]
    return baselines.log_returns_pct(close)


@pytest.fixture(scope="module")
def variance() -> pd.Series:
    days = read_bundled_snapshot().set_index("Date").iloc[:1201]
    return baselines.parkinson_variance(days["High"], days["Low"])


def test_ewma_follows_the_riskmetrics_recursion():
    sigma = baselines.ewma_volatility(np.array([1.0, 2.0, 0.0]), 0.9, initial_variance=4.0)
    np.testing.assert_allclose(sigma ** 2, [4.0, 0.9 * 4 + 0.1 * 1, 0.9 * 3.7 + 0.1 * 4])


@pytest.mark.parametrize("kind", list(baselines.VOLATILITY_MODELS))
def test_garch_forecast_uses_no_later_data(returns, kind):
    params = baselines.fit_arch_t(kind, returns.iloc[:800])
    day = 900
    changed = returns.copy()
    changed.iloc[day:] = 30.0  # a crash-sized move on the forecast day itself and after it
    before = baselines.arch_t_one_day(kind, returns, params, np.array([day]))
    after = baselines.arch_t_one_day(kind, changed, params, np.array([day]))
    assert before.scale[0] == after.scale[0]
    assert baselines.arch_t_one_day(kind, changed, params, np.array([day + 1])).scale[0] > 3 * before.scale[0]


@pytest.mark.parametrize(("kind", "parameters"), [
    ("garch_t", {"omega", "alpha[1]", "beta[1]", "nu"}),
    ("gjr_garch_t", {"omega", "alpha[1]", "gamma[1]", "beta[1]", "nu"}),
    ("egarch_t", {"omega", "alpha[1]", "gamma[1]", "beta[1]", "nu"}),
])
def test_garch_fit_sees_only_the_training_returns(returns, kind, parameters):
    assert baselines.fit_arch_t(kind, returns.iloc[:800]) == baselines.fit_arch_t(kind, pd.concat([returns.iloc[:800]]))
    assert set(baselines.fit_arch_t(kind, returns.iloc[:800])) == parameters


@pytest.mark.parametrize("kind", list(baselines.VOLATILITY_MODELS))
def test_garch_paths_start_from_their_origin_only(returns, kind):
    params = baselines.fit_arch_t(kind, returns.iloc[:800])
    changed = returns.copy()
    changed.iloc[1000:] = 0.0
    first = baselines.arch_t_paths(kind, returns, params, np.array([900, 1000]), 5, 50, seed=0)
    second = baselines.arch_t_paths(kind, changed, params, np.array([900, 1000]), 5, 50, seed=0)
    assert first.shape == (2, 50, 5)
    np.testing.assert_array_equal(first, second)


def test_random_walk_variance_grows_with_the_horizon():
    assert baselines.random_walk(np.array([2.0]), 9).scale[0] == pytest.approx(6.0)


def test_parkinson_variance_of_a_known_range():
    high, low = pd.Series([110.0, 100.0]), pd.Series([100.0, 100.0])
    expected = (100 * np.log(1.1)) ** 2 / (4 * np.log(2))
    np.testing.assert_allclose(baselines.parkinson_variance(high, low), [expected, expected])  # a flat day gets the smallest range


def test_har_forecast_uses_no_later_ranges(returns, variance):
    params = baselines.fit_har_t(variance.iloc[:800], returns.iloc[:800])
    changed = variance.copy()
    changed.iloc[900:] = 1e4
    before, after = baselines.har_t_sigma(variance, params), baselines.har_t_sigma(changed, params)
    assert before.iloc[900] == after.iloc[900] and after.iloc[901] > 3 * before.iloc[901]
    assert before.iloc[:30].isna().all() and before.iloc[30:].notna().all()


def test_har_fits_persistent_volatility_and_fat_tails(returns, variance):
    params = baselines.fit_har_t(variance.iloc[:800], returns.iloc[:800])
    assert 0.8 < params["beta_1d"] + params["beta_7d"] + params["beta_30d"] < 1.0  # log variance persists
    assert 2 < params["nu"] < 10
    assert baselines.har_t(np.array([2.0]), params, horizon=4).scale[0] == pytest.approx(4.0 * params["scale"])
