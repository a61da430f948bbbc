"""Cross-cutting run work: every input of a run provided before its first node, and the
summary every run ends with.

Seeding is not done here: each stochastic node seeds itself from its parameters, so a node
gives the same output however it is run (alone, in a slice, in a notebook). Parameters are
validated by Kedro itself against ``parameters.py``; tracking is ``tracking.py``.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io.core import VERSION_FORMAT
from kedro.runner import SequentialRunner
from kedro.validation.parameter_validator import ParameterValidator

from hw3_pipelines.errors import MissingInputError
from hw3_pipelines.pipeline_registry import build_pipeline, registering_hint, writers_of
from hw3_pipelines.quiet import importing_quietly
from hw3_pipelines.summary import HEADLINES, run_summary
from hw3_pipelines.tracking import is_registered

with importing_quietly():
    from kedro_mlflow.io.models import MlflowModelRegistryDataset

logger = logging.getLogger(__name__)


class MissingInputHooks:
    """Before a run's first node, every input it reads must exist. A whole pipeline first
    runs the pipelines that write what is missing, saying so and how long they took: on a
    fresh clone ``kedro run --pipeline hafez`` trains the metre judge first, and later runs
    reuse it. A slice of a pipeline (``--nodes``, ``--namespaces``, ...), an input no
    pipeline writes, and a registered model the registry lacks (the inference pipelines')
    stop the run, naming what to run first."""

    @hook_impl
    def after_context_created(self, context) -> None:
        self._context = context

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline, catalog) -> None:
        versions = _versions_before(run_params["run_id"])
        _provide_inputs(pipeline, run_params, catalog, lambda: self._context._get_catalog(save_version=next(versions)), ran=set())


def _versions_before(run_version: str) -> Iterator[str]:
    """Save versions for the runs of prerequisites: from a second before the run's own, a
    millisecond apart in the order they run. So each run, the asking one last, saves the
    newest version of what it writes and loads back its own, where two share nodes (the
    Divan's cleaning)."""
    start = datetime.strptime(run_version, VERSION_FORMAT) - timedelta(seconds=1)
    for k in itertools.count():
        stamp = (start + timedelta(milliseconds=k)).strftime(VERSION_FORMAT)
        yield stamp[:-4] + stamp[-1:]  # milliseconds, as Kedro's generate_timestamp


SLICING = ("tags", "node_names", "from_nodes", "to_nodes", "from_inputs", "to_outputs", "namespaces")


def _provide_inputs(pipeline, run_params: dict[str, Any], catalog, new_catalog: Callable[[], Any], ran: set[str]) -> None:
    """Run the writer of each missing input of ``pipeline`` (its own missing inputs first),
    or raise ``MissingInputError`` where none may run. A writer runs on a catalog of its own
    (``new_catalog``) with an earlier save version than the run's: the two may share nodes,
    and one version cannot be saved twice."""
    for name in sorted(pipeline.inputs()):
        if name.startswith("params:") or name == "parameters":
            continue
        dataset = catalog.get(name)
        if isinstance(dataset, MlflowModelRegistryDataset):
            _check_registered(dataset, run_params)
            continue
        if catalog.exists(name) or getattr(dataset, "optional", False):
            continue  # an optional input: the node that reads it decides whether it is needed
        writers = writers_of(getattr(dataset, "of", None) or name) if dataset is not None else []
        if not writers or writers[0] in ran or any(run_params.get(key) for key in SLICING):
            raise MissingInputError(_missing_input_message(name, run_params, dataset))
        writer = writers[0]
        ran.add(writer)
        prerequisite = build_pipeline(writer)
        _provide_inputs(prerequisite, run_params, catalog, new_catalog, ran)
        running = ", ".join(run_params.get("pipeline_names") or []) or "this run"
        logger.info("%s needs %s, which no earlier run has written: running `kedro run --pipeline %s` first, once; "
                    "later runs reuse what it writes.", running, name, writer)
        started = time.perf_counter()
        own = new_catalog()
        _validate_parameters(writer, prerequisite, own)
        SequentialRunner().run(prerequisite, own)
        logger.info("%s done in %s; now %s.", writer, _duration(time.perf_counter() - started), running)


def _validate_parameters(name: str, pipeline, catalog) -> None:
    """Kedro validates the parameters of the run's own pipelines only: the prerequisite's
    are validated here the same way, by its nodes' type hints, and put in the catalog."""
    validated = ParameterValidator({name: pipeline}).validate_raw_params(catalog.load("parameters"))
    for dataset in pipeline.inputs():
        if dataset.startswith("params:"):
            value = validated
            for key in dataset.removeprefix("params:").split("."):
                value = value[key] if isinstance(value, dict) else getattr(value, key)
            catalog.save(dataset, value)  # into the parameter's MemoryDataset: replacing it, Kedro would warn


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


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
