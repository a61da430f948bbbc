"""Wiring of btc_forecast: the prices as the btc pipeline ingests them, answered by the
registered ``btc_forecaster`` (the newest version unless the catalog pins another)."""

from kedro.pipeline import Pipeline, node

from hw3_pipelines.bound_pipelines import ask
from hw3_pipelines.pipelines.btc import nodes as btc_nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(
                btc_nodes.ingest_prices,
                ["btc_raw_last_saved", "params:btc"],
                ["btc_raw", "btc_raw_provenance"],
                name="ingest_btc_prices",
            ),
            node(ask, ["btc_forecaster", "btc_raw"], "btc_served_forecast", name="ask_btc_forecaster"),
        ],
        tags="inference",
    )
