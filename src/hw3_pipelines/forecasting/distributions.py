"""Predictive distributions of daily log returns in percent: one per day, in one of four
families, with what every score needs (CDF, quantiles, CRPS, draws).

``normal`` and ``t`` (location-scale Student-t) have closed forms; ``mixture`` is a weighted
mixture of Student-t components, ``(days, k)`` each, a normal being a component with
``df = inf`` (a seed ensemble, a linear pool of forecasters); ``samples`` holds draws
(days, m) for everything else (multi-day paths, a price-level model turned into returns).
CRPS comes from ``scoringrules``: closed form for the two families; for draws its
probability-weighted-moment estimator, which equals the unbiased ("fair") ensemble CRPS
in O(m log m) instead of O(m²). A mixture has no closed form (``scoringrules`` has one for
normal mixtures only): its CRPS is E|X - y| - E|X - X'| / 2, the first term in closed form,
the second, which does not depend on the outcome, by quadrature (tests check both against
the closed forms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scoringrules as sr
from scipy import optimize, special, stats

FAMILIES = ("normal", "t", "mixture", "samples")
QUADRATURE_NODES = 200  # see ``_expected_distances_between``


@dataclass(frozen=True, eq=False)
class Predictive:
    family: str
    loc: np.ndarray | None = None
    scale: np.ndarray | None = None
    df: np.ndarray | None = None
    samples: np.ndarray | None = None
    weights: np.ndarray | None = None  # a mixture's, (k,), summing to 1

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

    @classmethod
    def mixture(cls, loc, scale, df, weights=None) -> Predictive:
        """Student-t components, ``(days, k)`` after broadcasting (``df = inf``: a normal),
        weighted alike on every day; equal weights when none are given."""
        loc, scale, df = np.broadcast_arrays(*(np.atleast_2d(np.asarray(a, float)) for a in (loc, scale, df)))
        k = loc.shape[1]
        weights = np.full(k, 1 / k) if weights is None else np.asarray(weights, float)
        if weights.shape != (k,) or (weights < 0).any() or not np.isclose(weights.sum(), 1):
            raise ValueError(f"a mixture of {k} components needs {k} non-negative weights summing to 1, got {weights}")
        return cls("mixture", loc=loc, scale=scale, df=df, weights=weights)

    @classmethod
    def pool(cls, weights, predictives: list[Predictive]) -> Predictive:
        """The linear pool: with probability ``weights[i]`` an outcome comes from ``predictives[i]``.
        A pool with one member of positive weight is that member, scored to the last digit as it."""
        weighted = [p for w, p in zip(weights, predictives) if w > 0]
        if len(weighted) == 1:
            return weighted[0]
        parts = [p.as_mixture() for p in predictives]
        return cls.mixture(
            *(np.concatenate([getattr(p, name) for p in parts], axis=1) for name in ("loc", "scale", "df")),
            np.concatenate([w * p.weights for w, p in zip(weights, parts)]),
        )

    @classmethod
    def pooled_draws(cls, weights, predictives: list[Predictive], m: int, rng: np.random.Generator) -> Predictive:
        """The linear pool as about ``m`` draws per day, for pools of forecasters known only by
        draws (paths): each gives its weight's share of them, a sample family that many of its
        own, never one twice: a repeated draw would bias the ensemble CRPS estimate upward.
        A sample family's draws are kept sorted, so each day takes its own random subset:
        one subset of columns for every day would be the same quantile ranks every day, a
        bias that does not average out over days. Exactly ``m`` draws a day, so that the
        pools of different horizons stack into paths."""
        parts = []
        for n, predictive in zip(_apportioned(weights, m), predictives):
            if n:
                draws = predictive.draw(n, rng)
                if draws.shape[1] < n:
                    raise ValueError(f"a pool of {m} draws needs {n} of a forecaster that has {draws.shape[1]}")
                parts.append(rng.permuted(draws, axis=1)[:, :n] if predictive.family == "samples" else draws)
        return cls.from_samples(np.concatenate(parts, axis=1))

    def as_mixture(self) -> Predictive:
        """The same distributions as a one-component mixture (a mixture stays as it is)."""
        if self.family == "mixture":
            return self
        if self.family == "samples":
            raise ValueError("draws are not a mixture of closed-form components")
        df = np.inf if self.family == "normal" else self.df
        return Predictive.mixture(self.loc[:, None], self.scale[:, None], np.broadcast_to(df, self.loc.shape)[:, None])

    def __len__(self) -> int:
        return len(self.samples if self.family == "samples" else self.loc)

    def days(self, selection) -> Predictive:
        """The distributions of the days ``selection`` (a slice, indices or a mask) picks."""
        def pick(values):
            return None if values is None else values[selection]

        return Predictive(self.family, pick(self.loc), pick(self.scale), pick(self.df), pick(self.samples), self.weights)

    def cdf(self, y: np.ndarray) -> np.ndarray:
        if self.family == "samples":
            return (self.samples <= np.asarray(y)[:, None]).mean(axis=1)
        if self.family == "mixture":
            return self._mixture_cdf(np.asarray(y, float)[:, None])[:, 0]
        z = (y - self.loc) / self.scale
        return stats.norm.cdf(z) if self.family == "normal" else stats.t.cdf(z, self.df)

    def ppf(self, q: float) -> np.ndarray:
        if self.family == "samples":
            return np.quantile(self.samples, q, axis=1)
        if self.family == "mixture":
            return self._mixture_ppf(q)
        z = stats.norm.ppf(q) if self.family == "normal" else stats.t.ppf(q, self.df)
        return self.loc + self.scale * z

    def crps(self, y: np.ndarray) -> np.ndarray:
        if self.family == "normal":
            return sr.crps_normal(y, self.loc, self.scale)
        if self.family == "t":
            return sr.crps_t(y, self.df, self.loc, self.scale)
        if self.family == "mixture":
            between = np.einsum("a,dab,b->d", self.weights, _expected_distances_between(self), self.weights)
            return _expected_distance_to(y, self) @ self.weights - between / 2
        return sr.crps_ensemble(y, self.samples, estimator="pwm")

    def _mixture_cdf(self, points: np.ndarray) -> np.ndarray:
        """The CDF at ``points`` (days, n)."""
        z = (points[:, :, None] - self.loc[:, None, :]) / self.scale[:, None, :]
        return special.stdtr(self.df[:, None, :], z) @ self.weights

    def _mixture_ppf(self, q: float, iterations: int = 60) -> np.ndarray:
        """Bisection between the components' own ``q``-quantiles, which bracket the mixture's."""
        quantiles = self.loc + self.scale * stats.t.ppf(q, self.df)
        lower, upper = quantiles.min(axis=1), quantiles.max(axis=1)
        for _ in range(iterations):
            middle = (lower + upper) / 2
            below = self.cdf(middle) < q
            lower, upper = np.where(below, middle, lower), np.where(below, upper, middle)
        return (lower + upper) / 2

    def draw(self, m: int, rng: np.random.Generator) -> np.ndarray:
        """``m`` draws per day, ``(days, m)``; a sample family returns its own draws."""
        if self.family == "samples":
            return self.samples
        shape = (len(self), m)
        if self.family == "mixture":
            component = rng.choice(len(self.weights), size=shape, p=self.weights)
            loc, scale, df = (np.take_along_axis(a, component, axis=1) for a in (self.loc, self.scale, self.df))
            noise = np.where(np.isinf(df), rng.standard_normal(shape), rng.standard_t(np.where(np.isinf(df), 1.0, df)))
            return loc + scale * noise
        noise = rng.standard_normal(shape) if self.family == "normal" else rng.standard_t(self.df[:, None], shape)
        return self.loc[:, None] + self.scale[:, None] * noise

    def widened(self, factor: float) -> Predictive:
        """The same distributions with their spread around the centre multiplied by ``factor``."""
        if self.family == "samples":
            centre = np.median(self.samples, axis=1, keepdims=True)
            return Predictive.from_samples(centre + factor * (self.samples - centre))
        return Predictive(self.family, loc=self.loc, scale=self.scale * factor, df=self.df, weights=self.weights)


def _expected_distance_to(y: np.ndarray, mixture: Predictive) -> np.ndarray:
    """E|X - y| for each component, (days, k), in closed form: for a standard Student-t T
    with df ν, E|T - z| = z (2F(z) - 1) + 2 f(z) (ν + z²) / (ν - 1); a normal's is the limit."""
    z = (np.asarray(y, float)[:, None] - mixture.loc) / mixture.scale
    normal = np.isinf(mixture.df)
    df = np.where(normal, 3.0, mixture.df)
    t_part = z * (2 * special.stdtr(df, z) - 1) + 2 * stats.t.pdf(z, df) * (df + z**2) / (df - 1)
    normal_part = z * (2 * special.ndtr(z) - 1) + 2 * stats.norm.pdf(z)
    return mixture.scale * np.where(normal, normal_part, t_part)


def _expected_distances_between(mixture: Predictive) -> np.ndarray:
    """E|X_a - X_b| for independent components a and b, (days, k, k): the integral of
    F_a (1 - F_b) + F_b (1 - F_a) over the line, by Gauss-Legendre quadrature after
    x = c + s·tan θ (c, s a typical location and scale of the day), which maps the line to
    (-π/2, π/2) and Student-t tails (df > 2) to a bounded integrand."""
    nodes, weights = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
    theta, weights = np.pi / 2 * nodes, np.pi / 2 * weights
    centre = mixture.loc @ mixture.weights
    reference_scale = np.median(mixture.scale, axis=1)
    points = centre[:, None] + reference_scale[:, None] * np.tan(theta)
    dx = weights * reference_scale[:, None] / np.cos(theta) ** 2
    z = (points[:, :, None] - mixture.loc[:, None, :]) / mixture.scale[:, None, :]
    below = special.stdtr(mixture.df[:, None, :], z)  # (days, n, k)
    cross = np.einsum("dn,dna,dnb->dab", dx, below, 1 - below)
    return cross + cross.transpose(0, 2, 1)


def crps_gram(predictives: list[Predictive], y: np.ndarray) -> np.ndarray:
    """Per day, the matrix G (days, k, k) with G[i, j] = (E|X_i - y| + E|X_j - y| - E|X_i - X_j|) / 2.

    Its diagonal is each forecaster's CRPS (CRPS = E|X - y| - E|X - X'| / 2); for weights w
    summing to 1, wᵀ G w is the CRPS of the linear pool of ``predictives`` with weights w,
    so pool weights are a quadratic programme (``crps_pool_weights``), and a pool of
    forecasters known by draws is scored exactly from all their draws, not from a subsample.
    Closed forms are integrated as one mixture (``_expected_distances_between``); a
    forecaster known by draws takes the mean over its draws, and over pairs of distinct
    draws for its own E|X - X'|, the same fair estimate ``Predictive.crps`` gives it."""
    y = np.asarray(y, float)
    k = len(predictives)
    closed = [i for i, p in enumerate(predictives) if p.family != "samples"]
    to_y, between = np.empty((len(y), k)), np.empty((len(y), k, k))
    if closed:
        to_y[:, closed], between[np.ix_(range(len(y)), closed, closed)] = _closed_form_distances([predictives[i] for i in closed], y)
    for i, p in enumerate(predictives):
        if p.family != "samples":
            continue
        to_y[:, i] = _mean_distance(p, y[:, None])[:, 0]
        between[:, i, i] = _mean_distance_within(p.samples)
        for j, q in enumerate(predictives):
            if j != i and (q.family != "samples" or j > i):
                between[:, i, j] = between[:, j, i] = _mean_distance(q, p.samples).mean(axis=1)
    return (to_y[:, :, None] + to_y[:, None, :] - between) / 2


def _closed_form_distances(predictives: list[Predictive], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E|X_i - y| (days, k) and E|X_i - X_j| (days, k, k) of closed-form forecasters, all
    integrated on one grid as the components of their pool."""
    parts = [p.as_mixture() for p in predictives]
    pooled = Predictive.pool(np.full(len(parts), 1 / len(parts)), parts)
    owner = np.repeat(np.arange(len(parts)), [len(p.weights) for p in parts])
    within = np.concatenate([p.weights for p in parts])
    membership = (owner[:, None] == np.arange(len(parts))) * within[:, None]  # (components, k)
    return _expected_distance_to(y, pooled) @ membership, membership.T @ _expected_distances_between(pooled) @ membership


def _mean_distance(predictive: Predictive, points: np.ndarray) -> np.ndarray:
    """E|X - p| for each of the day's ``points`` (days, n)."""
    if predictive.family != "samples":
        mixture = predictive.as_mixture()
        return np.stack([_expected_distance_to(column, mixture) @ mixture.weights for column in points.T], axis=1)
    draws = predictive.samples  # sorted
    days, m = draws.shape
    below = np.stack([np.searchsorted(row, p, side="right") for row, p in zip(draws, points)])
    cumulative = np.concatenate([np.zeros((days, 1)), np.cumsum(draws, axis=1)], axis=1)
    sum_below = np.take_along_axis(cumulative, below, axis=1)
    return (below * points - sum_below + (cumulative[:, -1:] - sum_below) - (m - below) * points) / m


def _mean_distance_within(draws: np.ndarray) -> np.ndarray:
    """The mean |x_a - x_b| over pairs of distinct draws (sorted, days x m): the sum over
    pairs is 2 Σ_a (2a - m + 1) x_a with a counted from 0."""
    m = draws.shape[1]
    return 2 * draws @ (2 * np.arange(m) - m + 1) / (m * (m - 1))


def crps_pool_weights(gram: np.ndarray) -> np.ndarray:
    """The weights, on the simplex, that minimise the pool's CRPS averaged over every
    outcome of ``gram`` (..., k, k): the days, or origins and horizons, of ``crps_gram``."""
    k = gram.shape[-1]
    gram = gram.reshape(-1, k, k).mean(axis=0)
    result = optimize.minimize(
        lambda w: w @ gram @ w, np.full(k, 1 / k), jac=lambda w: 2 * gram @ w, method="SLSQP",
        bounds=[(0, 1)] * k, constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}],
        options={"ftol": 1e-12, "maxiter": 500},
    )
    weights = np.clip(result.x, 0, None)
    return weights / weights.sum()


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
    """A model's one-step distributions (see ``regressor_paths.one_step``) with ``(x - offset)
    / slope`` applied, which keeps the family: how MinMax scaling is undone."""
    loc, scale = (step["loc"] - offset) / slope, step["scale"] / slope
    if step["family"] == "normal":
        return Predictive.normal(loc, scale)
    if step["family"] == "mixture":
        return Predictive.mixture(loc, scale, step["df"])
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


def _apportioned(weights, m: int) -> np.ndarray:
    """Whole draw counts in proportion to ``weights`` that add up to ``m`` exactly: each
    weight's share rounded down, the draws left over going to the largest remainders."""
    exact = np.asarray(weights, float) / np.sum(weights) * m
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact, kind="stable")[: m - counts.sum()]] += 1
    return counts
