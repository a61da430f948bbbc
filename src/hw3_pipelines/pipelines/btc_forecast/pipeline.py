"""Wiring of btc_forecast: the prices as the btc pipeline ingests them, answered by the
registered ``btc_forecaster`` (the newest version unless the catalog pins another)."""

from kedro.pipeline import Pipeline, node

from hw3_pipelines.bound_pipelines import ask
from hw3_pipelines.pipelines.btc.pipeline import ingest_node


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            ingest_node(),
            node(ask, ["btc_forecaster", "btc_raw"], "btc_served_forecast", name="ask_btc_forecaster"),
        ],
        tags="inference",
    )
