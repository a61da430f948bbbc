"""The lookback sweep: one namespaced run per (target, lookback, seed), then the comparison.

The grid is ``LOOKBACK_SWEEP_GRID`` in ``settings.py``: Kedro builds pipelines before it
reads parameters, so what shapes the pipeline is a setting (Kedro's dynamic-pipeline
pattern); epochs and every btc setting come from parameters. Each run is one node, so a
runner can place runs on different workers; only its summary, a JSON file, leaves it.
One run alone: ``kedro run --pipeline btc_lookback --namespaces lookback_60_price_seed_42``
after a full run has written the shared split.
"""

from functools import partial, update_wrapper

from kedro.pipeline import Pipeline, node, pipeline

from hw3_pipelines import settings
from hw3_pipelines.pipelines.btc.pipeline import data_pipeline
from hw3_pipelines.pipelines.btc_lookback import nodes


def namespace(target: str, lookback: int, seed: int) -> str:
    return f"lookback_{lookback}_{target}_seed_{seed}"


def one_run(target: str, lookback: int, seed: int) -> Pipeline:
    run = update_wrapper(partial(nodes.run_experiment, lookback=lookback, target=target, seed=seed), nodes.run_experiment)
    template = Pipeline(
        [
            node(
                run,
                ["btc_train_prices", "btc_test_prices", "btc_validation_report", "params:btc", "params:btc_lookback"],
                "summary",
                name="run",
                tags="training",
            )
        ]
    )
    return pipeline(
        template,
        namespace=namespace(target, lookback, seed),
        inputs={"btc_train_prices", "btc_test_prices", "btc_validation_report"},
        parameters={"params:btc", "params:btc_lookback"},
    )


def create_pipeline(**kwargs) -> Pipeline:
    grid = settings.LOOKBACK_SWEEP_GRID
    cells = [(t, lb, s) for t in grid["targets"] for lb in grid["lookbacks"] for s in grid["seeds"]]
    report = Pipeline(
        [
            node(nodes.tabulate_runs, [f"{namespace(*cell)}.summary" for cell in cells], "btc_lookback_runs", name="tabulate_lookback_runs"),
            node(nodes.summarize_across_seeds, "btc_lookback_runs", "btc_lookback_table", name="summarize_lookback_sweep"),
            node(nodes.plot_sweep, ["btc_lookback_table", "params:btc_lookback"], "btc_lookback_plot", name="plot_lookback_sweep"),
            node(nodes.write_report, ["btc_lookback_table", "params:btc_lookback"], "btc_lookback_report", name="write_lookback_report"),
        ],
        tags="reporting",
    )
    return data_pipeline() + sum((one_run(*cell) for cell in cells), Pipeline([])) + report
