"""Every forecaster scored on the test days: one day ahead on every test day, and 1..H days
ahead from walk-forward origins, the model and the pool each tested against the baselines."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.errors import ParameterError
from hw3_pipelines.forecaster.members import (
    BASELINES,
    FAILED,
    NAMES,
    BaselineForecasts,
    cumulative_forecasters,
    in_returns,
    model_close_paths,
    model_one_day,
    pool_members,
    pool_weights,
    pooled,
)
from hw3_pipelines.forecasting import metrics, recursive, scores
from hw3_pipelines.forecasting.distributions import (
    Predictive,
    crps_gram,
    returns_to_prices,
)
from hw3_pipelines.forecasting.windows import ModelInput
from hw3_pipelines.modeling import regressor_paths
from hw3_pipelines.modeling.regressor_ensemble import Regressor, members
from hw3_pipelines.parameters import BtcParams


def score_one_day(
    model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, calibration: dict,
    prices: pd.DataFrame, fitted: dict, pool: dict, btc: BtcParams,
) -> tuple[dict, pd.DataFrame]:
    """Every forecaster's one-day distribution on every test day, scored; and a per-day
    table (PIT, 80% and 95% bands in USD, CRPS) for the plots. The model and the pool are each
    tested against every baseline (Diebold-Mariano on the daily CRPS); an ensemble's
    members are scored alone too."""
    previous, close = model_input.test_previous_close, model_input.test_close
    actual = 100 * np.log(close / previous)
    draws, seed = btc.scoring.draws, btc.scoring.seed
    forecasters = model_one_day(model, model_input.X_test, previous, model_input, scaler, calibration, btc)
    reference = BaselineForecasts(prices, fitted, model_input.test_dates)
    forecasters |= reference.one_day(reference.test_positions)
    forecasters["pool"] = Predictive.pool(list(pool["weights"].values()), [forecasters[name] for name in pool["weights"]])
    report, table = {}, pd.DataFrame({"date": model_input.test_dates, "close": close, "previous_close": previous, "return_pct": actual})
    for name, predictive in forecasters.items():
        crps = predictive.crps(actual)
        report[name] = scores.score(predictive, actual, close, previous, draws, seed, crps=crps)
        table[f"{name}_pit"] = predictive.cdf(actual)
        for level in scores.BANDS:
            band = np.stack(scores.central_band(predictive, level), 1)
            table[f"{name}_lower_{level}"], table[f"{name}_upper_{level}"] = returns_to_prices(band, previous).T
        table[f"{name}_crps"] = crps
        report[name] |= scores.adaptive_coverage(table[f"{name}_pit"], btc.calibration.adaptive_gamma)
    for name in ("model", "pool"):
        for baseline in BASELINES:
            report[name][f"crps_dm_vs_{baseline}"] = _dm(table[f"{name}_crps"], table[f"{baseline}_crps"])
    report["pool"]["crps_dm_vs_model"] = _dm(table["pool_crps"], table["model_crps"])
    if btc.model.ensemble_size > 1:
        report["model"]["members"] = _members_crps(model, model_input, scaler, calibration, actual, btc)
    report["model"]["verdict"] = _verdict(report, btc)
    return report, table


def _verdict(report: dict, btc: BtcParams) -> str:
    """One sentence a newcomer reads without the README: the model against the best
    baseline, and where it failed, why and which command does better."""
    best = min(BASELINES, key=lambda name: report[name]["crps"])
    model, baseline = report["model"]["crps"], report[best]["crps"]
    if model > FAILED * baseline:
        why = (" a model of scaled price levels cannot forecast prices above the training range, where its forecasts "
               "saturate;" if btc.target == "price" else "")
        return (f"The model's one-day forecasts failed: CRPS {model:.2f} against {NAMES[best]}'s {baseline:.3f}, its 80% band "
                f"holding {report['model']['coverage_80']:.0%} of days;{why} `kedro run --pipeline btc --env distribution` "
                "forecasts daily returns with a seed ensemble whose one-day CRPS is below GARCH's.")
    test = report["model"][f"crps_dm_vs_{best}"]
    significance = "significantly" if test["p_value"] < 0.05 else "not significantly"
    return (f"The model's one-day CRPS is {model:.4f} against the best baseline's ({NAMES[best]}) {baseline:.4f}: "
            f"{'lower' if model < baseline else 'higher'}, {significance} (Diebold-Mariano p = {test['p_value']:.2g}).")


def _dm(loss: pd.Series, baseline_loss: pd.Series) -> dict:
    """Diebold-Mariano on daily CRPS: the two-sided p, and the one-sided p of "lower than the baseline"."""
    test = metrics.loss_difference_test(loss, baseline_loss)
    lower = float(stats.t.cdf(test["statistic"], df=test["n"] - 1))
    return {"statistic": test["statistic"], "p_value": test["p_value"], "p_value_lower": lower}


def _members_crps(model: Regressor, model_input: ModelInput, scaler, calibration: dict, actual, btc: BtcParams) -> dict:
    """Each member alone, as trained (no recalibration): the seed lottery the ensemble
    averages; and the mixture, as trained, tested against each member. (Against the
    members' average CRPS it wins on every day by convexity, so that test would say nothing.)"""
    def daily_crps(network: Regressor) -> np.ndarray:
        step = regressor_paths.one_step(network, model_input.X_test, calibration["point_scale"])
        return in_returns(step, model_input.test_previous_close, model_input, scaler, btc).crps(actual)

    daily = {str(btc.training.seed + k): daily_crps(member) for k, member in enumerate(members(model))}
    values = np.array([np.mean(crps) for crps in daily.values()])
    mixture = daily_crps(model)
    return {
        "crps": dict(zip(daily, map(float, values))), "crps_mean": float(values.mean()), "crps_std": float(values.std(ddof=1)),
        "mixture_dm_vs_member": {seed: _dm(mixture, crps) for seed, crps in daily.items()},
    }


@dataclass(frozen=True)
class HorizonScores:
    """Every forecaster's distribution of the cumulative log return ``h`` days after each
    walk-forward origin, its CRPS there, and the outcome."""

    h: int
    forecasters: dict[str, Predictive]
    crps: dict[str, np.ndarray]
    actual: np.ndarray        # the cumulative log return, %
    actual_close: np.ndarray
    last_close: np.ndarray
    origin_dates: np.ndarray  # the origins' first forecast days


def walk_forward(
    model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, calibration: dict,
    prices: pd.DataFrame, fitted: dict, pool: dict, btc: BtcParams,
) -> Iterator[HorizonScores]:
    """Walk-forward: from an origin every ``stride`` test days, each forecaster's distribution
    of the cumulative log return 1..H days ahead, with its CRPS at each origin, one horizon
    at a time.

    The pool takes its one-day weights one day ahead and its multi-day weights and spread
    beyond (``fit_pool``). Its quantiles come from about ``paths`` pooled draws; its CRPS from all
    its members' draws and closed forms (``crps_gram``), free of the subsample's noise."""
    horizon, stride, n_paths = btc.backtest.horizon, btc.backtest.stride, btc.backtest.paths
    origins = recursive.walk_forward_origins(len(model_input.X_test), horizon, stride)
    if len(origins) == 0:
        raise ParameterError(f"btc.backtest.horizon={horizon} is longer than the {len(model_input.X_test)}-day test period")
    last_close = model_input.test_previous_close[origins]
    actual_close = np.stack([model_input.test_close[o : o + horizon] for o in origins])
    closes = model_close_paths(model, model_input.X_test[origins], last_close, scaler, model_input.close_index, calibration, btc, btc.backtest)
    model_returns = 100 * np.log(closes / last_close[:, None, None])
    reference = BaselineForecasts(prices, fitted, model_input.test_dates)
    for h, forecasters in cumulative_forecasters(model_returns, reference, reference.test_positions[origins], fitted, n_paths, btc.forecast.seed):
        actual = 100 * np.log(actual_close[:, h - 1] / last_close)
        crps = {name: p.crps(actual) for name, p in forecasters.items()}
        weights, members = pool_weights(pool, h), pool_members(pool, h, forecasters)
        forecasters["pool"] = pooled(weights, members, n_paths, btc.scoring.seed + h)
        crps["pool"] = _pool_crps(weights, members, actual)
        yield HorizonScores(h, forecasters, crps, actual, actual_close[:, h - 1], last_close, model_input.test_dates[origins])


def backtest_forecasters(
    model: Regressor, model_input: ModelInput, scaler: MinMaxScaler, calibration: dict,
    prices: pd.DataFrame, fitted: dict, pool: dict, btc: BtcParams,
) -> pd.DataFrame:
    """The walk-forward (``walk_forward``) scored per horizon over the origins. The point
    forecast is the distribution's median, turned into a close."""
    rows = []
    for scored in walk_forward(model, model_input, scaler, calibration, prices, fitted, pool, btc):
        horizon_rows = {
            name: _horizon_row(scored.h, name, p, scored.crps[name], scored.actual_close, scored.last_close, btc)
            for name, p in scored.forecasters.items()
        }
        for name in ("model", "pool"):
            horizon_rows[name] |= _against_best_baseline(scored.crps, name, math.ceil(scored.h / btc.backtest.stride))
        rows += horizon_rows.values()
    return pd.DataFrame(rows)


def _pool_crps(weights: dict[str, float], members: dict[str, Predictive], actual: np.ndarray) -> np.ndarray:
    """The pool's CRPS at each origin from its members with a weight, wᵀ G w; a pool of
    one is that member, whose own CRPS it takes to the last digit."""
    weighted = {name: w for name, w in weights.items() if w > 0}
    if len(weighted) == 1:
        return members[next(iter(weighted))].crps(actual)
    w = np.array(list(weighted.values()))
    return np.einsum("i,dij,j->d", w, crps_gram([members[name] for name in weighted], actual), w)


def _against_best_baseline(crps: dict[str, np.ndarray], name: str, overlap: int) -> dict:
    """``name`` against the baseline with the lowest CRPS at this horizon: Diebold-Mariano
    on the origins' CRPS (``crps``, every forecaster's), with a HAC variance over
    ``overlap`` lags, since an h-day outcome shares days with the outcomes of the origins up
    to h days later."""
    best = min(BASELINES, key=lambda rival: crps[rival].mean())
    test = metrics.loss_difference_test(crps[name], crps[best], horizon=overlap)
    return {"best_baseline": best, "best_baseline_crps": float(crps[best].mean()),
            "dm_statistic_vs_best_baseline": test["statistic"], "dm_p_vs_best_baseline": test["p_value"]}


def _horizon_row(h: int, name: str, predictive: Predictive, crps: np.ndarray, actual_close, last_close, btc: BtcParams) -> dict:
    """One forecaster's scores at horizon ``h`` over the origins, its CRPS the mean of
    ``crps``; ``median_return`` against ``actual_return`` (means over origins, %) shows a
    drift the paths picked up."""
    actual = 100 * np.log(actual_close / last_close)
    median = predictive.ppf(0.5)
    point = last_close * np.exp(median / 100)
    naive_mae = float(np.mean(np.abs(actual_close - last_close)))
    scored = scores.score(predictive, actual, actual_close, last_close, btc.scoring.draws, btc.scoring.seed, crps=crps)
    pinball = {f"pinball_{q}": value for q, value in scored.pop("pinball").items()}
    mae = float(np.mean(np.abs(point - actual_close)))
    known_after = math.ceil(h / btc.backtest.stride)  # origins until an h-day outcome is known
    adaptive = scores.adaptive_coverage(predictive.cdf(actual), btc.calibration.adaptive_gamma, known_after)
    return {"horizon": h, "forecaster": name, "origins": len(last_close), "mae": mae, "naive_mae": naive_mae,
            "relative_mae": mae / naive_mae, "median_return": float(np.mean(median)), "actual_return": float(np.mean(actual)),
            **scored, **pinball, **adaptive}
