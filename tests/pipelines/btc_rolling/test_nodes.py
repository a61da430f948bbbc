"""The rolling evaluation's tables on made-up scores: differences to GARCH-t, periods that
are significantly worse, coverage read off the PIT, and a spread that does not move."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hw3_pipelines.parameters import RollingParams
from hw3_pipelines.pipelines.btc_rolling import nodes
from tests.pipelines.btc.helpers import params

ROLLING = RollingParams(num_threads=1, horizons=[7], significance=0.05)
N = 100


def scored_days(period: str, pool_penalty: float, rng: np.random.Generator) -> pd.DataFrame:
    """GARCH-t's CRPS and bands, the pool's (GARCH-t's plus ``pool_penalty`` and noise) and a
    model whose 80% band is always 8% wide; PITs spread evenly, so 80% of them lie inside."""
    garch = 1 + rng.random(N)
    width = 2 + np.sin(np.arange(N) / 5)  # % of the close, moving with the market
    pit = (np.arange(N) + 0.5) / N
    table = pd.DataFrame({"period": period, "date": pd.date_range(period, periods=N).strftime("%Y-%m-%d"), "previous_close": 100.0})
    for name, crps, band in (("garch_t", garch, width), ("pool", garch + pool_penalty * (1 + 0.1 * rng.standard_normal(N)), width),
                             ("model", garch + 0.01, np.full(N, 8.0))):
        table[f"{name}_crps"], table[f"{name}_pit"] = crps, rng.permutation(pit)
        table[f"{name}_lower_80"], table[f"{name}_upper_80"] = 100 - band / 2, 100 + band / 2
    return table


@pytest.fixture
def tables():
    rng = np.random.default_rng(0)
    one_day = pd.concat([scored_days("2020-01-01", 0.0, rng), scored_days("2020-07-01", 0.5, rng)], ignore_index=True)
    origins = one_day[["period", "date", *[c for c in one_day.columns if c.endswith(("_crps", "_pit"))]]].assign(horizon=7)
    return one_day, origins


def test_periods_are_scored_against_garch_t_with_coverage_from_the_pit(tables):
    periods = nodes.tabulate_periods(*tables, params()).set_index(["period", "forecaster", "horizon"])
    same = periods.loc[("2020-01-01", "pool", 1)]
    assert same["crps_minus_garch_t"] == 0 and same["p_higher"] == 0.5 and same["outcomes"] == N
    worse = periods.loc[("2020-07-01", "pool", 7)]
    assert worse["crps_minus_garch_t"] == pytest.approx(0.5, abs=0.02) and worse["p_higher"] < 1e-6
    assert worse["interval_low"] < worse["crps_minus_garch_t"] < worse["interval_high"]
    assert periods.loc[("2020-01-01", "model", 1), "coverage_80"] == 0.8 and periods.loc[("2020-01-01", "model", 1), "coverage_95"] == 0.95


def test_a_spread_that_does_not_move_with_the_market_is_caught(tables):
    periods = nodes.tabulate_periods(*tables, params()).set_index(["period", "forecaster", "horizon"])
    model, garch = periods.loc[("2020-01-01", "model", 1)], periods.loc[("2020-01-01", "garch_t", 1)]
    assert model["band_80_width_pct"] == pytest.approx(8.0) and model["width_correlation_with_garch_t"] == 0.0
    assert garch["width_correlation_with_garch_t"] == pytest.approx(1.0)


def test_pooled_figures_name_the_periods_where_the_final_forecaster_lost(tables):
    periods = nodes.tabulate_periods(*tables, params())
    pooled = nodes.pool_periods(periods, *tables, params(forecast={"forecaster": "pool"}), ROLLING)
    assert pooled["periods"] == ["2020-01-01", "2020-07-01"] and pooled["final_forecaster"] == "pool"
    one_day = pooled["horizon_1"]
    assert one_day["outcomes"] == 2 * N and one_day["final_periods_not_above_garch_t"] == 0.5
    assert one_day["final_periods_significantly_worse"] == ["2020-07-01"]
    assert one_day["crps"]["pool"] == pytest.approx(one_day["crps"]["garch_t"] + 0.25, abs=0.01)
    assert one_day["final_vs_garch_t"]["p_higher"] < 1e-3 and one_day["coverage_80"]["pool"] == 0.8
    assert pooled["horizon_7"]["final_periods_significantly_worse"] == ["2020-07-01"]
    assert one_day["coverage_80_chance"] == pytest.approx([0.745, 0.855])  # binomial, 200 days
    assert one_day["final_periods_coverage_80_outside_chance"] == []
    assert "significantly worse in 2020-07-01" in pooled["verdict"] and "not above it in 50% of periods" in pooled["verdict"]


def test_a_band_that_holds_every_outcome_is_named_outside_chance(tables):
    one_day, origins = tables
    one_day.loc[one_day["period"] == "2020-07-01", "pool_pit"] = 0.5
    origins_a_day_apart = params(backtest={"stride": 1})
    periods = nodes.tabulate_periods(one_day, origins, origins_a_day_apart)
    pooled = nodes.pool_periods(periods, one_day, origins, params(forecast={"forecaster": "pool"}), ROLLING)
    assert pooled["horizon_1"]["final_periods_coverage_80_outside_chance"] == ["2020-07-01"]
    assert pooled["horizon_1"]["final_periods_coverage_95_outside_chance"] == ["2020-07-01"]
    assert pooled["horizon_7"]["final_periods_coverage_80_outside_chance"] == []
    row = periods.set_index(["period", "forecaster", "horizon"]).loc[("2020-07-01", "pool", 7)]
    assert row["coverage_80_chance_low"] < 0.70 < 0.90 < row["coverage_80_chance_high"]  # binomial: 0.72 to 0.88; overlapping outcomes stray more
