"""The rolling evaluation: one namespaced refit per cutoff, then the periods side by side.

The cutoffs are ``ROLLING_EVALUATION`` in ``settings.py``: Kedro builds pipelines before it
reads parameters, so what shapes the pipeline is a setting (as the lookback sweep's grid).
Each refit is one node, so any runner (sequential, ``ParallelRunner``, ``DaskRunner``)
places refits on different workers; only its summary and two tables leave it.
One period alone, once a run has written ``btc_prices``: ``kedro run --pipeline btc_rolling
--namespaces rolling_2019_01``.
"""

from functools import partial, update_wrapper

import pandas as pd
from kedro.pipeline import Pipeline, node, pipeline

from hw3_pipelines import settings
from hw3_pipelines.pipelines.btc.pipeline import data_pipeline
from hw3_pipelines.pipelines.btc_rolling import nodes, report


def cutoffs() -> list[str]:
    """Every ``months`` months from ``first`` to ``last`` (ISO dates)."""
    rolling = settings.ROLLING_EVALUATION
    dates = pd.date_range(rolling["first"], rolling["last"], freq=pd.DateOffset(months=rolling["months"]))
    return [date.strftime("%Y-%m-%d") for date in dates]


def namespace(cutoff: str) -> str:
    return "rolling_" + cutoff[:7].replace("-", "_")


def one_period(cutoff: str) -> Pipeline:
    refit = update_wrapper(partial(nodes.refit_and_score, cutoff=cutoff, months=settings.ROLLING_EVALUATION["months"]), nodes.refit_and_score)
    template = Pipeline(
        [node(refit, ["btc_prices", "params:btc", "params:btc_rolling"], ["refit", "one_day", "origins"], name="refit_and_score", tags="training")]
    )
    return pipeline(template, namespace=namespace(cutoff), inputs={"btc_prices"}, parameters={"params:btc", "params:btc_rolling"})


def create_pipeline(**kwargs) -> Pipeline:
    periods = [namespace(cutoff) for cutoff in cutoffs()]
    prices = data_pipeline().only_nodes("ingest_btc_prices", "validate_btc_prices")
    report_nodes = Pipeline(
        [
            node(nodes.collect, [f"{p}.one_day" for p in periods], "btc_rolling_one_day", name="collect_rolling_one_day"),
            node(nodes.collect, [f"{p}.origins" for p in periods], "btc_rolling_origins", name="collect_rolling_origins"),
            node(nodes.tabulate_periods, ["btc_rolling_one_day", "btc_rolling_origins", "params:btc"], "btc_rolling_periods",
                 name="tabulate_rolling_periods"),
            node(nodes.pool_periods, ["btc_rolling_periods", "btc_rolling_one_day", "btc_rolling_origins", "params:btc", "params:btc_rolling"],
                 "btc_rolling_pooled", name="pool_rolling_periods"),
            node(report.plot_periods, ["btc_rolling_periods", "params:btc"], "btc_rolling_plot", name="plot_rolling_periods"),
            node(report.write_report, ["btc_rolling_periods", "btc_rolling_pooled", "params:btc", *[f"{p}.refit" for p in periods]],
                 "btc_rolling_report", name="write_rolling_report"),
        ],
        tags="reporting",
    )
    return prices + sum((one_period(cutoff) for cutoff in cutoffs()), Pipeline([])) + report_nodes
