"""Scores of probabilistic forecasts: CRPS, pinball loss, band coverage with Kupiec's and
Christoffersen's tests, band width, PIT.

Kupiec (1995) tests whether the share of outcomes outside a band equals its nominal rate;
Christoffersen (1998) adds whether those misses cluster (a miss today making one tomorrow
more likely), which a forecaster blind to volatility clustering fails. Neither test is in
scipy, statsmodels or arch, so both are written out here from their likelihood ratios; nor
is adaptive conformal inference (Gibbs and Candès 2021), a five-line recursion.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import stats
from scipy.special import xlogy
from sklearn.metrics import mean_pinball_loss

from hw3_pipelines.forecasting.distributions import Predictive, crps_usd

QUANTILES = (0.05, 0.1, 0.5, 0.9, 0.95)
BANDS = (80, 95)


def central_band(predictive: Predictive, level: int) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - level / 100) / 2
    return predictive.ppf(tail), predictive.ppf(1 - tail)


def _proportion_lr(misses: np.ndarray, rate: float) -> float:
    """Likelihood ratio of the observed miss rate against ``rate`` (Bernoulli misses)."""
    n, x = len(misses), int(np.sum(misses))
    observed = x / n
    return -2 * (xlogy(n - x, 1 - rate) + xlogy(x, rate) - xlogy(n - x, 1 - observed) - xlogy(x, observed))


def kupiec_p_value(misses: np.ndarray, rate: float) -> float:
    """Proportion-of-failures test: are misses as frequent as ``rate``? (chi-squared, 1 df)"""
    return float(stats.chi2.sf(_proportion_lr(misses, rate), 1))


def christoffersen_p_value(misses: np.ndarray, rate: float) -> float:
    """Conditional coverage: the right miss rate and no clustering of misses (chi-squared, 2 df)."""
    previous, current = np.asarray(misses[:-1], bool), np.asarray(misses[1:], bool)
    n00, n01 = np.sum(~previous & ~current), np.sum(~previous & current)
    n10, n11 = np.sum(previous & ~current), np.sum(previous & current)
    p01 = n01 / max(n00 + n01, 1)
    p11 = n11 / max(n10 + n11, 1)
    p = (n01 + n11) / max(n00 + n01 + n10 + n11, 1)
    log_independent = xlogy(n00 + n10, 1 - p) + xlogy(n01 + n11, p)
    log_markov = xlogy(n00, 1 - p01) + xlogy(n01, p01) + xlogy(n10, 1 - p11) + xlogy(n11, p11)
    lr_independence = -2 * (log_independent - log_markov)
    return float(stats.chi2.sf(_proportion_lr(misses, rate) + lr_independence, 2))


def score(
    predictive: Predictive, actual_pct: np.ndarray, close: np.ndarray, previous_close: np.ndarray, draws: int, seed: int,
    crps: np.ndarray | None = None,
) -> dict:
    """Every score of one forecaster over aligned days, returns in percent (CRPS also in USD);
    ``crps``: its daily CRPS where the caller has it (a pool's from all its members' draws)."""
    result = {
        "crps": float(np.mean(predictive.crps(actual_pct) if crps is None else crps)),
        "crps_usd": float(np.mean(crps_usd(predictive, close, previous_close, draws, seed))),
        "pinball": {str(q): float(mean_pinball_loss(actual_pct, predictive.ppf(q), alpha=q)) for q in QUANTILES},
    }
    for level in BANDS:
        lower, upper = central_band(predictive, level)
        misses = (actual_pct < lower) | (actual_pct > upper)
        rate = 1 - level / 100
        result[f"coverage_{level}"] = float(1 - misses.mean())
        result[f"kupiec_p_{level}"] = kupiec_p_value(misses, rate)
        result[f"christoffersen_p_{level}"] = christoffersen_p_value(misses, rate)
        result[f"width_{level}"] = float(np.mean(upper - lower))
    return result


def adaptive_misses(pit: np.ndarray, level: int, gamma: float, delay: int = 1) -> np.ndarray:
    """Misses of a central band whose level adapts online (Gibbs and Candès 2021, adaptive
    conformal inference): the miss rate moves by gamma (target - miss) for every past miss,
    so a band that missed too often widens and one that held too often narrows. A miss is
    known ``delay`` positions later (1 for one-day forecasts; more for a backtest's h-day
    forecasts from origins closer together than h days). Day t misses when its PIT falls
    outside [alpha_t / 2, 1 - alpha_t / 2]; an alpha at or below 0 is the whole line, at or
    above 1 an empty band."""
    target = 1 - level / 100
    alpha, misses = target, np.empty(len(pit), dtype=bool)
    for t, u in enumerate(np.asarray(pit, float)):
        if t >= delay:
            alpha += gamma * (target - misses[t - delay])
        a = min(max(alpha, 0.0), 1.0)
        misses[t] = u < a / 2 or u > 1 - a / 2
    return misses


def adaptive_coverage(pit: np.ndarray, gamma: float, delay: int = 1) -> dict:
    """Coverage and Kupiec's p of each band of ``BANDS`` under adaptive conformal inference."""
    result = {}
    for level in BANDS:
        misses = adaptive_misses(pit, level, gamma, delay)
        result[f"adaptive_coverage_{level}"] = float(1 - misses.mean())
        result[f"adaptive_kupiec_p_{level}"] = kupiec_p_value(misses, 1 - level / 100)
    return result


@lru_cache(maxsize=256)
def chance_coverage(level: int, outcomes: int, horizon: int = 1, stride: int = 1) -> tuple[float, float]:
    """The range (2.5th to 97.5th percentile) in which the coverage of an exact ``level``%
    band falls by chance over ``outcomes`` outcomes, each ``horizon`` days ahead from origins
    ``stride`` days apart.

    An exact forecaster's one-day PITs are independent uniforms whatever the volatility, so
    at one day this is the binomial range. Outcomes more days ahead share days, so theirs is
    simulated (``simulated_coverage``): 51 thirty-day outcomes in six months are about six
    independent ones, and an exact band's coverage strays some 12 points by chance (one
    standard deviation). A period outside the range is evidence against the band, not chance."""
    if horizon == 1:
        return tuple(float(stats.binom.ppf(q, outcomes, level / 100) / outcomes) for q in (0.025, 0.975))
    return tuple(float(q) for q in np.quantile(simulated_coverage(level, outcomes, horizon, stride), [0.025, 0.975]))


def simulated_coverage(level: int, outcomes: int, horizon: int, stride: int, trials: int = 10_000, seed: int = 0) -> np.ndarray:
    """The coverage of an exact ``level``% band in each of ``trials`` simulated stretches of
    ``outcomes`` outcomes ``horizon`` days ahead, origins ``stride`` days apart. The returns
    are independent and normal; dependent returns would spread the coverage wider."""
    rng = np.random.default_rng(seed)
    days = (outcomes - 1) * stride + horizon
    walk = np.concatenate([np.zeros((trials, 1)), np.cumsum(rng.standard_normal((trials, days)), axis=1)], axis=1)
    starts = np.arange(outcomes) * stride
    z = (walk[:, starts + horizon] - walk[:, starts]) / np.sqrt(horizon)
    return np.mean(np.abs(z) <= stats.norm.ppf(0.5 + level / 200), axis=1)
