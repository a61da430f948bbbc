"""GARCH(1,1)-t's spread recalibrated in two shapes, scored on every rolling period: one
factor reached linearly at 30 days (a ramp), or one factor per horizon, the first day
included; each chosen on the last ``benchmark_spread.days`` training days.

For each cutoff of ``ROLLING_EVALUATION``: GARCH-t fitted on the days before it, the factors
chosen on the training days before it, and GARCH-t scored on the six months after it: one
day ahead on every test day, 7, 14 and 30 days ahead from origins every ``backtest.stride``
test days, as fitted and in each shape. No network is trained. The table gives each shape's
CRPS, coverage and the periods where it is significantly worse than GARCH-t as fitted
(one-sided HAC Diebold-Mariano, p < 0.05).

    python -m benchmarks.benchmark_spread_shape   # from the project's root, after a btc run has written btc_prices
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from benchmarks.benchmark_spread_window import btc_and_prices, by_period

from hw3_pipelines.forecaster.members import BaselineForecasts, cumulative_baseline, fit_baselines
from hw3_pipelines.forecaster.pool import benchmark_spread
from hw3_pipelines.forecasting import baselines, recursive
from hw3_pipelines.forecasting.metrics import hac_loss_difference
from hw3_pipelines.parameters import BtcParams

HORIZONS = (1, 7, 14, 30)
FACTORS = (0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.3, 1.45, 1.6)


def crps_by_factor(train: pd.DataFrame, fitted: dict, btc: BtcParams) -> np.ndarray:
    """Mean CRPS (factors, horizons 1..H) of GARCH-t widened flat by each factor, at origins
    every ``stride`` days over the last ``benchmark_spread.days`` training days."""
    horizon = btc.backtest.horizon
    reference = BaselineForecasts(train, fitted, train["Date"].to_numpy()[1:])
    returns = reference.returns.to_numpy()
    days = min(btc.calibration.benchmark_spread.days, len(returns) // 2)
    positions = len(returns) - days + recursive.walk_forward_origins(days, horizon, btc.backtest.stride)
    actual = recursive.cumulative_outcomes(returns, positions, horizon)
    by_horizon = cumulative_baseline("garch_t", reference, positions, fitted, horizon, btc.backtest.paths, btc.forecast.seed)
    return np.array([[by_horizon[h].widened(f).crps(actual[:, h]).mean() for h in range(horizon)] for f in FACTORS])


def ramp_factor(train: pd.DataFrame, fitted: dict, btc: BtcParams) -> float:
    """The ramp's factor as the pipeline chooses it (``benchmark_spread``), from ``FACTORS``."""
    settings = btc.calibration.benchmark_spread.model_copy(update={"factors": list(FACTORS)})
    return benchmark_spread(train, fitted, btc.model_copy(update={"calibration": btc.calibration.model_copy(update={"benchmark_spread": settings})}))["factor"]


def scored(train: pd.DataFrame, test: pd.DataFrame, btc: BtcParams) -> list[dict]:
    known = pd.concat([train, test], ignore_index=True)
    fitted = fit_baselines(train, btc)
    horizon = btc.backtest.horizon
    flat = crps_by_factor(train, fitted, btc)
    per_horizon = np.array(FACTORS)[flat.argmin(axis=0)]
    ramp = ramp_factor(train, fitted, btc)
    shapes = {
        "as fitted": np.ones(horizon),
        "ramp": recursive.spread_ramp(ramp, np.arange(1, horizon + 1), horizon),
        "per horizon": per_horizon,
    }
    reference = BaselineForecasts(known, fitted, test["Date"].to_numpy())
    returns = reference.returns.to_numpy()
    positions = reference.test_positions[recursive.walk_forward_origins(len(test), horizon, btc.backtest.stride)]
    actual = recursive.cumulative_outcomes(returns, positions, horizon)
    paths = cumulative_baseline("garch_t", reference, positions, fitted, horizon, btc.backtest.paths, btc.forecast.seed)
    one_day = baselines.arch_t_one_day("garch_t", reference.returns, fitted["garch_t"], reference.test_positions)
    one_day_actual = returns[reference.test_positions]
    rows = []
    for h in HORIZONS:
        predictive, outcome = (one_day, one_day_actual) if h == 1 else (paths[h - 1], actual[:, h - 1])
        base = predictive.crps(outcome)
        for shape, factors in shapes.items():
            widened = predictive if factors[h - 1] == 1 else predictive.widened(float(factors[h - 1]))
            crps, pit = widened.crps(outcome), widened.cdf(outcome)
            rows.append({
                "shape": shape, "horizon": h, "factor": float(factors[h - 1]), "crps": float(crps.mean()),
                "coverage_80": float(np.mean(np.abs(pit - 0.5) <= 0.4)), "coverage_95": float(np.mean(np.abs(pit - 0.5) <= 0.475)),
                "p_higher": hac_loss_difference(crps, base)["p_higher"], "crps_days": crps, "base_days": base,
            })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="distribution")
    args = parser.parse_args()
    btc, prices = btc_and_prices(args.env)
    table = by_period(prices, lambda train, test: scored(train, test, btc))
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    print(table.pivot_table(index="period", columns=["horizon", "shape"], values="factor"))
    print(table.pivot_table(index="period", columns=["horizon", "shape"], values="coverage_80").round(2))
    for (h, shape), group in table.groupby(["horizon", "shape"]):
        crps, base = np.concatenate(group["crps_days"].tolist()), np.concatenate(group["base_days"].tolist())
        test = hac_loss_difference(crps, base)
        worse = list(group.loc[group["p_higher"] < 0.05, "period"])
        print(f"h={h:2d} {shape:12s} crps {crps.mean():.4f} (vs fitted {test['mean_difference']:+.4f}, p lower {test['p_lower']:.3f}) "
              f"80% {group['coverage_80'].mean():.3f} [{group['coverage_80'].min():.2f}-{group['coverage_80'].max():.2f}] "
              f"95% {group['coverage_95'].mean():.3f} [{group['coverage_95'].min():.2f}-{group['coverage_95'].max():.2f}] worse in {worse}")


if __name__ == "__main__":
    main()
