"""The standard volatility forecasters a distribution forecast must beat, zero mean, in
daily log returns in percent.

- constant volatility: the standard deviation of the training returns, every day;
- EWMA random walk (RiskMetrics): sigma²(t+1) = lambda sigma²(t) + (1 - lambda) r(t)²;
- GARCH(1,1), GJR-GARCH(1,1) (a larger response to falls) and EGARCH(1,1) (log variance),
  each with Student-t innovations, from ``arch``: fitted on the training days only, their
  parameters then fixed and the filter run forward, so the forecast for day t uses returns
  up to t-1 and nothing later;
- HAR on the daily range: a regression of tomorrow's log Parkinson variance (from High and
  Low) on today's, the last 7 days' and the last 30 days' (Corsi's heterogeneous
  autoregression), fitted by least squares on the training days, with Student-t
  innovations scaled to the training returns.
Multi-day forecasts of the cumulative return: constant volatility, EWMA and HAR by their
one-day variance (a sum of h independent days has h times the variance), the GARCH family
by simulated paths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from arch.univariate import EGARCH, GARCH, StudentsT, ZeroMean
from scipy import stats

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


VOLATILITY_MODELS = {
    "garch_t": lambda: GARCH(p=1, q=1),
    "gjr_garch_t": lambda: GARCH(p=1, o=1, q=1),
    "egarch_t": lambda: EGARCH(p=1, o=1, q=1),
}


def _arch_model(kind: str, returns: pd.Series, seed: int = 0) -> ZeroMean:
    """A zero-mean ``kind`` model with Student-t innovations; its simulations draw from ``seed``."""
    innovations = StudentsT(seed=np.random.default_rng(seed))
    return ZeroMean(returns, volatility=VOLATILITY_MODELS[kind](), distribution=innovations, rescale=False)


def fit_arch_t(kind: str, train_returns: pd.Series) -> dict[str, float]:
    """The parameters (omega, alpha[1], gamma[1], beta[1], nu, as ``kind`` has them) fitted
    on the training returns."""
    result = _arch_model(kind, train_returns).fit(disp="off", show_warning=False)
    return {name: float(value) for name, value in result.params.items()}


def arch_t_one_day(kind: str, returns: pd.Series, params: dict[str, float], days: np.ndarray) -> Predictive:
    """The one-day Student-t forecast for each position in ``days``.

    arch's conditional volatility at t is the filtered sigma(t) given returns up to t-1.
    Its standardised t has unit variance, so the location-scale t has scale
    sigma sqrt((nu - 2) / nu).
    """
    fixed = _arch_model(kind, returns).fix(list(params.values()))
    sigma = np.asarray(fixed.conditional_volatility)[days]
    nu = params["nu"]
    return Predictive.student_t(nu, np.zeros(len(days)), sigma * np.sqrt((nu - 2) / nu))


def arch_t_paths(
    kind: str, returns: pd.Series, params: dict[str, float], origins: np.ndarray, horizon: int, n_paths: int, seed: int
) -> np.ndarray:
    """Simulated daily returns ``(origins, n_paths, horizon)``; origin o knows returns before o."""
    paths = np.empty((len(origins), n_paths, horizon))
    for k, origin in enumerate(origins):
        fixed = _arch_model(kind, returns.iloc[:origin], seed + k).fix(list(params.values()))
        forecast = fixed.forecast(horizon=horizon, method="simulation", simulations=n_paths, reindex=False)
        paths[k] = forecast.simulations.values[-1]
    return paths


HAR_WINDOWS = (1, 7, 30)


def parkinson_variance(high: pd.Series, low: pd.Series) -> pd.Series:
    """Each day's variance of the log return in percent² from its range: (100 ln(H/L))² / (4 ln 2).
    A day whose high equals its low gets the smallest positive range seen, so its log is finite."""
    log_range = 100 * np.log(high.astype("float64") / low.astype("float64"))
    log_range = log_range.where(log_range > 0, log_range[log_range > 0].min())
    return log_range**2 / (4 * np.log(2))


def har_features(variance: pd.Series) -> pd.DataFrame:
    """log of the mean Parkinson variance over the last 1, 7 and 30 days, up to each day."""
    return pd.DataFrame({f"log_var_{w}d": np.log(variance.rolling(w).mean()) for w in HAR_WINDOWS})


def fit_har_t(variance: pd.Series, returns: pd.Series) -> dict[str, float]:
    """HAR coefficients by least squares (tomorrow's log variance on today's features) and
    the Student-t that fits the returns divided by the HAR sigma, both on the days given."""
    features = har_features(variance)
    rows = features.shift(1).join(np.log(variance).rename("target")).dropna()
    design = np.column_stack([np.ones(len(rows)), rows[features.columns].to_numpy()])
    coefficients, *_ = np.linalg.lstsq(design, rows["target"].to_numpy(), rcond=None)
    sigma = np.sqrt(np.exp(design @ coefficients))
    standardised = returns.reindex(rows.index).to_numpy() / sigma
    nu, _, scale = stats.t.fit(standardised[np.isfinite(standardised)], floc=0)
    return {"intercept": float(coefficients[0]), **{f"beta_{w}d": float(b) for w, b in zip(HAR_WINDOWS, coefficients[1:])},
            "nu": float(nu), "scale": float(scale)}


def har_t_sigma(variance: pd.Series, params: dict[str, float]) -> pd.Series:
    """HAR's sigma for each day from the ranges of the days before it (NaN for the first 30)."""
    features = har_features(variance).shift(1)
    log_variance = params["intercept"] + sum(params[f"beta_{w}d"] * features[f"log_var_{w}d"] for w in HAR_WINDOWS)
    return np.sqrt(np.exp(log_variance))


def har_t(sigma: np.ndarray, params: dict[str, float], horizon: int = 1) -> Predictive:
    """Zero-mean Student-t forecast of the ``horizon``-day cumulative return from one-day sigmas."""
    sigma = np.asarray(sigma, float)
    return Predictive.student_t(params["nu"], np.zeros(sigma.shape), params["scale"] * sigma * np.sqrt(horizon))


def random_walk(sigma: np.ndarray, horizon: int = 1) -> Predictive:
    """Zero-mean normal forecast of the ``horizon``-day cumulative return from one-day sigmas."""
    sigma = np.asarray(sigma, float)
    return Predictive.normal(np.zeros(sigma.shape), sigma * np.sqrt(horizon))
