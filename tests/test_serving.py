"""The registered models: the btc forecaster and the hafez poet logged by every training run,
asked by btc_forecast and hafez_compose, served over HTTP on 127.0.0.1 by a real server;
and no run left RUNNING by a killed process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from benchmarks.serve_btc import (
    bad_requests,
    is_plain_error,
    post,
    prices_request,
    served,
)
from benchmarks.serve_hafez import A_REQUEST, ghazal_request
from benchmarks.serve_hafez import bad_requests as hafez_bad_requests

from hw3_pipelines.sources.prices import read_bundled_snapshot
from tests.conftest import TEST_DATA, copy_project, latest, run_pipeline


@pytest.fixture(scope="module")
def registered(tmp_path_factory) -> Path:
    """A project copy where one conf/test btc run has registered btc_forecaster version 1."""
    project = copy_project(tmp_path_factory.mktemp("served_project"))
    run_pipeline(project, "btc")
    return project


def registry(project: Path) -> mlflow.MlflowClient:
    return mlflow.MlflowClient(tracking_uri=f"sqlite:///{project}/{TEST_DATA}/mlflow.db")


def test_a_btc_run_registers_its_inference_pipeline_with_this_runs_files_alone(registered):
    version = registry(registered).get_model_version("btc_forecaster", "1")
    model = mlflow.artifacts.download_artifacts(version.source, tracking_uri=f"sqlite:///{registered}/{TEST_DATA}/mlflow.db")
    weights = sorted(path.relative_to(model) for path in Path(model).rglob("btc_model.pt*") if path.is_file())
    saved = latest(registered, f"{TEST_DATA}/06_models/btc_model.pt").parent.name
    assert [str(path) for path in weights] == [f"artifacts/btc_model.pt/{saved}/btc_model.pt", f"artifacts/btc_model.pt/{saved}/btc_model.pt.json"]


def test_btc_forecast_answers_from_the_registry_as_the_training_run_forecast(registered):
    run_pipeline(registered, "btc_forecast")
    answer = json.loads(latest(registered, f"{TEST_DATA}/07_model_output/btc_served_forecast.json").read_text())
    trained = pd.read_csv(latest(registered, f"{TEST_DATA}/07_model_output/btc_forecast.csv"))
    assert answer["forecaster"] == "pool" and answer["data"]["last_date"] == "2026-07-22" and answer["data"]["days"] == 4327
    pd.testing.assert_frame_equal(pd.DataFrame(answer["forecast"]), trained, check_exact=True)


def test_the_forecast_pipeline_without_a_registered_model_names_the_run_to_make_one(project_copy):
    result = subprocess.run([sys.executable, "-m", "kedro", "run", "--pipeline", "btc_forecast", "--env", "test"],
                            cwd=project_copy, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("needs the registered model models:/btc_forecaster/latest, which the registry does not hold: "
            "run `kedro run --pipeline btc --env test` first") in result.stderr


@pytest.fixture(scope="module")
def server(registered):
    with served(registered, "test") as port:
        yield port


def test_the_served_forecast_equals_btc_forecast_and_bad_requests_get_one_sentence(registered, server):
    prices = read_bundled_snapshot()
    status, body = post(server, prices_request(prices))
    assert status == 200
    run_pipeline(registered, "btc_forecast")
    assert json.loads(body)["predictions"] == json.loads(latest(registered, f"{TEST_DATA}/07_model_output/btc_served_forecast.json").read_text())
    for kind, request in bad_requests(prices).items():
        status, body = post(server, request)
        assert is_plain_error(status, body), (kind, status, body)
    assert "at least 100 are needed" in json.loads(post(server, bad_requests(prices)["too few days"])[1])["message"]
    assert post(server, prices_request(prices))[0] == 200  # still serving


def test_a_killed_run_is_closed_as_killed_by_the_next_run(registered):
    store = registry(registered)
    experiment = store.get_experiment_by_name("hw3_pipelines").experiment_id
    before = {run.info.run_id for run in store.search_runs([experiment])}
    # a training that cannot end before the kill: the run is killed while it is RUNNING, never after it closed
    never_ending = ["--params", "btc.training.epochs=1000000"]
    killed = subprocess.Popen([sys.executable, "-m", "kedro", "run", "--pipeline", "btc", "--env", "test", *never_ending],
                              cwd=registered, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (started := [run for run in store.search_runs([experiment]) if run.info.run_id not in before]):
        assert time.monotonic() < deadline and killed.poll() is None
        time.sleep(0.2)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert store.get_run(started[0].info.run_id).info.status == "RUNNING"  # nothing closed it
    run_pipeline(registered, "btc_forecast")
    assert store.get_run(started[0].info.run_id).info.status == "KILLED"


@pytest.fixture(scope="module")
def poet(tmp_path_factory) -> Path:
    """A project copy where conf/test hafez_metre and hafez runs have registered hafez_poet."""
    project = copy_project(tmp_path_factory.mktemp("poet_project"))
    run_pipeline(project, "hafez_metre")
    run_pipeline(project, "hafez")
    return project


def test_the_served_ghazal_equals_hafez_compose_and_bad_requests_get_one_sentence(poet):
    run_pipeline(poet, "hafez_compose", {"hafez": {"sample": {
        "metre": "any", "qafiya": A_REQUEST["qafiya"], "radif": A_REQUEST["radif"], "couplets": 10, "seed": 7}}})
    composed = json.loads(latest(poet, f"{TEST_DATA}/07_model_output/hafez_composed_ghazal.json").read_text(encoding="utf-8"))
    ghazal = composed["ghazals"][0]
    assert ghazal["request"] == {"metre": None, "qafiya": "ار", "radif": "ما", "couplets": 10} and ghazal["writing"] == "form_aware"
    assert len(ghazal["hemistichs"]) == 20 and ghazal["matla_keeps_asked_rhyme_share"] == 1.0
    with served(poet, "test", "hafez_poet") as port:
        status, body = post(port, ghazal_request(metre="any", writing="form_aware"))
        assert status == 200 and json.loads(body)["predictions"] == composed
        for kind, request in hafez_bad_requests().items():
            status, body = post(port, request)
            assert is_plain_error(status, body), (kind, status, body)
        assert "outside the model's alphabet" in json.loads(post(port, hafez_bad_requests()["text outside the alphabet"])[1])["message"]
        assert post(port, ghazal_request(metre="any"))[0] == 200  # still serving


def test_a_version_registered_by_older_code_is_refused_in_one_sentence(monkeypatch):
    from kedro.io import DataCatalog
    from kedro_mlflow.io.models import MlflowModelRegistryDataset

    from hw3_pipelines.bound_pipelines import RegisteredModelDataset
    from hw3_pipelines.cli import expected_error
    from hw3_pipelines.errors import ProjectError

    def unpickle_moved_code(self):
        raise ModuleNotFoundError("No module named 'hw3_pipelines.pipelines.moved'")

    monkeypatch.setattr(MlflowModelRegistryDataset, "_load", unpickle_moved_code)
    catalog = DataCatalog({"btc_forecaster": RegisteredModelDataset(model_name="btc_forecaster", stage_or_version=1)})
    with pytest.raises(Exception) as raised:
        catalog.load("btc_forecaster")
    error = expected_error(raised.value)  # Kedro's catalog wraps it in a DatasetError of its own
    assert isinstance(error, ProjectError) and str(error) == (
        "models:/btc_forecaster/1 was registered by an older version of this project's code and cannot be loaded by this one "
        "(ModuleNotFoundError: No module named 'hw3_pipelines.pipelines.moved'): retrain to register a new version")
