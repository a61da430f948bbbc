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


def test_ewma_follows_the_riskmetrics_recursion():
    sigma = baselines.ewma_volatility(np.array([1.0, 2.0, 0.0]), 0.9, initial_variance=4.0)
    np.testing.assert_allclose(sigma ** 2, [4.0, 0.9 * 4 + 0.1 * 1, 0.9 * 3.7 + 0.1 * 4])


def test_garch_forecast_uses_no_later_data(returns):
    params = baselines.fit_garch_t(returns.iloc[:800])
    day = 900
    changed = returns.copy()
    changed.iloc[day:] = 30.0  # a crash-sized move on the forecast day itself and after it
    before = baselines.garch_t_one_day(returns, params, np.array([day]))
    after = baselines.garch_t_one_day(changed, params, np.array([day]))
    assert before.scale[0] == after.scale[0]
    assert baselines.garch_t_one_day(changed, params, np.array([day + 1])).scale[0] > 3 * before.scale[0]


def test_garch_fit_sees_only_the_training_returns(returns):
    assert baselines.fit_garch_t(returns.iloc[:800]) == baselines.fit_garch_t(pd.concat([returns.iloc[:800]]))
    assert set(baselines.fit_garch_t(returns.iloc[:800])) == {"omega", "alpha[1]", "beta[1]", "nu"}


def test_garch_paths_start_from_their_origin_only(returns):
    params = baselines.fit_garch_t(returns.iloc[:800])
    changed = returns.copy()
    changed.iloc[1000:] = 0.0
    first = baselines.garch_t_paths(returns, params, np.array([900, 1000]), 5, 50, seed=0)
    second = baselines.garch_t_paths(changed, params, np.array([900, 1000]), 5, 50, seed=0)
    assert first.shape == (2, 50, 5)
    np.testing.assert_array_equal(first, second)


def test_random_walk_variance_grows_with_the_horizon():
    assert baselines.random_walk(np.array([2.0]), 9).scale[0] == pytest.approx(6.0)
