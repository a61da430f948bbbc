"""Nodes of the rolling evaluation: the btc forecaster refitted at each cutoff and scored on
the months after it, then every period's scores side by side and pooled over all test days.

Each refit is one node, through the same functions the btc pipeline fits with (its nodes
and ``forecaster``), so the evaluation judges exactly what ``btc`` ships, and a runner
places the refits on different workers. Only tables and a summary leave a refit.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.forecaster.calibration import calibrate_model
from hw3_pipelines.forecaster.evaluation import (
    HorizonScores,
    score_one_day,
    walk_forward,
)
from hw3_pipelines.forecaster.members import fit_baselines
from hw3_pipelines.forecaster.pool import fit_pool
from hw3_pipelines.forecasting.metrics import hac_loss_difference
from hw3_pipelines.forecasting.scores import BANDS, chance_coverage
from hw3_pipelines.parameters import BtcParams, RollingParams
from hw3_pipelines.pipelines.btc import nodes as btc_nodes

logger = logging.getLogger(__name__)

BENCHMARK = "garch_t"


def period_bounds(prices: pd.DataFrame, cutoff: str, months: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The days before ``cutoff`` (training) and the ``months`` months from it (test)."""
    dates = pd.to_datetime(prices["Date"])
    start = pd.Timestamp(cutoff)
    end = start + pd.DateOffset(months=months)
    if dates.iloc[-1] < end - pd.Timedelta(days=1):
        raise InputDataError(
            f"the rolling period from {cutoff} needs prices to {(end - pd.Timedelta(days=1)).date()}, and the data end on "
            f"{dates.iloc[-1].date()}: move ROLLING_EVALUATION['last'] in settings.py before {(dates.iloc[-1] - pd.DateOffset(months=months)).date()}"
        )
    return prices[dates < start].copy(), prices[(dates >= start) & (dates < end)].copy()


def refit_and_score(
    prices: pd.DataFrame, btc: BtcParams, rolling: RollingParams, cutoff: str, months: int,
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The whole forecaster refitted on the days before ``cutoff`` (scaler, model or
    ensemble, calibration, baselines, pool and its choices) and scored on the ``months``
    months after it: each forecaster's one-day distribution on every test day, and its
    cumulative return ``rolling.horizons`` days ahead from every walk-forward origin.
    Returns the period's summary (what was fitted and chosen), its per-day table (as
    ``btc_one_day_forecasts``) and its per-origin table."""
    too_long = [h for h in rolling.horizons if h > btc.backtest.horizon]
    if too_long:
        raise ParameterError(f"btc_rolling.horizons {too_long} reach beyond btc.backtest.horizon={btc.backtest.horizon}")
    settings = btc.model_copy(update={"training": btc.training.model_copy(update={"num_threads": rolling.num_threads})})
    train, test = period_bounds(prices, cutoff, months)
    started = time.perf_counter()
    scaler = btc_nodes.fit_scaler(train, settings)
    model_input = btc_nodes.make_windows(train, test, scaler, settings)
    model, history = btc_nodes.train_model(model_input, settings)
    calibration = calibrate_model(model, model_input, scaler, settings)
    known = pd.concat([train, test], ignore_index=True)
    fitted = fit_baselines(train, settings)
    pool = fit_pool(model, model_input, scaler, calibration, train, known, fitted, settings)
    _, one_day = score_one_day(model, model_input, scaler, calibration, known, fitted, pool, settings)
    walked = walk_forward(model, model_input, scaler, calibration, known, fitted, pool, settings)
    origins = pd.concat([_origin_table(scored) for scored in walked if scored.h in rolling.horizons], ignore_index=True)
    summary = {
        "period": cutoff,
        "train": {"first_date": str(train["Date"].iloc[0]), "last_date": str(train["Date"].iloc[-1]), "days": len(train)},
        "test": {"first_date": str(test["Date"].iloc[0]), "last_date": str(test["Date"].iloc[-1]), "days": len(test)},
        "final_forecaster": btc.forecast.forecaster,
        "pool": pool,
        "calibration": {key: calibration[key] for key in ("spread_factor", "location", "path_spread")},
        "best_epochs": [int(epoch) for epoch in history.loc[history["best"], "epoch"]],
        "seconds": time.perf_counter() - started,
    }
    logger.info("Rolling period from %s: refitted and scored in %.0f s.", cutoff, summary["seconds"])
    return summary, one_day.assign(period=cutoff), origins.assign(period=cutoff)


def _origin_table(scored: HorizonScores) -> pd.DataFrame:
    """One row per walk-forward origin at horizon ``scored.h``: the outcome and every
    forecaster's CRPS and PIT."""
    columns = {"date": scored.origin_dates, "horizon": scored.h, "return_pct": scored.actual}
    for name, predictive in scored.forecasters.items():
        columns[f"{name}_crps"] = scored.crps[name]
        columns[f"{name}_pit"] = predictive.cdf(scored.actual)
    return pd.DataFrame(columns)


def collect(*tables: pd.DataFrame) -> pd.DataFrame:
    """The periods' tables, one after the other, period first."""
    table = pd.concat(tables, ignore_index=True)
    return table[["period", *table.columns.drop("period")]]


def forecasters_in(table: pd.DataFrame) -> list[str]:
    return [column.removesuffix("_crps") for column in table.columns if column.endswith("_crps")]


def _outcomes(one_day: pd.DataFrame, origins: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """The scored outcomes by horizon: every test day at one day, the origins beyond."""
    return {1: one_day, **{int(h): rows for h, rows in origins.groupby("horizon")}}


def _covered(pit: pd.Series, level: int) -> np.ndarray:
    """Whether each outcome fell inside the central ``level``% band, read off its PIT."""
    tail = (1 - level / 100) / 2
    return ((pit >= tail) & (pit <= 1 - tail)).to_numpy()


def tabulate_periods(one_day: pd.DataFrame, origins: pd.DataFrame, btc: BtcParams) -> pd.DataFrame:
    """One row per period, forecaster and horizon: the mean CRPS, the bands' coverage with
    the range an exact band's would fall in by chance (``chance_coverage``), and the CRPS
    difference to GARCH(1,1)-t with its 95% interval and one-sided p-values (HAC,
    ``hac_loss_difference``). At one day also the mean width of the 80% band (% of the
    close) and the correlation of its daily width with GARCH-t's: a forecaster whose spread
    does not move with the market's shows a correlation near zero."""
    rows = []
    for h, outcomes in _outcomes(one_day, origins).items():
        for period, days in outcomes.groupby("period", sort=True):
            chance = _chance(len(days), h, btc)
            for name in forecasters_in(days):
                test = hac_loss_difference(days[f"{name}_crps"], days[f"{BENCHMARK}_crps"])
                row = {
                    "period": period, "forecaster": name, "horizon": h, "outcomes": len(days),
                    "crps": float(days[f"{name}_crps"].mean()),
                    **{f"coverage_{level}": float(_covered(days[f"{name}_pit"], level).mean()) for level in BANDS},
                    **chance,
                    "crps_minus_garch_t": test["mean_difference"], "interval_low": test["interval_95"][0],
                    "interval_high": test["interval_95"][1], "p_lower": test["p_lower"], "p_higher": test["p_higher"],
                }
                if h == 1:
                    row |= _band_width(days, name)
                rows.append(row)
    return pd.DataFrame(rows)


def _chance(outcomes: int, h: int, btc: BtcParams) -> dict:
    """Each band's chance range over ``outcomes`` outcomes ``h`` days ahead (every day at one
    day; ``backtest.stride`` apart beyond)."""
    chance = {}
    for level in BANDS:
        low, high = chance_coverage(level, outcomes, h, 1 if h == 1 else btc.backtest.stride)
        chance |= {f"coverage_{level}_chance_low": low, f"coverage_{level}_chance_high": high}
    return chance


def outside_chance(rows: pd.DataFrame | pd.Series, level: int) -> pd.Series | bool:
    """Whether each row's coverage of the ``level``% band (or one row's) lies outside its chance range."""
    return (rows[f"coverage_{level}"] < rows[f"coverage_{level}_chance_low"]) | (rows[f"coverage_{level}"] > rows[f"coverage_{level}_chance_high"])


def _band_width(days: pd.DataFrame, name: str) -> dict:
    width = 100 * (days[f"{name}_upper_80"] - days[f"{name}_lower_80"]) / days["previous_close"]
    benchmark = 100 * (days[f"{BENCHMARK}_upper_80"] - days[f"{BENCHMARK}_lower_80"]) / days["previous_close"]
    moves = width.std() > 0 and benchmark.std() > 0
    return {"band_80_width_pct": float(width.mean()), "width_correlation_with_garch_t": float(np.corrcoef(width, benchmark)[0, 1]) if moves else 0.0}


def pool_periods(periods: pd.DataFrame, one_day: pd.DataFrame, origins: pd.DataFrame, btc: BtcParams, rolling: RollingParams) -> dict:
    """Every forecaster over all test days (one day) and all origins (beyond), against
    GARCH(1,1)-t with a HAC test; and how the final forecaster fared period by period."""
    final = btc.forecast.forecaster
    pooled = {"final_forecaster": final, "periods": sorted(periods["period"].unique()), "significance": rolling.significance}
    for h, outcomes in _outcomes(one_day, origins).items():
        by_period = periods[(periods["horizon"] == h) & (periods["forecaster"] == final)]
        chance = _chance(len(outcomes), h, btc)
        pooled[f"horizon_{h}"] = {
            "outcomes": len(outcomes),
            "crps": {name: float(outcomes[f"{name}_crps"].mean()) for name in forecasters_in(outcomes)},
            **{f"coverage_{level}": {name: float(_covered(outcomes[f"{name}_pit"], level).mean()) for name in forecasters_in(outcomes)}
               for level in BANDS},
            "final_vs_garch_t": hac_loss_difference(outcomes[f"{final}_crps"], outcomes[f"{BENCHMARK}_crps"]),
            "final_periods_not_above_garch_t": float(np.mean(by_period["crps_minus_garch_t"] <= 0)),
            "final_periods_significantly_worse": sorted(by_period.loc[by_period["p_higher"] < rolling.significance, "period"]),
            **{f"final_coverage_{level}_range": [float(by_period[f"coverage_{level}"].min()), float(by_period[f"coverage_{level}"].max())]
               for level in BANDS},
            **{f"coverage_{level}_chance": [chance[f"coverage_{level}_chance_low"], chance[f"coverage_{level}_chance_high"]] for level in BANDS},
            **{f"final_periods_coverage_{level}_outside_chance": sorted(by_period.loc[outside_chance(by_period, level), "period"])
               for level in BANDS},
        }
    pooled["verdict"] = _verdict(pooled)
    return pooled


def _verdict(pooled: dict) -> str:
    """One sentence: the final forecaster against GARCH(1,1)-t at one day over all periods."""
    one_day = pooled["horizon_1"]
    test, final = one_day["final_vs_garch_t"], pooled["final_forecaster"]
    worse = one_day["final_periods_significantly_worse"]
    return (
        f"Over {len(pooled['periods'])} periods the final forecaster ({final}) scored a one-day CRPS "
        f"{one_day['crps'][final]:.4f} against GARCH(1,1)-t's {one_day['crps'][BENCHMARK]:.4f} "
        f"(one-sided p lower = {test['p_lower']:.2g}), not above it in {one_day['final_periods_not_above_garch_t']:.0%} of periods, "
        f"significantly worse in {', '.join(worse) if worse else 'none'}."
    )
