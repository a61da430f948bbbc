"""The arithmetic around a model's recursive paths (drawn in ``modeling.regressor_paths``):
the features held on forecast days, draws turned into closes, bands over paths, and the
backtest's origins. The point forecast of a path set is its median. No torch here.
"""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.forecasting.scores import BANDS


def held_features(scaler: MinMaxScaler, windows: np.ndarray, differenced: list[bool]) -> np.ndarray:
    """Scaled values of the non-target features on forecast days, one row per window: the
    last value, or no change for a differenced feature (a log return). The target column is
    overwritten on every step."""
    held = windows[:, -1, :].copy()
    zero = no_change(scaler)
    for column, is_difference in enumerate(differenced):
        if is_difference:
            held[:, column] = zero[column]
    return held


def no_change(scaler: MinMaxScaler) -> np.ndarray:
    """Each feature's scaled value of zero: no change, for a differenced feature."""
    return scaler.transform(np.zeros((1, scaler.n_features_in_)))[0]


def to_close_paths(outputs: np.ndarray, last_close: np.ndarray, target: str) -> np.ndarray:
    """Unscaled outputs ``(origins, samples, steps)`` to closes, from each origin's last close.
    A drawn level at or below zero is no price: it becomes the smallest positive float."""
    if target == "price":
        return np.maximum(outputs, np.finfo(float).tiny)
    return last_close[:, None, None] * np.exp(np.cumsum(outputs, axis=-1))


def spread_ramp(factor: float, day, horizon: int):
    """The factor on the spread ``day`` days ahead (1 = the first) of a widening that grows
    linearly from 1 on the first day to ``factor`` on day ``horizon`` and is kept after it."""
    return 1 + (factor - 1) * np.minimum(np.asarray(day) - 1, horizon - 1) / max(horizon - 1, 1)


def widen_paths(closes: np.ndarray, factor: float, horizon: int) -> np.ndarray:
    """Closes ``(origins, paths, steps)`` with each day's spread of log closes about their
    median over paths multiplied by a factor growing linearly from 1 on the first day to
    ``factor`` on day ``horizon`` (and kept after it). The first day keeps the spread the
    one-day recalibration set; the median path is unchanged."""
    ramp = spread_ramp(factor, np.arange(1, closes.shape[-1] + 1), horizon)
    log_closes = np.log(closes)
    median = np.median(log_closes, axis=1, keepdims=True)
    return np.exp(median + ramp * (log_closes - median))


def band_quantiles(closes: np.ndarray) -> dict[str, np.ndarray]:
    """Median and the 80% and 95% bands over the samples axis (axis 1)."""
    result = {"median": np.median(closes, axis=1)}
    for level in BANDS:
        tail = (100 - level) / 2
        result[f"lower_{level}"] = np.percentile(closes, tail, axis=1)
        result[f"upper_{level}"] = np.percentile(closes, 100 - tail, axis=1)
    return result


def walk_forward_origins(n_days: int, horizon: int, stride: int) -> np.ndarray:
    """Positions, every ``stride`` days, from which ``horizon`` days of truth remain."""
    return np.arange(0, n_days - horizon + 1, stride)


def cumulative_outcomes(returns: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
    """``(origins, horizon)``: the return from each origin to each of the ``horizon`` days
    after it, which a walk-forward forecast from that origin is scored against."""
    return np.cumsum(np.stack([returns[o : o + horizon] for o in origins]), axis=1)
