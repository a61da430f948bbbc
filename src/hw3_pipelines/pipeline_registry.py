"""Project pipelines: one per folder of ``pipelines/``."""

from __future__ import annotations

import importlib
import pkgutil

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

from hw3_pipelines import pipelines as pipeline_package


def register_pipelines() -> dict[str, Pipeline]:
    """Register every pipeline under its folder name.

    ``__default__`` is the btc pipeline, the main job, not the sum of all: the btc and
    hafez pipelines each train a model, so a bare ``kedro run`` should not silently start
    all of them. Kedro loads only the pipelines a run asks for, so btc may be absent.
    """
    pipelines = find_pipelines(raise_errors=True)
    if "btc" in pipelines:
        pipelines["__default__"] = pipelines["btc"]
    return pipelines


def pipeline_names() -> list[str]:
    """The registered pipelines' names, without importing them."""
    return sorted(module.name for module in pkgutil.iter_modules(pipeline_package.__path__) if module.ispkg)


def build_pipeline(name: str) -> Pipeline:
    """The pipeline registered as ``name``, built from its folder."""
    return importlib.import_module(f"{pipeline_package.__name__}.{name}").create_pipeline()


def writers_of(dataset: str) -> list[str]:
    """The pipelines that write ``dataset``, or register a model of that name, smallest first
    (Kedro's registry holds only the pipelines of the current run, so each is built here)."""
    writers = []
    for name in pipeline_names():
        pipe = build_pipeline(name)
        registers = getattr(pipe, "log_model_kwargs", {}).get("registered_model_name")
        if dataset in pipe.all_outputs() or dataset == registers:
            writers.append((len(pipe.nodes), name))
    return [name for _, name in sorted(writers)]


def registering_hint(model_name: str, env: str | None) -> str:
    """What to run so that the registry holds ``model_name``."""
    trainers = writers_of(model_name)
    return f"run `kedro run --pipeline {trainers[0]}{f' --env {env}' if env else ''}` first" if trainers else "no pipeline registers it"
