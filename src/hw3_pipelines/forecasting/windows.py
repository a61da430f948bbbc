"""From a price table to model inputs and back, for both target settings.

``price``: the assignment's setting. Features are price levels; the model predicts the
next Close level (after MinMax scaling). It cannot predict beyond the training range.

``log_return``: the scale-free setting. Features are daily log returns; the model
predicts the next day's log return of Close, and the price forecast is
``previous close * exp(predicted return)``. Nothing depends on the price level.

Besides the table's columns, a feature may be ``log_range``, log(High / Low): the day's
range, a classic volatility signal (Parkinson, 1980). It is scale-free already, so it
enters both settings as it is, never differenced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

TARGETS = ("price", "log_return")
TARGET_COLUMN = "Close"
COLUMN_FEATURES = ("Open", "High", "Low", "Close", "Volume")
EWMA_LAMBDA = 0.94  # RiskMetrics' daily decay, as the EWMA baseline's


def log_ewma_volatility(prices: pd.DataFrame) -> pd.Series:
    """The log of each day's EWMA volatility of daily log returns (RiskMetrics, lambda 0.94),
    from that day's return and those before it: a regime that a MinMax scaler fitted on a
    crash cannot squash, since a log spreads calm and wild months alike. The first day, which
    has no return, takes the second day's value."""
    returns = np.log(prices["Close"].astype("float64")).diff()
    variance = (returns**2).ewm(alpha=1 - EWMA_LAMBDA, adjust=True).mean().bfill()
    return 0.5 * np.log(np.maximum(variance, 1e-10))


DERIVED_FEATURES = {"log_range": lambda prices: np.log(prices["High"] / prices["Low"]), "log_ewma_vol": log_ewma_volatility}
FEATURES = (*COLUMN_FEATURES, *DERIVED_FEATURES)


@dataclass(frozen=True, eq=False)
class ModelInput:
    """Scaled windows for training and testing, and what turns predictions back into USD.

    n training windows, m test days, lookback L, F features (``close_index`` is Close's
    column among them). Each window ends the day before the day it predicts.

    - ``X_train`` (n, L, F) float32, ``y_train`` (n,) float32: the scaled next-day target
    - ``X_test`` (m, L, F) float32, ``y_test`` (m,) float32
    - ``test_dates`` (m,) str ``YYYY-MM-DD``; ``test_close`` and ``test_previous_close``
      (m,) float64 USD: each test day's close and the close of the day before
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_dates: np.ndarray
    test_close: np.ndarray
    test_previous_close: np.ndarray
    close_index: int

    def validation_count(self, val_fraction: float) -> int:
        """How many of the last training windows are held out: at least one."""
        return max(1, int(len(self.X_train) * val_fraction))


def is_differenced(feature: str, target: str) -> bool:
    """Whether the model sees the feature's daily log change rather than its value."""
    return target == "log_return" and feature not in DERIVED_FEATURES


def feature_frame(prices: pd.DataFrame, features: list[str], target: str) -> pd.DataFrame:
    """Model features indexed by date; ``log_return`` loses the first day."""
    table = prices.set_index("Date")
    columns = {}
    for feature in features:
        if feature in DERIVED_FEATURES:
            columns[feature] = DERIVED_FEATURES[feature](table).astype("float64")
        else:
            values = table[feature].astype("float64")
            columns[feature] = np.log(values).diff() if is_differenced(feature, target) else values
    frame = pd.DataFrame(columns)
    return frame if target == "price" else frame.iloc[1:]


def fit_minmax(features: pd.DataFrame) -> MinMaxScaler:
    return MinMaxScaler().fit(features.to_numpy())


def sliding_windows(values: np.ndarray, lookback: int) -> np.ndarray:
    """All windows ``values[i - lookback:i]`` for ``i`` in ``lookback..len(values)-1``.

    Window ``k`` ends the day before position ``k + lookback``, the day it predicts, so
    a window never contains its own target.
    """
    windows = np.lib.stride_tricks.sliding_window_view(values, lookback, axis=0)
    return np.ascontiguousarray(windows[:-1].transpose(0, 2, 1))


def inverse_column(scaler: MinMaxScaler, scaled: np.ndarray, column: int) -> np.ndarray:
    """Undo MinMax scaling for one column of a multi-column scaler."""
    return (scaled - scaler.min_[column]) / scaler.scale_[column]


def to_price(model_output: np.ndarray, previous_close: np.ndarray, target: str) -> np.ndarray:
    """Turn an unscaled model output (level or log return) into a Close price."""
    if target == "price":
        return model_output
    return previous_close * np.exp(model_output)
