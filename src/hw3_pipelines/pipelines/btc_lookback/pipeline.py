"""The lookback sweep: one namespaced modular pipeline per (target, lookback).

Kedro builds pipelines before it reads parameters, so the grid is fixed here (and shown
as namespaces in kedro-viz); epochs and everything else come from parameters. One run
of the sweep alone: ``kedro run --pipeline btc_lookback --namespaces lookback_60_price``
after a full run has written the shared split. The runs draw no figures: the sweep's
product is the comparison.
"""

from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node, pipeline

from hw3_pipelines.forecasting.windows import TARGETS
from hw3_pipelines.pipelines.btc import nodes as btc
from hw3_pipelines.pipelines.btc.pipeline import data_pipeline
from hw3_pipelines.pipelines.btc_lookback import nodes

LOOKBACKS = (5, 10, 20, 30, 60, 90, 120)


def namespace(target: str, lookback: int) -> str:
    return f"lookback_{lookback}_{target}"


def one_run(target: str, lookback: int) -> Pipeline:
    settings = update_wrapper(partial(nodes.run_settings, lookback=lookback, target=target), nodes.run_settings)
    template = Pipeline(
        [
            node(settings, ["params:btc", "params:btc_lookback"], "settings", name="settings"),
            node(btc.fit_scaler, ["btc_train_prices", "settings"], "scaler", name="fit_scaler"),
            node(btc.make_windows, ["btc_train_prices", "btc_test_prices", "scaler", "settings"], "model_input", name="make_windows"),
            node(btc.train_model, ["model_input", "settings"], ["model", "history"], name="train", tags="training"),
            node(
                btc.evaluate_model,
                ["model", "model_input", "scaler", "btc_validation_report", "settings"],
                ["predictions", "metrics"],
                name="evaluate",
                tags="inference",
            ),
            node(nodes.summarize_run, ["metrics", "predictions", "history", "model_input"], "summary", name="summarize"),
        ]
    )
    return pipeline(
        template,
        namespace=namespace(target, lookback),
        inputs={"btc_train_prices", "btc_test_prices", "btc_validation_report"},
        parameters={"params:btc", "params:btc_lookback"},
    )


def create_pipeline(**kwargs) -> Pipeline:
    runs = [one_run(target, lookback) for target in TARGETS for lookback in LOOKBACKS]
    summaries = [f"{namespace(target, lookback)}.summary" for target in TARGETS for lookback in LOOKBACKS]
    report = Pipeline(
        [
            node(nodes.tabulate, summaries, "btc_lookback_table", name="tabulate_lookback_sweep"),
            node(nodes.plot_sweep, ["btc_lookback_table", "params:btc_lookback"], "btc_lookback_plot", name="plot_lookback_sweep"),
            node(
                nodes.write_report,
                ["btc_lookback_table", "params:btc_lookback"],
                "btc_lookback_report",
                name="write_lookback_report",
            ),
        ],
        tags="reporting",
    )
    return data_pipeline() + sum(runs, Pipeline([])) + report
