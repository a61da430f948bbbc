"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline


def register_pipelines() -> dict[str, Pipeline]:
    """Register every pipeline under its folder name.

    There is no ``__default__`` sum: each pipeline is a separate job with its own cost
    (the btc and hafez pipelines each train a model), so a bare ``kedro run`` should not
    silently start all of them. ``__default__`` points at the btc pipeline, the main job.
    Kedro loads only the pipelines a run asks for, so btc may be absent from the mapping.
    """
    pipelines = find_pipelines(raise_errors=True)
    if "btc" in pipelines:
        pipelines["__default__"] = pipelines["btc"]
    return pipelines
