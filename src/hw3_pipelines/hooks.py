"""Cross-cutting run work: a check that every input of a run exists before its first node,
and the summary every run ends with.

Seeding is not done here: each stochastic node seeds itself from its parameters, so a node
gives the same output however it is run (alone, in a slice, in a notebook). Parameters are
validated by Kedro itself against ``parameters.py``; tracking is ``tracking.py``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl

from hw3_pipelines.errors import MissingInputError
from hw3_pipelines.pipeline_registry import registering_hint, writers_of
from hw3_pipelines.quiet import importing_quietly
from hw3_pipelines.summary import HEADLINES, run_summary
from hw3_pipelines.tracking import is_registered

with importing_quietly():
    from kedro_mlflow.io.models import MlflowModelRegistryDataset

logger = logging.getLogger(__name__)


class MissingInputHooks:
    """Stops a run before its first node when an input was never written, naming the
    pipeline that writes it (e.g. ``hafez_sample`` before any ``hafez`` run)."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline, catalog) -> None:
        for name in sorted(pipeline.inputs()):
            if name.startswith("params:") or name == "parameters":
                continue
            if isinstance(catalog.get(name), MlflowModelRegistryDataset):
                _check_registered(catalog.get(name), run_params)
                continue
            if catalog.exists(name):
                continue
            if getattr(catalog.get(name), "optional", False):
                continue  # the node that reads it decides whether it is needed
            raise MissingInputError(_missing_input_message(name, run_params, catalog.get(name)))


def _check_registered(dataset: MlflowModelRegistryDataset, run_params: dict[str, Any]) -> None:
    """A registered model is no file: ask the registry, and name the run that registers it."""
    if is_registered(dataset.model_name, dataset.alias or dataset.stage_or_version):
        return
    running = ", ".join(run_params.get("pipeline_names") or []) or "this run"
    hint = registering_hint(dataset.model_name, run_params.get("env"))
    raise MissingInputError(f"{running} needs the registered model {dataset.model_uri}, which the registry does not hold: {hint}")


def _missing_input_message(name: str, run_params: dict[str, Any], dataset) -> str:
    running = ", ".join(run_params.get("pipeline_names") or []) or "this run"
    env = f" --env {run_params['env']}" if run_params.get("env") else ""
    if dataset is None:
        return f"{running} needs {name}, which lives in memory only: run the whole pipeline that makes it"
    writers = writers_of(getattr(dataset, "of", None) or name)
    if not writers:
        return f"{running} needs {name}, which no pipeline writes"
    return f"{running} needs {name}, which no earlier run has written: run `kedro run --pipeline {writers[0]}{env}` first"


class RunSummaryHooks:
    """Ends every successful run with its headline figures, where its outputs are and its
    MLflow run (``summary.run_summary``); registered first, so it runs after the others."""

    def __init__(self, tracking) -> None:
        self._tracking = tracking

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], pipeline, catalog) -> None:
        outputs = pipeline.all_outputs()
        headline = {name: catalog.get(name).load() for name in {dataset for dataset, _, _ in HEADLINES} & outputs}
        saved = {name: path for name in sorted(outputs) if (path := _saved_path(catalog.get(name))) is not None}
        tracked = self._tracking.tracks()
        mlflow_run, registered = (self._tracking.run_id, self._tracking.registered_versions()) if tracked else (None, [])
        for line in run_summary(headline, saved, mlflow_run, self._tracking.tracking_uri(), registered):
            logger.info(line)


def _saved_path(dataset) -> Path | None:
    """The file a dataset of this run saved, relative to the project when it lies inside."""
    try:
        path = Path(str(dataset._get_load_path()))
    except AttributeError:
        return None
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
