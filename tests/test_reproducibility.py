"""Reruns match byte for byte, and a killed run leaves the last good run intact."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
from kedro.io import Version

from hw3_pipelines.modeling.io import TorchModelDataset
from tests.conftest import run_pipeline

BTC_OUTPUTS = [
    "data/08_reporting/btc_metrics.json",
    "data/07_model_output/btc_predictions.csv",
    "data/07_model_output/btc_forecast.csv",
]
HAFEZ_OUTPUTS = [
    "data/08_reporting/hafez_metrics.json",
    "data/07_model_output/hafez_samples.txt",
    "data/08_reporting/hafez_sample_report.json",
]


def versions(project, relative):
    folder = project / relative
    return [v / folder.name for v in sorted(folder.iterdir())] if folder.exists() else []


def test_two_runs_give_byte_identical_outputs(project_copy, real_btc_csv):
    params = {"btc": {"ingest": {"csv_path": str(real_btc_csv)}}}
    for _ in range(2):
        run_pipeline(project_copy, "btc", params)
        run_pipeline(project_copy, "hafez")
    for relative in BTC_OUTPUTS + HAFEZ_OUTPUTS:
        first, second = versions(project_copy, relative)
        assert first.read_bytes() == second.read_bytes(), relative


def test_killed_run_leaves_the_last_good_run_intact(project_copy, real_btc_csv):
    params = {"btc": {"ingest": {"csv_path": str(real_btc_csv)}}}
    run_pipeline(project_copy, "btc", params)
    good = {relative: versions(project_copy, relative) for relative in BTC_OUTPUTS + ["data/06_models/btc_lstm.pt"]}
    good_bytes = {path: path.read_bytes() for paths in good.values() for path in paths}

    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kedro", "run", "--pipeline", "btc", "--env", "test", "--params",
         f"btc.ingest.csv_path={real_btc_csv},btc.training.epochs=500"],
        cwd=project_copy, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(versions(project_copy, "data/05_model_input/btc_windows.pkl")) < 2:
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "training never started"
        time.sleep(0.2)
    time.sleep(2)  # well inside the 500 training epochs
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    for relative, paths in good.items():
        assert versions(project_copy, relative) == paths, f"{relative} gained a version from the killed run"
    for path, content in good_bytes.items():
        assert path.read_bytes() == content
    metrics_path = good["data/08_reporting/btc_metrics.json"][0]
    json.loads(metrics_path.read_text())
    pd.read_csv(good["data/07_model_output/btc_predictions.csv"][0])
    model_path = good["data/06_models/btc_lstm.pt"][0]
    TorchModelDataset(filepath=str(model_path.parent.parent), version=Version(model_path.parent.name, None)).load()
    # the next run still works from the snapshot the killed run left behind
    run_pipeline(project_copy, "btc", params, from_nodes=["validate_btc_prices"])
    assert len(versions(project_copy, "data/08_reporting/btc_metrics.json")) == 2
