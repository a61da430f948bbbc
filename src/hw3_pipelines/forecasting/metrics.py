"""Point-forecast error metrics and the Diebold-Mariano test.

All functions take aligned 1-D arrays of actual values and forecasts. Percentages are
returned in percent (a MAPE of 2.5 means 2.5%).
"""

from __future__ import annotations

import math

import numpy as np
from arch.covariance.kernel import Bartlett
from scipy import stats


def mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - predicted)))


def rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.sqrt(np.mean((actual - predicted) ** 2)))


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.abs((actual - predicted) / actual)) * 100)


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(2 * np.abs(actual - predicted) / (np.abs(actual) + np.abs(predicted))) * 100)


def directional_accuracy(
    actual: np.ndarray, predicted: np.ndarray, previous: np.ndarray
) -> float:
    """Share of days whose predicted move from ``previous`` has the sign of the real move.

    A forecast of no move (sign 0) counts as right only on a day that did not move, so
    the persistence forecast scores about 0 by construction: it never calls a direction.
    """
    return float(np.mean(np.sign(predicted - previous) == np.sign(actual - previous)))


def point_metrics(actual: np.ndarray, predicted: np.ndarray, previous: np.ndarray) -> dict:
    return {
        "mae": mae(actual, predicted),
        "rmse": rmse(actual, predicted),
        "mape": mape(actual, predicted),
        "smape": smape(actual, predicted),
        "directional_accuracy": directional_accuracy(actual, predicted, previous),
    }


def diebold_mariano(
    actual: np.ndarray,
    forecast_a: np.ndarray,
    forecast_b: np.ndarray,
    horizon: int = 1,
    power: int = 2,
) -> dict:
    """Diebold-Mariano test of equal accuracy of two point forecasts, on the loss
    ``|error|^power`` (see ``loss_difference_test``)."""
    loss_a, loss_b = np.abs(actual - forecast_a) ** power, np.abs(actual - forecast_b) ** power
    return {**loss_difference_test(loss_a, loss_b, horizon), "power": power}


def loss_difference_test(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1) -> dict:
    """Diebold-Mariano test on two aligned loss series (squared errors, CRPS, ...), with the
    Harvey-Leybourne-Newbold correction.

    A negative statistic means A has the smaller loss. The long-run variance uses the
    autocovariances up to lag ``horizon - 1``; HLN (1997) rescale the statistic for small
    samples and compare it with Student's t with n - 1 degrees of freedom. The p-value is
    two-sided.
    """
    d = np.asarray(loss_a, float) - np.asarray(loss_b, float)
    n = len(d)
    if n < 3:
        raise ValueError(f"the Diebold-Mariano test needs at least 3 forecasts, got {n}")
    d_mean = d.mean()
    centred = d - d_mean
    autocov = [np.dot(centred[k:], centred[: n - k]) / n for k in range(horizon)]
    variance = (autocov[0] + 2 * sum(autocov[1:])) / n
    if variance <= 0:
        return {"statistic": 0.0, "p_value": 1.0, "n": n, "horizon": horizon}
    dm = d_mean / math.sqrt(variance)
    hln = math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    statistic = float(dm * hln)
    p_value = float(2 * stats.t.sf(abs(statistic), df=n - 1))
    return {"statistic": statistic, "p_value": p_value, "n": n, "horizon": horizon}


def hac_loss_difference(loss_a: np.ndarray, loss_b: np.ndarray) -> dict:
    """The mean loss difference A - B with a Newey-West standard error (Bartlett kernel, its
    bandwidth chosen from the data by ``arch``), for series whose differences are
    autocorrelated to an unknown lag: daily CRPS in volatility clusters, or overlapping
    multi-day outcomes. One-sided p-values of "A lower" and "A higher" (Student's t with
    n - 1 degrees of freedom, as ``loss_difference_test``) and a 95% interval."""
    d = np.asarray(loss_a, float) - np.asarray(loss_b, float)
    n = len(d)
    if n < 3:
        raise ValueError(f"a test of the mean loss difference needs at least 3 outcomes, got {n}")
    mean = float(d.mean())
    if np.ptp(d) == 0:  # the same forecaster twice, or a constant difference: no variance to estimate
        return {"mean_difference": mean, "standard_error": 0.0, "statistic": 0.0, "p_lower": 0.5, "p_higher": 0.5,
                "interval_95": [mean, mean], "n": n, "bandwidth": 0.0}
    kernel = Bartlett(d)
    standard_error = math.sqrt(max(float(kernel.cov.long_run[0, 0]), 0.0) / n)
    statistic = mean / standard_error if standard_error > 0 else 0.0
    half_width = float(stats.t.ppf(0.975, df=n - 1)) * standard_error
    return {
        "mean_difference": mean, "standard_error": standard_error, "statistic": statistic,
        "p_lower": float(stats.t.cdf(statistic, df=n - 1)), "p_higher": float(stats.t.sf(statistic, df=n - 1)),
        "interval_95": [mean - half_width, mean + half_width], "n": n, "bandwidth": float(kernel.bandwidth),
    }
