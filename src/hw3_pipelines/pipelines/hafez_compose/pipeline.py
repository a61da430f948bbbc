"""Wiring of hafez_compose: ``hafez.sample``'s request, answered by the registered
``hafez_poet`` (the newest version unless the catalog pins another)."""

from kedro.pipeline import Pipeline, node

from hw3_pipelines.bound_pipelines import ask
from hw3_pipelines.pipelines.hafez_compose import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(nodes.request_from_parameters, "params:hafez", "hafez_compose_request", name="ask_for_a_ghazal"),
            node(ask, ["hafez_poet", "hafez_compose_request"], "hafez_composed_ghazal", name="ask_hafez_poet"),
        ],
        tags="inference",
    )
