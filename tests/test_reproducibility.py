"""Reruns match byte for byte, a killed run leaves the last good run intact, and test runs
stay apart from real ones."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
from kedro.io import Version

from hw3_pipelines.datasets import TorchModelDataset
from tests.conftest import TEST_DATA, run_pipeline, versions

BTC_OUTPUTS = [
    f"{TEST_DATA}/08_reporting/btc_metrics.json",
    f"{TEST_DATA}/07_model_output/btc_predictions.csv",
    f"{TEST_DATA}/07_model_output/btc_forecast.csv",
]
HAFEZ_OUTPUTS = [
    f"{TEST_DATA}/08_reporting/hafez_metrics.json",
    f"{TEST_DATA}/07_model_output/hafez_samples.txt",
    f"{TEST_DATA}/08_reporting/hafez_sample_report.json",
]


def test_two_runs_give_byte_identical_outputs(project_copy):
    for _ in range(2):
        run_pipeline(project_copy, "btc")
        run_pipeline(project_copy, "hafez_metre")
        run_pipeline(project_copy, "hafez")
    for relative in BTC_OUTPUTS + HAFEZ_OUTPUTS:
        first, second = versions(project_copy, relative)
        assert first.read_bytes() == second.read_bytes(), relative


def test_two_pretraining_runs_give_the_same_corpus_and_weights(project_copy):
    run_pipeline(project_copy, "hafez_metre")
    for _ in range(2):
        run_pipeline(project_copy, "hafez_pretrain")
    first, second = versions(project_copy, f"{TEST_DATA}/04_feature/hafez_pretrain_corpus.txt")
    assert first.read_bytes() == second.read_bytes()
    models = [TorchModelDataset(filepath=str(path)).load().state_dict()
              for path in versions(project_copy, f"{TEST_DATA}/06_models/hafez_pretrained_char_lm.pt")]
    assert models[0].keys() == models[1].keys() and all(models[0][k].equal(models[1][k]) for k in models[0])


def test_killed_run_leaves_the_last_good_run_intact(project_copy):
    run_pipeline(project_copy, "btc")
    model_dir = f"{TEST_DATA}/06_models/btc_model.pt"
    good = {relative: versions(project_copy, relative) for relative in BTC_OUTPUTS + [model_dir]}
    good_bytes = {path: path.read_bytes() for paths in good.values() for path in paths}

    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "kedro", "run", "--pipelines", "btc", "--env", "test", "--params", "btc.training.epochs=1000000"],
        cwd=project_copy, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(versions(project_copy, f"{TEST_DATA}/05_model_input/btc_windows.npz")) < 2:
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "training never started"
        time.sleep(0.2)
    time.sleep(2)  # inside a training that cannot end before the kill
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    for relative, paths in good.items():
        assert versions(project_copy, relative) == paths, f"{relative} gained a version from the killed run"
    for path, content in good_bytes.items():
        assert path.read_bytes() == content
    json.loads(good[BTC_OUTPUTS[0]][0].read_text())
    pd.read_csv(good[BTC_OUTPUTS[1]][0])
    model_path = good[model_dir][0]
    TorchModelDataset(filepath=str(model_path.parent.parent), version=Version(model_path.parent.name, None)).load()
    # the next run still works from the snapshot the killed run left behind
    run_pipeline(project_copy, "btc", from_nodes=["validate_btc_prices"])
    assert len(versions(project_copy, BTC_OUTPUTS[0])) == 2


def test_test_runs_leave_the_real_runs_outputs_alone(project_copy):
    report = "08_reporting/rnn_theory_report.md"
    run_pipeline(project_copy, "rnn_theory", env="base")
    real = versions(project_copy, f"data/{report}")
    run_pipeline(project_copy, "rnn_theory", env="test")
    assert versions(project_copy, f"data/{report}") == real
    assert len(versions(project_copy, f"{TEST_DATA}/{report}")) == 1
    written = {path.relative_to(project_copy / "data").parts[0] for path in (project_copy / "data").iterdir()}
    assert written == {"08_reporting", "test"}
    assert (project_copy / TEST_DATA / "mlflow.db").is_file()  # and the test run tracked apart too
