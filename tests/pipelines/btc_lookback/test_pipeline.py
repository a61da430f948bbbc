"""The lookback sweep on the real snapshot: one namespaced run per grid cell, the same
table under every runner, and each parallel worker held to its share of the cores.
Runs on a separately started Dask cluster: tests/test_dask_cluster.py."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from hw3_pipelines import settings
from hw3_pipelines.pipelines.btc_lookback import nodes
from hw3_pipelines.pipelines.btc_lookback.pipeline import create_pipeline
from hw3_pipelines.runner import DaskRunner, ParallelRunner
from tests.conftest import TEST_DATA, latest, run_pipeline

GRID = {"targets": ("price", "log_return"), "lookbacks": (5, 20), "seeds": (1, 2)}
TIMING = ["train_seconds", "seconds_per_epoch", "torch_threads"]
RUNS = f"{TEST_DATA}/08_reporting/btc_lookback_runs.csv"


@pytest.fixture(autouse=True)
def small_grid(monkeypatch):
    monkeypatch.setattr(settings, "LOOKBACK_SWEEP_GRID", GRID)


def runs(project) -> pd.DataFrame:
    return pd.read_csv(latest(project, RUNS))


def test_one_namespace_per_grid_cell():
    namespaces = {n.namespace for n in create_pipeline().nodes if n.namespace}
    assert namespaces == {f"lookback_{lb}_{t}_seed_{s}" for t in GRID["targets"] for lb in GRID["lookbacks"] for s in GRID["seeds"]}


def test_sequential_parallel_and_dask_sweeps_give_identical_tables(project_copy):
    run_pipeline(project_copy, "btc_lookback")
    sequential = runs(project_copy)
    run_pipeline(project_copy, "btc_lookback", runner=ParallelRunner(max_workers=2))
    parallel = runs(project_copy)
    run_pipeline(project_copy, "btc_lookback", runner=DaskRunner(cluster_args={"n_workers": 2}))
    dask = runs(project_copy)
    assert len(sequential) == 8 and list(sequential.loc[sequential["target"] == "price", "train_windows"]) == [3456, 3456, 3441, 3441]
    pd.testing.assert_frame_equal(sequential.drop(columns=TIMING), parallel.drop(columns=TIMING))
    pd.testing.assert_frame_equal(sequential.drop(columns=TIMING), dask.drop(columns=TIMING))
    table = pd.read_csv(latest(project_copy, f"{TEST_DATA}/08_reporting/btc_lookback_table.csv"))
    assert len(table) == 4 and (table["seeds"] == 2).all() and (table["relative_mae_std"] > 0).all()
    report = latest(project_copy, f"{TEST_DATA}/08_reporting/btc_lookback_report.md").read_text(encoding="utf-8")
    assert report.count("| price |") == 2 and "Beyond seed noise" in report


def test_parallel_workers_get_their_share_of_the_cores(project_copy, monkeypatch):
    """Two workers on two cores: one torch thread each, though the parameters ask for two."""
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # no budget from outside, as a plain `kedro run`
    two_threads = {"btc_lookback": {"num_threads": 2}}
    run_pipeline(project_copy, "btc_lookback", two_threads)
    assert set(runs(project_copy)["torch_threads"]) == {2}
    run_pipeline(project_copy, "btc_lookback", two_threads, runner=ParallelRunner(max_workers=2))
    assert set(runs(project_copy)["torch_threads"]) == {max(1, (os.cpu_count() or 1) // 2)}


def test_prediction_lag_of_persistence_is_one_day():
    actual = pd.Series([1.0, 3.0, 2.0, 5.0, 4.0, 4.5, 7.0, 6.0, 8.0, 7.5, 9.0, 12.0, 10.0])
    frame = pd.DataFrame({"actual": actual, "predicted": actual.shift(1).bfill()})
    assert nodes.prediction_lag(frame, max_lag=3) == 1


def test_seed_noise_decides_what_differs_from_the_best():
    rows = [
        {"target": "t", "lookback": lb, "seed": s, "relative_mae": value, "mae": 1.0, "dm_p_value": 0.5,
         "train_windows": 10, "parameters": 5, "prediction_lag_days": 1, "seconds_per_epoch": 1.0}
        for lb, values in ((5, (1.00, 1.01, 0.99)), (10, (1.005, 0.995, 1.012)), (20, (1.20, 1.21, 1.19)))
        for s, value in enumerate(values)
    ]
    table = nodes.summarize_across_seeds(pd.DataFrame(rows)).set_index("lookback")
    assert table.loc[5, "differs_from_best_p"] == 1.0  # the best itself
    assert table.loc[10, "differs_from_best_p"] > 0.05  # within seed noise
    assert table.loc[20, "differs_from_best_p"] < 0.001
