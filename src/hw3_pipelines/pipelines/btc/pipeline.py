"""Wiring of the btc pipeline: raw snapshot → validated prices → windows → model → reports."""

from kedro.pipeline import Pipeline, node

from hw3_pipelines.pipelines.btc import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(nodes.ingest_prices, "params:btc.ingest", "btc_raw", name="ingest_btc_prices", tags="ingest"),
            node(
                nodes.validate_prices,
                ["btc_raw", "params:btc.validation"],
                ["btc_prices", "btc_validation_report"],
                name="validate_btc_prices",
                tags="ingest",
            ),
            node(
                nodes.split_prices,
                ["btc_prices", "params:btc"],
                ["btc_train_prices", "btc_test_prices", "btc_split_plot"],
                name="split_btc_prices",
                tags="features",
            ),
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
                ["btc_model", "btc_training_history", "btc_training_loss_plot"],
                name="train_btc_model",
                tags="training",
            ),
            node(
                nodes.evaluate_model,
                ["btc_model", "btc_model_input", "btc_scaler", "params:btc"],
                ["btc_predictions", "btc_metrics", "btc_predictions_plot"],
                name="evaluate_btc_model",
                tags="inference",
            ),
            node(
                nodes.forecast,
                ["btc_model", "btc_prices", "btc_scaler", "btc_model_input", "params:btc"],
                ["btc_forecast", "btc_forecast_plot"],
                name="forecast_btc_prices",
                tags="inference",
            ),
            node(
                nodes.backtest,
                ["btc_model", "btc_model_input", "btc_scaler", "params:btc"],
                ["btc_backtest", "btc_backtest_plot"],
                name="backtest_btc_model",
                tags="inference",
            ),
        ]
    )
