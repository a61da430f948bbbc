"""Wiring of the btc pipeline: raw snapshot → validated prices → windows → model → reports."""

from kedro.pipeline import Pipeline, node, pipeline

from hw3_pipelines.bound_pipelines import bind
from hw3_pipelines.forecaster import calibration, evaluation, forecast, members, pool
from hw3_pipelines.pipelines.btc import nodes, plots, report, serving

REGISTERED_MODEL = "btc_forecaster"


def create_pipeline(**kwargs) -> Pipeline:
    """Training bound to its inference pipeline: after each run kedro-mlflow logs the
    inference pipeline, with the model, scaler, calibration, baselines and pool it reads,
    as one MLflow model and registers it as ``btc_forecaster`` (``bound_pipelines``)."""
    training = data_pipeline() + model_pipeline() + scoring_pipeline() + reporting_pipeline()
    return bind(training, inference_pipeline(), "btc_raw", REGISTERED_MODEL)


def inference_pipeline() -> Pipeline:
    """Prices in Yahoo's layout → the training run's validation and repair → the forecast of
    its final forecaster → an answer a program reads. Its datasets live in the namespace
    ``btc_serving``, so a served request never writes over a training run's."""
    steps = Pipeline(
        [
            node(serving.request_provenance, "btc_raw", "btc_raw_provenance", name="describe_btc_request"),
            node(
                nodes.validate_and_repair_prices,
                ["btc_raw", "btc_raw_provenance", "params:btc"],
                ["btc_prices", "btc_validation_report"],
                name="validate_btc_prices",
            ),
            node(forecast.forecast_prices, FORECAST_INPUTS, "btc_forecast", name="forecast_btc_prices"),
            node(serving.forecast_answer, ["btc_forecast", "btc_validation_report", "params:btc"], "btc_answer", name="answer_btc_request"),
        ]
    )
    trained = {"btc_raw", "btc_model", "btc_scaler", "btc_calibration", "btc_baselines", "btc_pool"}
    return pipeline(steps, namespace="btc_serving", inputs=trained, parameters={"params:btc"})


def data_pipeline() -> Pipeline:
    """From the download (or a fallback) to the chronological split; shared with btc_lookback."""
    return Pipeline(
        [
            ingest_node(),
            node(
                nodes.validate_and_repair_prices,
                ["btc_raw", "btc_raw_provenance", "params:btc"],
                ["btc_prices", "btc_validation_report"],
                name="validate_btc_prices",
            ),
            node(nodes.split_prices, ["btc_prices", "params:btc"], ["btc_train_prices", "btc_test_prices"], name="split_btc_prices"),
        ],
        tags="ingest",
    )


def ingest_node():
    """Prices from the download, or a fallback: the first step of training and of btc_forecast."""
    return node(nodes.ingest_prices, ["btc_raw_last_saved", "params:btc"], ["btc_raw", "btc_raw_provenance"], name="ingest_btc_prices")


def model_pipeline() -> Pipeline:
    return Pipeline(
        [
            node(nodes.fit_scaler, ["btc_train_prices", "params:btc"], "btc_scaler", name="fit_btc_scaler", tags="features"),
            node(
                nodes.make_windows,
                ["btc_train_prices", "btc_test_prices", "btc_scaler", "params:btc"],
                "btc_model_input",
                name="make_btc_windows",
                tags="features",
            ),
            node(
                nodes.train_model,
                ["btc_model_input", "params:btc"],
                ["btc_model", "btc_training_history"],
                name="train_btc_model",
                tags="training",
            ),
            node(
                calibration.calibrate_model,
                ["btc_model", "btc_model_input", "btc_scaler", "params:btc"],
                "btc_calibration",
                name="calibrate_btc_model",
                tags="training",
            ),
            node(
                nodes.evaluate_model,
                ["btc_model", "btc_model_input", "btc_scaler", "btc_validation_report", "params:btc"],
                ["btc_predictions", "btc_metrics"],
                name="evaluate_btc_model",
                tags="inference",
            ),
        ]
    )


FORECAST_INPUTS = ["btc_model", "btc_scaler", "btc_calibration", "btc_prices", "btc_baselines", "btc_pool", "params:btc"]


def scoring_pipeline() -> Pipeline:
    """The forecasts as distributions, against the volatility baselines on the same days, and
    the forecast past the last date."""
    shared = ["btc_model", "btc_model_input", "btc_scaler", "btc_calibration", "btc_prices", "btc_baselines", "params:btc"]
    return Pipeline(
        [
            node(members.fit_baselines, ["btc_train_prices", "params:btc"], "btc_baselines", name="fit_btc_baselines"),
            node(
                pool.fit_pool,
                ["btc_model", "btc_model_input", "btc_scaler", "btc_calibration", "btc_train_prices", "btc_prices", "btc_baselines", "params:btc"],
                "btc_pool",
                name="fit_btc_pool",
            ),
            node(
                evaluation.score_one_day,
                [*shared[:-1], "btc_pool", "params:btc"],
                ["btc_distribution_metrics", "btc_one_day_forecasts"],
                name="score_btc_one_day",
            ),
            node(evaluation.backtest_forecasters, [*shared[:-1], "btc_pool", "params:btc"], "btc_backtest", name="backtest_btc_forecasters"),
            node(forecast.forecast_prices, FORECAST_INPUTS, "btc_forecast", name="forecast_btc_prices"),
        ],
        tags="inference",
    )


def reporting_pipeline() -> Pipeline:
    return Pipeline(
        [
            node(plots.plot_split, ["btc_train_prices", "btc_test_prices", "params:btc"], "btc_split_plot", name="plot_btc_split"),
            node(plots.plot_training_loss, ["btc_training_history", "params:btc"], "btc_training_loss_plot", name="plot_btc_training_loss"),
            node(
                plots.plot_predictions,
                ["btc_predictions", "btc_metrics", "params:btc"],
                "btc_predictions_plot",
                name="plot_btc_predictions",
            ),
            node(plots.plot_forecast, ["btc_prices", "btc_forecast", "btc_pool", "params:btc"], "btc_forecast_plot", name="plot_btc_forecast"),
            node(plots.plot_backtest, ["btc_backtest", "params:btc"], "btc_backtest_plot", name="plot_btc_backtest"),
            node(plots.plot_coverage_by_horizon, ["btc_backtest", "params:btc"], "btc_coverage_plot", name="plot_btc_coverage"),
            node(plots.plot_pit, ["btc_one_day_forecasts", "params:btc"], "btc_pit_plot", name="plot_btc_pit"),
            node(plots.plot_one_day_bands, ["btc_one_day_forecasts", "params:btc"], "btc_bands_plot", name="plot_btc_one_day_bands"),
            node(
                report.write_distribution_report,
                ["btc_distribution_metrics", "btc_metrics", "btc_calibration", "btc_pool", "btc_backtest", "params:btc"],
                "btc_distribution_report",
                name="write_btc_distribution_report",
            ),
        ],
        tags="reporting",
    )
