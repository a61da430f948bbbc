"""The standard volatility forecasters a distribution forecast must beat, zero mean, in
daily log returns in percent.

- constant volatility: the standard deviation of the training returns, every day;
- EWMA random walk (RiskMetrics): sigma²(t+1) = lambda sigma²(t) + (1 - lambda) r(t)²;
- GARCH(1,1) with Student-t innovations, from ``arch``: fitted on the training days only,
  its parameters then fixed and the filter run forward, so the forecast for day t uses
  returns up to t-1 and nothing later.
Multi-day forecasts of the cumulative return: the first two by their own variance (a sum
of h independent days has h times the variance), GARCH by simulated paths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from arch.univariate import GARCH, StudentsT, ZeroMean

from hw3_pipelines.forecasting.distributions import Predictive


def log_returns_pct(close: pd.Series) -> pd.Series:
    """Daily log returns in percent, indexed like ``close`` without its first day."""
    return (100 * np.log(close.astype("float64")).diff()).iloc[1:]


def ewma_volatility(returns: np.ndarray, lam: float, initial_variance: float) -> np.ndarray:
    """sigma(t) for every day t of ``returns``, each from the returns before it only."""
    variance = np.empty(len(returns))
    variance[0] = initial_variance
    for t in range(1, len(returns)):
        variance[t] = lam * variance[t - 1] + (1 - lam) * returns[t - 1] ** 2
    return np.sqrt(variance)


def _garch(returns: pd.Series, seed: int = 0) -> ZeroMean:
    """A zero-mean GARCH(1,1)-t model of ``returns``; its simulations draw from ``seed``."""
    innovations = StudentsT(seed=np.random.default_rng(seed))
    return ZeroMean(returns, volatility=GARCH(p=1, q=1), distribution=innovations, rescale=False)


def fit_garch_t(train_returns: pd.Series) -> dict[str, float]:
    """GARCH(1,1)-t parameters (omega, alpha[1], beta[1], nu) fitted on the training returns."""
    result = _garch(train_returns).fit(disp="off", show_warning=False)
    return {name: float(value) for name, value in result.params.items()}


def garch_t_one_day(returns: pd.Series, params: dict[str, float], days: np.ndarray) -> Predictive:
    """The one-day Student-t forecast for each position in ``days``.

    arch's conditional volatility at t is the filtered sigma(t) given returns up to t-1.
    Its standardised t has unit variance, so the location-scale t has scale
    sigma sqrt((nu - 2) / nu).
    """
    fixed = _garch(returns).fix(list(params.values()))
    sigma = np.asarray(fixed.conditional_volatility)[days]
    nu = params["nu"]
    return Predictive.student_t(nu, np.zeros(len(days)), sigma * np.sqrt((nu - 2) / nu))


def garch_t_paths(returns: pd.Series, params: dict[str, float], origins: np.ndarray, horizon: int, n_paths: int, seed: int) -> np.ndarray:
    """Simulated daily returns ``(origins, n_paths, horizon)``; origin o knows returns before o."""
    paths = np.empty((len(origins), n_paths, horizon))
    for k, origin in enumerate(origins):
        fixed = _garch(returns.iloc[:origin], seed + k).fix(list(params.values()))
        forecast = fixed.forecast(horizon=horizon, method="simulation", simulations=n_paths, reindex=False)
        paths[k] = forecast.simulations.values[-1]
    return paths


def random_walk(sigma: np.ndarray, horizon: int = 1) -> Predictive:
    """Zero-mean normal forecast of the ``horizon``-day cumulative return from one-day sigmas."""
    sigma = np.asarray(sigma, float)
    return Predictive.normal(np.zeros(sigma.shape), sigma * np.sqrt(horizon))
