"""The rolling evaluation on the real snapshot: one namespaced refit per cutoff, each scored
on the months after it, with the same tables sequentially and on Dask."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from hw3_pipelines import settings
from hw3_pipelines.errors import InputDataError
from hw3_pipelines.pipelines.btc_rolling import pipeline
from hw3_pipelines.pipelines.btc_rolling.nodes import period_bounds
from hw3_pipelines.runner import DaskRunner
from hw3_pipelines.sources.prices import read_bundled_snapshot
from tests.conftest import TEST_DATA, latest, run_pipeline

TWO_PERIODS = {"first": "2025-07-01", "last": "2026-01-01", "months": 6}


def test_the_shipped_cutoffs_run_every_six_months_from_2019():
    cutoffs = pipeline.cutoffs()
    assert len(cutoffs) == 15 and cutoffs[0] == "2019-01-01" and cutoffs[1] == "2019-07-01" and cutoffs[-1] == "2026-01-01"
    namespaces = {n.namespace for n in pipeline.create_pipeline().nodes if n.namespace}
    assert namespaces == {pipeline.namespace(cutoff) for cutoff in cutoffs} and "rolling_2019_07" in namespaces


def test_a_period_trains_before_its_cutoff_and_tests_on_the_months_after():
    prices = read_bundled_snapshot()
    train, test = period_bounds(prices, "2024-07-01", 6)
    assert train["Date"].iloc[-1] == "2024-06-30" and train["Date"].iloc[0] == prices["Date"].iloc[0]
    assert (test["Date"].iloc[0], test["Date"].iloc[-1], len(test)) == ("2024-07-01", "2024-12-31", 184)
    with pytest.raises(InputDataError, match=r"needs prices to 2026-12-31, and the data end on 2026-07-22: move"):
        period_bounds(prices, "2026-07-01", 6)


def read(project, name: str) -> pd.DataFrame:
    return pd.read_csv(latest(project, f"{TEST_DATA}/{name}"))


def test_sequential_and_dask_give_the_same_tables_period_by_period(project_copy, monkeypatch):
    monkeypatch.setattr(settings, "ROLLING_EVALUATION", TWO_PERIODS)
    run_pipeline(project_copy, "btc_rolling")
    tables = {name: read(project_copy, name) for name in
              ("07_model_output/btc_rolling_one_day.csv", "07_model_output/btc_rolling_origins.csv", "08_reporting/btc_rolling_periods.csv")}
    run_pipeline(project_copy, "btc_rolling", runner=DaskRunner(cluster_args={"n_workers": 2}))
    for name, sequential in tables.items():
        pd.testing.assert_frame_equal(sequential, read(project_copy, name))

    one_day = tables["07_model_output/btc_rolling_one_day.csv"]
    assert list(one_day.groupby("period")["date"].agg(["first", "last", "count"]).itertuples(index=False)) == [
        ("2025-07-01", "2025-12-31", 184), ("2026-01-01", "2026-06-30", 181)]
    assert {"close", "garch_t_crps", "pool_lower_95", "pool_upper_80", "model_pit"} <= set(one_day.columns)
    origins = tables["07_model_output/btc_rolling_origins.csv"]
    assert set(origins["horizon"]) == {2, 5} and (origins["date"] >= origins["period"]).all()
    periods = tables["08_reporting/btc_rolling_periods.csv"]
    garch = periods[periods["forecaster"] == "garch_t"]
    assert len(garch) == 2 * 3 and (garch["crps_minus_garch_t"] == 0).all()
    assert garch.loc[garch["horizon"] == 1, "coverage_80"].between(0.7, 0.9).all()  # about 180 days a period
    assert (garch.loc[garch["horizon"] == 1, "coverage_80_chance_low"] > 0.7).all()  # binomial over about 180 days
    refit = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/btc_rolling/rolling_2026_01_refit.json").read_text())
    assert refit["train"]["last_date"] == "2025-12-31" and refit["test"] == {"first_date": "2026-01-01", "last_date": "2026-06-30", "days": 181}
    assert refit["pool"]["kept"] in {"pool", "garch_t"} and refit["final_forecaster"] == "pool"
    pooled = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/btc_rolling_pooled.json").read_text())
    assert pooled["periods"] == ["2025-07-01", "2026-01-01"] and pooled["horizon_1"]["outcomes"] == 365
    report = latest(project_copy, f"{TEST_DATA}/08_reporting/btc_rolling_report.md").read_text(encoding="utf-8")
    assert pooled["verdict"] in report and "| 2026-01-01 |" in report and "its spread at the last horizon" in report
    assert latest(project_copy, f"{TEST_DATA}/08_reporting/btc_rolling.png").stat().st_size > 10_000
