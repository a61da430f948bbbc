"""Every run is one MLflow run in the environment's SQLite store, with the run's numbers."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from hw3_pipelines import settings
from hw3_pipelines.run_context import HOST_TAG, PID_TAG
from hw3_pipelines.tracking import metric_leaves
from tests.conftest import TEST_DATA, latest, run_pipeline


def runs_in(store: Path) -> pd.DataFrame:
    mlflow.set_tracking_uri(f"sqlite:///{store}")
    return mlflow.search_runs(experiment_names=["hw3_pipelines"])


def test_a_btc_run_is_one_mlflow_run_with_its_parameters_and_metrics(project_copy):
    run_pipeline(project_copy, "btc")
    runs = runs_in(project_copy / TEST_DATA / "mlflow.db")
    assert len(runs) == 1
    row = runs.iloc[0]
    assert row["status"] == "FINISHED" and row["tags.mlflow.runName"] == "btc"
    assert row["params.btc.model.cell"] == "lstm" and row["params.btc.training.epochs"] == "2"
    metrics = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/btc_metrics.json").read_text())
    assert row["metrics.btc_metrics.relative_mae"] == metrics["relative_mae"]
    assert row["metrics.btc_metrics.dm_test.p_value"] == metrics["dm_test"]["p_value"]
    scores = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/btc_distribution_metrics.json").read_text())
    assert row["metrics.btc_distribution_metrics.garch_t.crps"] == scores["garch_t"]["crps"]
    client = mlflow.MlflowClient()
    assert [m.step for m in client.get_metric_history(row["run_id"], "btc.val_loss")] == [1, 2]
    artifacts = {a.path for a in client.list_artifacts(row["run_id"])}
    assert {"btc_model", "btc_pit_plot", "btc_forecast_plot", "run_manifest.json"} <= artifacts
    manifest = client.download_artifacts(row["run_id"], "run_manifest.json", str(project_copy))
    manifest = json.loads(open(manifest).read())
    assert manifest["status"] == "completed" and len(manifest["raw_inputs_sha256"]["btc_raw"]) == 64
    assert {"train_btc_model", "evaluate_btc_model"} <= set(manifest["node_seconds"])


def test_the_sweep_logs_one_nested_run_per_namespace(project_copy, monkeypatch):
    monkeypatch.setattr(settings, "LOOKBACK_SWEEP_GRID", {"targets": ("log_return",), "lookbacks": (5, 10), "seeds": (1,)})
    run_pipeline(project_copy, "btc_lookback")
    runs = runs_in(project_copy / TEST_DATA / "mlflow.db")
    children = runs[runs["tags.mlflow.parentRunId"].notna()]
    assert sorted(children["params.lookback"]) == ["10", "5"]
    assert children["metrics.relative_mae"].notna().all()


def test_a_run_says_its_process_from_its_creation(tmp_path):
    """The tags come with the run MLflow creates (the entry point in pyproject.toml), so no
    kill between creating and tagging a run can leave one that close_stale_runs cannot judge.
    In a fresh interpreter that imports the project as ``kedro run`` does: MLflow loads the
    entry point while it is itself imported."""
    script = (
        "import json, hw3_pipelines.settings, mlflow\n"
        f"mlflow.set_tracking_uri('sqlite:///{tmp_path / 'mlflow.db'}')\n"
        "mlflow.set_experiment('process tags')\n"  # not an experiment a run of the suite left in MLFLOW_EXPERIMENT_ID
        "with mlflow.start_run() as run:\n"
        "    print(json.dumps(run.data.tags))\n"  # as create_run returned them, before anything else was logged
    )
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert child.returncode == 0, child.stderr
    created = json.loads(child.stdout.splitlines()[-1])
    assert created[HOST_TAG] == socket.gethostname() and created[PID_TAG].isdigit()
    assert "context provider" not in child.stderr


def test_tracking_switched_off_by_environment(project_copy):
    run_pipeline(project_copy, "rnn_theory", env="no_tracking")
    assert latest(project_copy, "data/08_reporting/rnn_theory_report.md").is_file()
    assert runs_in(project_copy / "mlflow.db").empty


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ({"a": 1, "b": {"c": 2.5, "d": True, "e": "x", "f": None}}, {"r.a": 1.0, "r.b.c": 2.5}),
        ({"garch": {"alpha[1]": 0.1, "nan": float("nan")}}, {"r.garch.alpha_1_": 0.1}),
    ],
)
def test_metric_leaves_are_the_finite_numbers(report, expected):
    assert metric_leaves(report, "r") == expected


def test_a_run_that_fails_in_a_node_is_recorded_as_failed(project_copy):
    from hw3_pipelines.errors import InputDataError

    with pytest.raises(InputDataError):
        run_pipeline(project_copy, "btc", {"btc": {"ingest": {"source": "csv", "csv_path": "nope.csv"}}})
    assert list(runs_in(project_copy / TEST_DATA / "mlflow.db")["status"]) == ["FAILED"]


def test_an_interrupted_run_is_recorded_as_killed(project_copy):
    """Ctrl-C during training: the run is KILLED, not left for MLflow to close as FINISHED."""
    run_pipeline(project_copy, "hafez_metre")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "kedro", "run", "--pipeline", "hafez", "--env", "test", "--params", "hafez.training.epochs=1000000"]
    # Ctrl-C as in a terminal. A child inherits an ignored or blocked SIGINT, and in the full
    # suite something before this test left it so in the test process: the run went on
    # after every interrupt.
    def default_sigint() -> None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    process = subprocess.Popen(command, cwd=project_copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               preexec_fn=default_sigint)
    try:
        started = time.monotonic()
        for line in process.stdout:
            if "bfloat16 autocast" in line or time.monotonic() - started > 120:
                break
        time.sleep(2)
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=60)[0]
    finally:
        process.kill()  # never left running behind a failed test
        process.wait()
    assert process.returncode != 0, output
    runs = runs_in(project_copy / TEST_DATA / "mlflow.db")
    assert runs.set_index("tags.mlflow.runName")["status"].to_dict() == {"hafez": "KILLED", "hafez_metre": "FINISHED"}
