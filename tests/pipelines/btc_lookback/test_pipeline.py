"""The lookback sweep on the real snapshot: 14 namespaced runs, sequential = parallel."""

import pandas as pd
from kedro.runner import ParallelRunner

from hw3_pipelines.pipelines.btc_lookback.nodes import prediction_lag
from hw3_pipelines.pipelines.btc_lookback.pipeline import LOOKBACKS, TARGETS, create_pipeline
from tests.conftest import TEST_DATA, latest, run_pipeline

TIMING = ["train_seconds", "seconds_per_epoch"]


def test_one_namespace_per_run():
    namespaces = {n.namespace for n in create_pipeline().nodes if n.namespace}
    assert namespaces == {f"lookback_{lb}_{t}" for t in TARGETS for lb in LOOKBACKS}


def test_sequential_and_parallel_sweeps_give_identical_tables(project_copy):
    run_pipeline(project_copy, "btc_lookback")
    sequential = pd.read_csv(latest(project_copy, f"{TEST_DATA}/08_reporting/btc_lookback_table.csv"))
    run_pipeline(project_copy, "btc_lookback", runner=ParallelRunner(max_workers=2))
    parallel = pd.read_csv(latest(project_copy, f"{TEST_DATA}/08_reporting/btc_lookback_table.csv"))
    assert len(sequential) == len(LOOKBACKS) * len(TARGETS)
    pd.testing.assert_frame_equal(sequential.drop(columns=TIMING), parallel.drop(columns=TIMING))
    assert list(sequential.loc[sequential["target"] == "price", "train_windows"]) == [
        3461 - lookback for lookback in LOOKBACKS
    ]
    report = latest(project_copy, f"{TEST_DATA}/08_reporting/btc_lookback_report.md").read_text(encoding="utf-8")
    assert report.count("| price |") == len(LOOKBACKS) and "Less training data with long windows" in report


def test_prediction_lag_of_persistence_is_one_day():
    actual = pd.Series([1.0, 3.0, 2.0, 5.0, 4.0, 4.5, 7.0, 6.0, 8.0, 7.5, 9.0, 12.0, 10.0])
    frame = pd.DataFrame({"actual": actual, "predicted": actual.shift(1).bfill()})
    assert prediction_lag(frame, max_lag=3) == 1
