"""The linear pool of the model and the baselines: its weights, fitted on the validation
days, and the choices that keep it or the benchmark alone."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.forecaster.members import (
    BaselineForecasts,
    cumulative_baseline,
    cumulative_forecasters,
    model_close_paths,
    model_one_day,
)
from hw3_pipelines.forecasting import recursive
from hw3_pipelines.forecasting.distributions import (
    Predictive,
    crps_gram,
    crps_pool_weights,
)
from hw3_pipelines.forecasting.selection import ParsimoniousChoice
from hw3_pipelines.forecasting.windows import ModelInput
from hw3_pipelines.modeling.regressor_ensemble import Regressor
from hw3_pipelines.parameters import BtcParams


def fit_pool(
    model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, calibration: dict,
    train_prices: pd.DataFrame, prices: pd.DataFrame, fitted: dict, btc: BtcParams,
) -> dict:
    """Weights of the linear pool of the model and the baselines, two sets: for one day
    ahead, those that minimise the pool's mean CRPS on the validation days (the targets of
    the model's validation windows, the last training days) or equal ones
    (``_one_day_weights``); and for every horizon beyond, those that minimise it over
    horizons 2..H at walk-forward origins inside the same days (``_fit_pool_beyond_one_day``).
    Each set is kept only where its pool is better there than ``calibration.benchmark`` alone
    (``_pool_or_benchmark``); else the benchmark answers. Never the test days. On those days
    the baselines and the model's spread factor are in-sample; the model's weights were not
    fitted there (only its best epoch was chosen there). A model whose one-day distribution is only
    draws (a price-level target) stays out of the one-day pool, whose forecasts are
    closed-form mixtures.

    One set for all horizons beyond the first, not one per horizon: the validation span
    holds about a dozen non-overlapping 30-day outcomes, too few to fit seven weights per
    horizon; and not the one-day set, which weighs the model, whose paths are behind
    GARCH's from the fourth day on. The benchmark must be beaten, not merely matched: the
    70% split's validation months (2022's crashes) put 0.73 of the fitted weight on
    constant volatility, which lost to GARCH-t at every horizon of the calmer test years;
    at one day, a 65% split's validation months put 0.87 on a model that then lost to
    GARCH-t on the test days.
    The pool is tested on the days its weights were fitted on, which favours it: the rule
    errs toward the pool, never toward the benchmark. Where the benchmark answers beyond
    one day, its spread there is recalibrated (``benchmark_spread``)."""
    n_val = model_input.validation_count(btc.training.val_fraction)
    close = train_prices["Close"].to_numpy(float)
    previous, actual = close[-n_val - 1 : -1], 100 * np.log(close[-n_val:] / close[-n_val - 1 : -1])
    dates = train_prices["Date"].to_numpy()[-n_val:]
    own = model_one_day(model, model_input.X_train[-n_val:], previous, model_input, scaler, calibration, btc)["model"]
    candidates = {} if own.family == "samples" else {"model": own}
    reference = BaselineForecasts(prices, fitted, dates)
    candidates |= reference.one_day(reference.test_positions)
    weights = _one_day_weights(list(candidates), crps_gram(list(candidates.values()), actual), btc)
    fitted_weights = dict(zip(candidates, map(float, weights)))
    crps = {name: p.crps(actual) for name, p in (candidates | {"pool": Predictive.pool(weights, list(candidates.values()))}).items()}
    choosing = ParsimoniousChoice(f"{n_val} validation days", overlap=1, significance=btc.calibration.significance)
    one_day = {
        "fitted_on": {"first_date": str(dates[0]), "last_date": str(dates[-1]), "days": n_val},
        "fitted_weights": fitted_weights,
        "validation_crps": {name: float(np.mean(values)) for name, values in crps.items()},
        **_pool_or_benchmark("One day: %s", fitted_weights, {name: values[:, None] for name, values in crps.items()}, choosing, btc),
    }
    beyond = _fit_pool_beyond_one_day(model, model_input, scaler, calibration, close, reference, fitted, btc, one_day)
    if btc.calibration.benchmark is not None and beyond.get("kept") == btc.calibration.benchmark:
        beyond["spread"] = benchmark_spread(train_prices, fitted, btc)
    return one_day | {"beyond_one_day": beyond}


def _one_day_weights(names: list[str], gram: np.ndarray, btc: BtcParams) -> np.ndarray:
    """The one-day pool's weights over ``names``: those minimising its mean CRPS on the
    validation days (``gram``), or, with ``calibration.one_day_weights: equal``, the model and
    the benchmark half each. Equal weights estimate nothing, where fitted ones carry the noise
    of 150 to 400 validation days; equal ones often forecast better out of sample (the forecast
    combination puzzle; Smith and Wallis 2009). Over the rolling periods they scored as the
    fitted ones did and held the bands less well (docs/results.md), so ``fitted`` ships."""
    if btc.calibration.one_day_weights == "fitted":
        return crps_pool_weights(gram)
    pair = [name in ("model", btc.calibration.benchmark) for name in names]
    return np.array(pair, dtype=float) / sum(pair)


def _pool_or_benchmark(what: str, fitted_weights: dict[str, float], crps: dict[str, np.ndarray], choosing: ParsimoniousChoice, btc: BtcParams) -> dict:
    """The fitted pool, kept if its CRPS (``crps["pool"]``: outcomes x horizons) is lower
    than ``calibration.benchmark``'s alone at ``choosing``'s significance, else the
    benchmark alone; ``benchmark: null`` keeps the fitted pool untested."""
    benchmark = btc.calibration.benchmark
    if benchmark is None:
        return {"kept": "pool", "weights": fitted_weights}
    kept, choice = choosing.kept(what, {benchmark: crps[benchmark], "pool": crps["pool"]}, nearest_first=[benchmark, "pool"])
    return {"kept": kept, "weights": fitted_weights if kept == "pool" else {benchmark: 1.0}, "choice": choice}


def _fit_pool_beyond_one_day(model, model_input: ModelInput, scaler, calibration: dict, close: np.ndarray, reference: BaselineForecasts, fitted: dict, btc: BtcParams, one_day: dict) -> dict:
    """The pool's weights for horizons 2..H, from every forecaster's cumulative return at
    walk-forward origins inside the validation days (``backtest.stride`` apart, H shortened
    to the days there are), the model's from its recursive paths (``_kept_beyond_one_day``);
    the one-day weights when those days hold no two-day outcome."""
    n_val = len(reference.test_positions)
    horizon = min(btc.backtest.horizon, n_val)
    if horizon < 2:
        return {"fitted_on": f"the one-day weights: {n_val} validation day(s) hold no two-day outcome", "weights": one_day["weights"]}
    origins = recursive.walk_forward_origins(n_val, horizon, btc.backtest.stride)
    last_close = close[-n_val - 1 : -1][origins]
    closes = model_close_paths(
        model, model_input.X_train[-n_val:][origins], last_close, scaler, model_input.close_index, calibration, btc,
        btc.backtest.model_copy(update={"horizon": horizon}),
    )
    model_returns = 100 * np.log(closes / last_close[:, None, None])
    grams = []
    for h, forecasters in cumulative_forecasters(model_returns, reference, reference.test_positions[origins], fitted, btc.backtest.paths, btc.forecast.seed):
        if h > 1:
            grams.append(crps_gram(list(forecasters.values()), 100 * np.log(close[-n_val:][origins + h - 1] / last_close)))
    fitted_on = {"origins": len(origins), "horizons": [2, horizon], "stride": btc.backtest.stride}
    return {"fitted_on": fitted_on} | _kept_beyond_one_day(list(forecasters), np.stack(grams, axis=1), btc)


def _kept_beyond_one_day(names: list[str], gram: np.ndarray, btc: BtcParams) -> dict:
    """From the Gram matrices (origins, horizons 2..H, k, k) of ``names``: the weights that
    minimise the pool's mean CRPS, kept if that pool is better than ``calibration.benchmark``
    alone there (``ParsimoniousChoice``), else the benchmark alone."""
    weights = crps_pool_weights(gram)
    mean_gram = gram.mean(axis=(0, 1))
    fitted = {
        "fitted_weights": dict(zip(names, map(float, weights))),
        "validation_crps": dict(zip(names, map(float, np.diagonal(mean_gram)))) | {"pool": float(weights @ mean_gram @ weights)},
    }
    origins, horizons = gram.shape[:2]
    choosing = ParsimoniousChoice(
        f"{origins} validation origins, horizons 2-{horizons + 1}", overlap=math.ceil((horizons + 1) / btc.backtest.stride),
        significance=btc.calibration.significance,
    )
    crps = {name: gram[:, :, k, k] for k, name in enumerate(names)} | {"pool": np.einsum("i,ohij,j->oh", weights, gram, weights)}
    return fitted | _pool_or_benchmark("Beyond one day: %s", fitted["fitted_weights"], crps, choosing, btc)


def benchmark_spread(train_prices: pd.DataFrame, fitted: dict, btc: BtcParams) -> dict:
    """The factor on the benchmark's spread beyond one day (1 on the first day, growing
    linearly to it at ``backtest.horizon``): of ``calibration.benchmark_spread.factors``,
    the one with the lowest mean CRPS over horizons 2..H at walk-forward origins over the
    last ``days`` training days.

    Not the validation days alone: they hold about a dozen independent 30-day outcomes.
    Over the rolling periods a factor chosen on three years held GARCH-t's bands nearest
    their level, one chosen on about a validation span's 300 days scored as well but held
    them less (docs/results.md). The benchmark's parameters were fitted on these days, but
    on one-day returns: what its multi-day spread misses (a month's BTC returns vary more
    than thirty days' variances add up to) is not fitted away there."""
    benchmark, settings, horizon = btc.calibration.benchmark, btc.calibration.benchmark_spread, btc.backtest.horizon
    dates = train_prices["Date"].to_numpy()
    reference = BaselineForecasts(train_prices, fitted, dates[1:])
    returns = reference.returns.to_numpy()
    days = min(settings.days, len(returns) // 2)
    positions = len(returns) - days + recursive.walk_forward_origins(days, horizon, btc.backtest.stride)
    if horizon < 2 or len(positions) == 0:
        return {"factor": 1.0, "horizon": horizon, "chosen_on": f"none: {days} training days hold no {horizon}-day outcome"}
    actual = recursive.cumulative_outcomes(returns, positions, horizon)
    by_horizon = cumulative_baseline(benchmark, reference, positions, fitted, horizon, btc.backtest.paths, btc.forecast.seed)
    crps = {
        factor: float(np.mean([by_horizon[h - 1].widened(recursive.spread_ramp(factor, h, horizon)).crps(actual[:, h - 1]).mean()
                               for h in range(2, horizon + 1)]))
        for factor in settings.factors
    }
    chosen_on = {"origins": len(positions), "first_date": str(dates[1:][positions[0]]), "last_date": str(dates[1:][positions[-1]]),
                 "horizons": [2, horizon]}
    return {"factor": min(crps, key=crps.get), "horizon": horizon, "chosen_on": chosen_on, "crps": {f"{f:g}": v for f, v in crps.items()}}
