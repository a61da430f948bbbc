"""Derived features enter the model as they are, in both settings."""

import numpy as np

from hw3_pipelines.forecasting.windows import feature_frame, is_differenced
from tests.conftest import synthetic_prices


def test_log_range_is_log_high_over_low_in_both_settings():
    prices = synthetic_prices(30)
    expected = np.log(prices["High"] / prices["Low"]).to_numpy()
    np.testing.assert_allclose(feature_frame(prices, ["log_range"], "price")["log_range"], expected)
    np.testing.assert_allclose(feature_frame(prices, ["log_range"], "log_return")["log_range"], expected[1:])
    assert is_differenced("Close", "log_return") and not is_differenced("log_range", "log_return")


def test_ewma_volatility_is_riskmetrics_from_the_days_up_to_each_day():
    prices = synthetic_prices(60)
    returns = np.diff(np.log(prices["Close"].to_numpy()))
    frame = feature_frame(prices, ["Close", "log_ewma_vol"], "log_return")
    weights = 0.94 ** np.arange(10)[::-1]  # day 10's variance: its own and the nine returns before, weighted
    expected = 0.5 * np.log(np.sum(weights * returns[:10] ** 2) / weights.sum())
    assert np.isclose(frame["log_ewma_vol"].iloc[9], expected)
    later = prices.assign(Close=prices["Close"].where(prices.index < 40, prices["Close"] * 3))  # a jump on day 40
    assert np.allclose(feature_frame(later, ["log_ewma_vol"], "log_return")["log_ewma_vol"].iloc[:38], frame["log_ewma_vol"].iloc[:38])
    assert np.isfinite(feature_frame(prices, ["log_ewma_vol"], "price")["log_ewma_vol"]).all()
