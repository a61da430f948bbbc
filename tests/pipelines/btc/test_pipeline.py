"""The whole btc pipeline: wired on synthetic prices through an in-memory catalog (as the
spaceflights starter tests its pipelines), and run on the real bundled snapshot."""

import json

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset, Version
from kedro.runner import SequentialRunner

from hw3_pipelines.datasets import MinMaxScalerDataset, NpzDataset, TorchModelDataset
from hw3_pipelines.forecaster.members import BASELINES
from hw3_pipelines.forecasting.windows import ModelInput, inverse_column, to_price
from hw3_pipelines.modeling.regressor_paths import predict
from hw3_pipelines.pipelines.btc.pipeline import create_pipeline
from tests.conftest import (
    TEST_DATA,
    copy_project,
    latest,
    run_pipeline,
    synthetic_prices,
    versions,
)
from tests.pipelines.btc.helpers import params


class KeptDataset(MemoryDataset):
    """A memory dataset the runner cannot release, so the test can read it after the run."""

    def _release(self) -> None:
        pass


def test_pipeline_wiring_on_synthetic_prices(tmp_path):
    path = tmp_path / "prices.csv"
    synthetic_prices(300, drift=0.001).to_csv(path, index=False)
    pipeline = create_pipeline()
    catalog = DataCatalog({name: KeptDataset() for name in pipeline.all_outputs()})
    catalog["btc_raw_last_saved"] = None
    catalog["params:btc"] = params(ingest={"source": "csv", "csv_path": str(path)})
    SequentialRunner().run(pipeline, catalog)
    metrics = catalog.load("btc_metrics")
    assert metrics["n_test_days"] == 60 and metrics["data"]["provenance"]["source"] == "csv"
    assert len(catalog.load("btc_forecast")) == 7 and len(catalog.load("btc_backtest")) == 5 * (2 + len(BASELINES))  # the model, its pool and the baselines
    assert set(catalog.load("btc_distribution_metrics")) == {"model", "model_uncalibrated", *BASELINES, "pool"}
    figures = [name for name in pipeline.all_outputs() if name.endswith("_plot")]
    assert len(figures) == 8
    for figure in figures:
        assert catalog.load(figure).axes, figure


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """One conf/test run of the btc pipeline on the bundled snapshot, shared by the tests below."""
    project = copy_project(tmp_path_factory.mktemp("btc_project"))
    run_pipeline(project, "btc")
    return project


def test_real_snapshot_end_to_end(finished_run):
    project = finished_run
    raw = pd.read_csv(latest(project, f"{TEST_DATA}/01_raw/btc_usd_daily.csv"))
    assert (raw["Date"].iloc[0], raw["Date"].iloc[-1], len(raw)) == ("2014-09-17", "2026-07-22", 4327)
    report = json.loads(latest(project, f"{TEST_DATA}/08_reporting/btc_metrics.json").read_text())
    assert report["n_test_days"] == 866 and report["test_end"] == "2026-07-22"
    assert report["data"] == {"provenance": {"source": "bundled"}, "first_date": "2014-09-17", "last_date": "2026-07-22"}
    for side in ("model", "naive"):
        assert set(report[side]) == {"mae", "rmse", "mape", "smape", "directional_accuracy"}
    assert report["naive"]["mae"] == pytest.approx(1432.85, abs=0.01)
    assert report["test_days_above_train_max"] > 0.5  # the honest part, measured
    forecast = pd.read_csv(latest(project, f"{TEST_DATA}/07_model_output/btc_forecast.csv"))
    assert list(forecast["date"][:2]) == ["2026-07-23", "2026-07-24"]
    for plot in ("btc_split", "btc_training_loss", "btc_predictions", "btc_forecast", "btc_backtest", "btc_coverage", "btc_pit", "btc_one_day_bands"):
        assert latest(project, f"{TEST_DATA}/08_reporting/{plot}.png").stat().st_size > 10_000
    scores = json.loads(latest(project, f"{TEST_DATA}/08_reporting/btc_distribution_metrics.json").read_text())
    garch = scores["garch_t"]  # the baselines do not depend on the model: the measured figures
    assert (garch["crps"], garch["coverage_80"], garch["coverage_95"]) == pytest.approx((1.3035, 0.7644, 0.9446), abs=1e-4)
    assert (scores["ewma"]["crps"], scores["constant_vol"]["crps"]) == pytest.approx((1.3125, 1.4245), abs=1e-4)
    others = [scores[name][key] for name in ("gjr_garch_t", "egarch_t", "har_t")
              for key in ("crps", "coverage_80", "coverage_95")]
    assert others == pytest.approx([1.3059, 0.764, 0.942, 1.3065, 0.788, 0.958, 1.3037, 0.828, 0.978], abs=1e-3)
    assert set(scores["model"]) >= {"crps", "crps_usd", "pinball", "coverage_80", "coverage_95", "kupiec_p_80",
                                    "kupiec_p_95", "christoffersen_p_80", "width_80", "crps_dm_vs_garch_t"}
    pool = json.loads(latest(project, f"{TEST_DATA}/06_models/btc_pool.json").read_text())
    assert pool["fitted_on"]["last_date"] == "2024-03-08" and list(pool["fitted_weights"]) == list(BASELINES)  # a price model stays out
    assert scores["pool"]["crps"] <= scores["garch_t"]["crps"] + 0.01
    backtest = pd.read_csv(latest(project, f"{TEST_DATA}/08_reporting/btc_backtest.csv"))
    assert set(backtest["forecaster"]) == {"model", "pool", *BASELINES} and backtest["horizon"].max() == 5
    assert backtest["adaptive_coverage_80"].between(0, 1).all() and {"adaptive_kupiec_p_95"} <= set(backtest.columns)
    one_day = backtest[backtest["horizon"] == 1]
    assert one_day["actual_return"].nunique() == 1  # every forecaster on the same origins
    assert one_day.set_index("forecaster").loc["constant_vol", "median_return"] == 0  # a driftless random walk


def test_reloaded_model_reproduces_saved_predictions(finished_run):
    def load(dataset_class, relative, **kwargs):
        path = latest(finished_run, f"{TEST_DATA}/{relative}")
        return dataset_class(filepath=str(path.parent.parent), version=Version(path.parent.name, None), **kwargs).load()

    model = load(TorchModelDataset, "06_models/btc_model.pt")
    windows = load(NpzDataset, "05_model_input/btc_windows.npz", record_class="hw3_pipelines.forecasting.windows.ModelInput")
    scaler = load(MinMaxScalerDataset, "04_feature/btc_scaler.json")
    assert isinstance(windows, ModelInput)
    output = inverse_column(scaler, predict(model, windows.X_test), windows.close_index)
    saved = pd.read_csv(latest(finished_run, f"{TEST_DATA}/07_model_output/btc_predictions.csv"))
    np.testing.assert_allclose(to_price(output, windows.test_previous_close, "price"), saved["predicted"], rtol=1e-12)


def test_rerun_from_the_raw_snapshot_needs_no_download(finished_run, monkeypatch):
    import yfinance

    def no_network(*args, **kwargs):
        raise AssertionError("the rerun tried to download")

    monkeypatch.setattr(yfinance, "download", no_network)
    before = len(versions(finished_run, f"{TEST_DATA}/08_reporting/btc_metrics.json"))
    run_pipeline(finished_run, "btc", {"btc": {"ingest": {"source": "yfinance"}}}, from_nodes=["validate_btc_prices"])
    assert len(versions(finished_run, f"{TEST_DATA}/08_reporting/btc_metrics.json")) == before + 1


def test_offline_auto_run_falls_back_and_says_so(finished_run, caplog):
    run_pipeline(finished_run, "btc", {"btc": {"ingest": {"source": "auto"}}}, to_nodes=["validate_btc_prices"])
    report = json.loads(latest(finished_run, f"{TEST_DATA}/08_reporting/btc_validation_report.json").read_text())
    assert report["provenance"]["source"] == "stored_snapshot"
    assert "yfinance returned no data" in report["provenance"]["download_error"]
    assert "using the last stored raw snapshot instead" in caplog.text


def test_a_seed_ensemble_on_the_real_snapshot(tmp_path):
    """The distribution setting's ensemble, tiny: two members, saved as one model, pooled."""
    from hw3_pipelines.modeling.regressor_ensemble import RegressorEnsemble

    settings = {"target": "log_return", "features": ["Close", "log_range"], "model": {"head": "student_t", "ensemble_size": 2}}
    project = copy_project(tmp_path)
    run_pipeline(project, "btc", {"btc": settings})
    weights = latest(project, f"{TEST_DATA}/06_models/btc_model.pt")
    model = TorchModelDataset(filepath=str(weights.parent.parent), version=Version(weights.parent.name, None)).load()
    assert isinstance(model, RegressorEnsemble) and len(model.members) == 2
    history = pd.read_csv(latest(project, f"{TEST_DATA}/08_reporting/btc_training_history.csv"))
    assert sorted(history["seed"].unique()) == [42, 43]
    scores = json.loads(latest(project, f"{TEST_DATA}/08_reporting/btc_distribution_metrics.json").read_text())
    assert list(scores["model"]["members"]["crps"]) == ["42", "43"]
    members = scores["model"]["members"]
    assert scores["model_uncalibrated"]["crps"] <= members["crps_mean"]  # CRPS is convex: a mixture never loses to its average
    pool = json.loads(latest(project, f"{TEST_DATA}/06_models/btc_pool.json").read_text())
    assert list(pool["fitted_weights"]) == ["model", *BASELINES]
    assert pool["validation_crps"]["pool"] <= min(pool["validation_crps"][name] for name in pool["fitted_weights"]) + 1e-9
    report = latest(project, f"{TEST_DATA}/08_reporting/btc_distribution_report.md").read_text(encoding="utf-8")
    assert "2 seeds" in report and "The ensemble's 2 members alone" in report and "The linear pool one day ahead is " in report
