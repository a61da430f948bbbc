"""The whole btc pipeline on the real BTC-USD snapshot, with conf/test's tiny settings."""

import json

import numpy as np
import pandas as pd
import pytest
from kedro.io import Version

from hw3_pipelines.modeling.io import TorchModelDataset
from hw3_pipelines.pipelines.btc.nodes import predict
from hw3_pipelines.forecasting.windows import inverse_column, to_price
from tests.conftest import latest, run_pipeline


@pytest.fixture
def finished_run(project_copy, real_btc_csv):
    run_pipeline(project_copy, "btc", {"btc": {"ingest": {"csv_path": str(real_btc_csv)}}})
    return project_copy


def test_real_snapshot_end_to_end(finished_run, real_btc_csv):
    project = finished_run
    raw = pd.read_csv(latest(project, "data/01_raw/btc_usd_daily.csv"))
    pd.testing.assert_frame_equal(raw, pd.read_csv(real_btc_csv))
    report = json.loads(latest(project, "data/08_reporting/btc_metrics.json").read_text())
    assert report["n_test_days"] == 866 and report["test_end"] == "2026-07-22"
    for side in ("model", "naive"):
        assert set(report[side]) == {"mae", "rmse", "mape", "smape", "directional_accuracy"}
    assert report["naive"]["mae"] == pytest.approx(1432.85, abs=0.01)
    assert report["test_days_above_train_max"] > 0.5  # the honest part, measured
    forecast = pd.read_csv(latest(project, "data/07_model_output/btc_forecast.csv"))
    assert list(forecast["date"][:2]) == ["2026-07-23", "2026-07-24"]
    for plot in ("btc_split", "btc_training_loss", "btc_predictions", "btc_forecast"):
        assert latest(project, f"data/08_reporting/{plot}.png").stat().st_size > 10_000
    manifest = json.loads(next((project / "data/09_tracking/run_manifest").glob("*/run_manifest.json")).read_text())
    assert manifest["status"] == "completed"
    assert set(manifest["node_seconds"]) >= {"train_btc_model", "evaluate_btc_model"}
    assert len(manifest["raw_inputs_sha256"]["btc_raw"]) == 64


def test_reloaded_model_reproduces_saved_predictions(finished_run):
    project = finished_run
    weights = latest(project, "data/06_models/btc_lstm.pt")
    model = TorchModelDataset(filepath=str(weights.parent.parent), version=Version(weights.parent.name, None)).load()
    windows = pd.read_pickle(latest(project, "data/05_model_input/btc_windows.pkl"))
    scaler = pd.read_pickle(latest(project, "data/04_feature/btc_scaler.pkl"))
    output = inverse_column(scaler, predict(model, windows["X_test"]), windows["close_index"])
    saved = pd.read_csv(latest(project, "data/07_model_output/btc_predictions.csv"))
    np.testing.assert_allclose(to_price(output, windows["test_previous_close"], "price"), saved["predicted"], rtol=1e-12)


def test_rerun_from_the_raw_snapshot_needs_no_download(finished_run, monkeypatch):
    import yfinance

    def no_network(*args, **kwargs):
        raise AssertionError("the rerun tried to download")

    monkeypatch.setattr(yfinance, "download", no_network)
    run_pipeline(finished_run, "btc", {"btc": {"ingest": {"source": "yfinance"}}}, from_nodes=["validate_btc_prices"])
    assert len(list((finished_run / "data/08_reporting/btc_metrics.json").iterdir())) == 2
