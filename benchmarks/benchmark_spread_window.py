"""GARCH(1,1)-t beyond one day with its spread factor chosen over windows of training days of
different lengths (``btc.calibration.benchmark_spread.days``), scored on every rolling period.

For each cutoff of ``ROLLING_EVALUATION`` and each window: GARCH-t fitted on the days before
the cutoff, the factor chosen as the pipeline chooses it (``forecaster.pool.benchmark_spread``),
and GARCH-t's cumulative return 7 and 30 days ahead from origins every ``backtest.stride``
test days, scored with and without it. No network is trained: GARCH-t answers beyond one day
in 13 of the 15 periods. Windows are chosen on the same periods they are scored on.

    python benchmarks/benchmark_spread_window.py --days 300 365 1095   # after a btc run has written btc_prices
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from hw3_pipelines.forecaster.members import (
    BaselineForecasts,
    cumulative_baseline,
    fit_baselines,
)
from hw3_pipelines.forecaster.pool import benchmark_spread
from hw3_pipelines.forecasting import recursive
from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.pipelines.btc_rolling.nodes import period_bounds
from hw3_pipelines.pipelines.btc_rolling.pipeline import cutoffs

HORIZONS = (7, 30)
PROJECT = Path(__file__).resolve().parents[1]


def scored(train: pd.DataFrame, test: pd.DataFrame, btc: BtcParams, windows: list[int]) -> list[dict]:
    """GARCH-t on the test origins, its spread as fitted and as each window's factor widens it."""
    known = pd.concat([train, test], ignore_index=True)
    fitted = fit_baselines(train, btc)
    reference = BaselineForecasts(known, fitted, test["Date"].to_numpy())
    horizon, returns = btc.backtest.horizon, reference.returns.to_numpy()
    positions = reference.test_positions[recursive.walk_forward_origins(len(test), horizon, btc.backtest.stride)]
    actual = recursive.cumulative_outcomes(returns, positions, horizon)
    paths = cumulative_baseline(btc.calibration.benchmark, reference, positions, fitted, horizon, btc.backtest.paths, btc.forecast.seed)
    factors = {"as fitted": 1.0}
    for days in windows:
        settings = btc.calibration.model_copy(update={"benchmark_spread": btc.calibration.benchmark_spread.model_copy(update={"days": days})})
        factors[f"{days} days"] = benchmark_spread(train, fitted, btc.model_copy(update={"calibration": settings}))["factor"]
    rows = []
    for window, factor in factors.items():
        for h in HORIZONS:
            predictive = paths[h - 1].widened(float(recursive.spread_ramp(factor, h, horizon)))
            pit = predictive.cdf(actual[:, h - 1])
            rows.append({"window": window, "factor": factor, "horizon": h, "crps": float(predictive.crps(actual[:, h - 1]).mean()),
                         "coverage_80": float(np.mean(np.abs(pit - 0.5) <= 0.4)), "coverage_95": float(np.mean(np.abs(pit - 0.5) <= 0.475))})
    return rows


def btc_and_prices(env: str) -> tuple[BtcParams, pd.DataFrame]:
    """The btc parameters of Kedro environment ``env`` and the prices a btc run last wrote."""
    bootstrap_project(PROJECT)
    with KedroSession.create(project_path=PROJECT, env=env) as session:
        context = session.load_context()
        return BtcParams.model_validate(context.config_loader["parameters"]["btc"]), context.catalog.load("btc_prices")


def by_period(prices: pd.DataFrame, score) -> pd.DataFrame:
    """The rows ``score(train, test)`` gives for every rolling period, each with its period."""
    rows = []
    for cutoff in cutoffs():
        train, test = period_bounds(prices, cutoff, 6)
        rows += [{"period": cutoff, **row} for row in score(train, test)]
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[300, 365, 1095])
    parser.add_argument("--env", default="distribution")
    args = parser.parse_args()
    btc, prices = btc_and_prices(args.env)
    table = by_period(prices, lambda train, test: scored(train, test, btc, args.days))
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 20)
    print(table.pivot_table(index="period", columns=["horizon", "window"], values="coverage_80").round(2))
    summary = table.groupby(["horizon", "window"]).agg(
        crps=("crps", "mean"), coverage_80=("coverage_80", "mean"), coverage_95=("coverage_95", "mean"),
        coverage_80_lowest=("coverage_80", "min"), coverage_95_lowest=("coverage_95", "min"), mean_factor=("factor", "mean"))
    print(summary.round(3))


if __name__ == "__main__":
    main()
