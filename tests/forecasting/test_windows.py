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
