"""The lines a run ends with."""

from pathlib import Path

from hw3_pipelines.summary import run_summary


def test_the_summary_leads_with_headline_figures_then_outputs_then_the_mlflow_run():
    outputs = {"hafez_metrics": {"val_nats_per_char": 1.7301, "ngram": {"5": 1.83}}}
    saved = {
        "hafez_metrics": Path("data/08_reporting/hafez_metrics.json/v1/hafez_metrics.json"),
        "hafez_report": Path("data/08_reporting/hafez_report.md/v1/hafez_report.md"),
        "hafez_model": Path("data/06_models/hafez_char_lm.pt/v1/hafez_char_lm.pt"),
    }
    lines = run_summary(outputs, saved, "abc123", "sqlite:///mlflow.db")
    assert lines == [
        "Results:",
        "  hafez_metrics.val_nats_per_char = 1.73  (Hafez validation, nats/char, lower is better)",
        "Outputs: 3 files under data/, among them:",
        "  data/08_reporting/hafez_report.md/v1/hafez_report.md",
        "MLflow run abc123; browse it with: mlflow ui --backend-store-uri sqlite:///mlflow.db",
    ]


def test_a_run_without_reports_or_tracking_says_where_its_files_are():
    saved = {"x": Path("data/test/01_raw/x.csv/v/x.csv"), "y": Path("data/test/02_intermediate/y.csv/v/y.csv")}
    assert run_summary({}, saved, None) == ["Outputs: 2 files under data/test/"]


def test_a_verdict_is_printed_as_a_sentence_after_the_figures():
    outputs = {"btc_distribution_metrics": {"model": {"crps": 18.33, "verdict": "The model's one-day forecasts failed."}}}
    assert run_summary(outputs, {}, None) == [
        "Results:",
        "  btc_distribution_metrics.model.crps = 18.33  (one-day CRPS of the model, % log return, lower is better)",
        "  The model's one-day forecasts failed.",
    ]


def test_a_registered_model_is_named_with_its_version_and_how_to_serve_it():
    lines = run_summary({}, {}, "abc123", "sqlite:///mlflow.db", [("btc_forecaster", "3")])
    assert lines[-1] == "Registered btc_forecaster version 3; serve it with: kedro serve btc_forecaster"


def test_the_forecast_figure_is_named_with_what_it_shows_after_the_reports():
    saved = {
        "btc_forecast_plot": Path("data/08_reporting/btc_forecast.png/v1/btc_forecast.png"),
        "btc_distribution_report": Path("data/08_reporting/btc_distribution_report.md/v1/btc_distribution_report.md"),
    }
    assert run_summary({}, saved, None)[1:] == [
        "  data/08_reporting/btc_distribution_report.md/v1/btc_distribution_report.md",
        "  data/08_reporting/btc_forecast.png/v1/btc_forecast.png  (the forecast past the last date, by the forecaster the "
        "validation days trust; the model's path beside it)",
    ]
