"""Nodes of the served btc forecaster, the two that adapt a request to the training
pipeline's nodes and its answer to a program.

The inference pipeline that kedro-mlflow logs with every btc training run
(``pipeline.inference_pipeline``) is the training pipeline's own validation and forecast
nodes between these two; ``kedro run --pipeline btc_forecast`` and ``kedro
serve btc_forecaster`` both run that logged pipeline, so they answer alike.
"""

from __future__ import annotations

import pandas as pd

from hw3_pipelines.parameters import BtcParams

REPORTED_REPAIRS = ("missing_days_filled", "duplicate_dates_dropped", "rows_without_close_dropped", "was_unsorted")


def request_provenance(raw: pd.DataFrame) -> dict:
    """Where served prices come from, for the validation node's report: the request."""
    return {"source": "request", "rows": len(raw)}


def forecast_answer(forecast: pd.DataFrame, validation_report: dict, btc: BtcParams) -> dict:
    """The forecast as JSON a program reads: which forecaster answered, the days the answer
    rests on with every repair made to them, and per forecast day the median close and the
    80% and 95% bands (the first day is tomorrow's one-day distribution)."""
    return {
        "forecaster": btc.forecast.forecaster,
        "data": {
            "first_date": validation_report["first_date"],
            "last_date": validation_report["last_date"],
            "days": validation_report["rows_out"],
            **{repair: validation_report[repair] for repair in REPORTED_REPAIRS},
        },
        "forecast": forecast.to_dict(orient="records"),
    }
