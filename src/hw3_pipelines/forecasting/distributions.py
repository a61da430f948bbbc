"""Predictive distributions of daily log returns in percent: one per day, in one of three
families, with what every score needs (CDF, quantiles, CRPS, draws).

``normal`` and ``t`` (location-scale Student-t) have closed forms; ``samples`` holds draws
(days, m) for everything else (multi-day paths, a price-level model turned into returns).
CRPS comes from ``scoringrules``: closed form for the two families; for draws its
probability-weighted-moment estimator, which equals the unbiased ("fair") ensemble CRPS
in O(m log m) instead of O(m²).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scoringrules as sr
from scipy import optimize, stats

FAMILIES = ("normal", "t", "samples")


@dataclass(frozen=True, eq=False)
class Predictive:
    family: str
    loc: np.ndarray | None = None
    scale: np.ndarray | None = None
    df: np.ndarray | None = None
    samples: np.ndarray | None = None

    @classmethod
    def normal(cls, loc, scale) -> Predictive:
        loc, scale = np.broadcast_arrays(np.asarray(loc, float), np.asarray(scale, float))
        return cls("normal", loc=loc, scale=scale)

    @classmethod
    def student_t(cls, df, loc, scale) -> Predictive:
        df, loc, scale = np.broadcast_arrays(np.asarray(df, float), np.asarray(loc, float), np.asarray(scale, float))
        return cls("t", loc=loc, scale=scale, df=df)

    @classmethod
    def from_samples(cls, samples: np.ndarray) -> Predictive:
        return cls("samples", samples=np.sort(np.asarray(samples, float), axis=1))

    def __len__(self) -> int:
        return len(self.samples if self.family == "samples" else self.loc)

    def cdf(self, y: np.ndarray) -> np.ndarray:
        if self.family == "samples":
            return (self.samples <= np.asarray(y)[:, None]).mean(axis=1)
        z = (y - self.loc) / self.scale
        return stats.norm.cdf(z) if self.family == "normal" else stats.t.cdf(z, self.df)

    def ppf(self, q: float) -> np.ndarray:
        if self.family == "samples":
            return np.quantile(self.samples, q, axis=1)
        z = stats.norm.ppf(q) if self.family == "normal" else stats.t.ppf(q, self.df)
        return self.loc + self.scale * z

    def crps(self, y: np.ndarray) -> np.ndarray:
        if self.family == "normal":
            return sr.crps_normal(y, self.loc, self.scale)
        if self.family == "t":
            return sr.crps_t(y, self.df, self.loc, self.scale)
        return sr.crps_ensemble(y, self.samples, estimator="pwm")

    def draw(self, m: int, rng: np.random.Generator) -> np.ndarray:
        """``m`` draws per day, ``(days, m)``; a sample family returns its own draws."""
        if self.family == "samples":
            return self.samples
        shape = (len(self), m)
        noise = rng.standard_normal(shape) if self.family == "normal" else rng.standard_t(self.df[:, None], shape)
        return self.loc[:, None] + self.scale[:, None] * noise

    def widened(self, factor: float) -> Predictive:
        """The same distributions with their spread around the centre multiplied by ``factor``."""
        if self.family == "samples":
            centre = np.median(self.samples, axis=1, keepdims=True)
            return Predictive.from_samples(centre + factor * (self.samples - centre))
        return Predictive(self.family, loc=self.loc, scale=self.scale * factor, df=self.df)


def returns_to_prices(returns_pct: np.ndarray, previous_close: np.ndarray) -> np.ndarray:
    """Closes implied by log returns in percent from each day's previous close."""
    return np.asarray(previous_close)[:, None] * np.exp(returns_pct / 100)


MAX_DRAWN_LOG_RETURN_PCT = 1000.0  # a 22,000-fold move; beyond it exp() of a draw overflows


def crps_usd(predictive: Predictive, close: np.ndarray, previous_close: np.ndarray, m: int, seed: int) -> np.ndarray:
    """CRPS of the implied price, in USD, from ``m`` seeded draws per day. Heavy-tailed
    simulations (EGARCH-t's 30-day paths) can draw log returns past any real move; they are
    clipped at ±``MAX_DRAWN_LOG_RETURN_PCT`` so that their prices stay finite."""
    draws = np.clip(predictive.draw(m, np.random.default_rng(seed)), -MAX_DRAWN_LOG_RETURN_PCT, MAX_DRAWN_LOG_RETURN_PCT)
    prices = returns_to_prices(draws, previous_close)
    return sr.crps_ensemble(close, prices, estimator="pwm")


def from_step(step: dict, slope: float = 1.0, offset: float = 0.0) -> Predictive:
    """A model's one-step distributions (see ``recursive.one_step``) with ``(x - offset) /
    slope`` applied, which keeps the family: how MinMax scaling is undone."""
    loc, scale = (step["loc"] - offset) / slope, step["scale"] / slope
    if step["family"] == "normal":
        return Predictive.normal(loc, scale)
    return Predictive.student_t(step["df"], loc, scale)


def from_model_step(step: dict, scaler, close_index: int, target: str, previous_close: np.ndarray, draws: int, seed: int) -> Predictive:
    """A model's one-step distributions (scaled units) as distributions of the log return in
    percent. A ``log_return`` model keeps its family; a ``price`` model predicts a level,
    whose draws become returns from the previous close."""
    if target == "log_return":
        slope, offset = scaler.scale_[close_index] / 100, scaler.min_[close_index]
        return from_step(step, slope, offset)
    level = from_step(step, scaler.scale_[close_index], scaler.min_[close_index])
    prices = np.maximum(level.draw(draws, np.random.default_rng(seed)), np.finfo(float).tiny)
    return Predictive.from_samples(100 * np.log(prices / np.asarray(previous_close)[:, None]))


def crps_optimal_spread(predictive: Predictive, actual: np.ndarray, bounds: tuple[float, float] = (0.2, 5.0)) -> float:
    """The factor on the spread that minimises the mean CRPS over ``actual``: recalibration
    with one number, fitted on validation windows, never on the test period."""
    result = optimize.minimize_scalar(
        lambda factor: float(np.mean(predictive.widened(factor).crps(actual))),
        bounds=bounds, method="bounded", options={"xatol": 1e-4},
    )
    return float(result.x)
