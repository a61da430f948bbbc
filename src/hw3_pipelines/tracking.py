"""Experiment tracking in MLflow, through kedro-mlflow: one MLflow run per ``kedro run``.

kedro-mlflow's hook opens and closes the run, reads ``conf/<env>/mlflow.yml`` and tags the
run with the Kedro command. This subclass changes these things:

- parameters are logged once, at the start, flattened from the validated parameter models
  (``btc.training.epochs``), where the plugin would log each node's ``params:`` input as
  one long string;
- nothing happens at node level: under ParallelRunner and Dask, node hooks run in worker
  processes, where the plugin's hook has no run and would open stray ones
  (kedro-mlflow#624, #689). Results are logged from the driver after the run instead,
  from the files the run saved, so every runner logs the same;
- the run manifest (sha256 of the raw inputs, package versions, device, seconds per
  node, git commit) goes into the run as one artifact, ``run_manifest.json``: the project
  keeps no second bookkeeping beside MLflow;
- a training pipeline bound to its inference pipeline (kedro-mlflow's ``PipelineML``, see
  ``bound_pipelines``) is logged by the plugin as one MLflow model whose artifacts are the datasets the inference reads;
  a versioned dataset is logged as the version this run saved, not its folder of every
  version (see ``_current_versions_only``);
- each run carries its host and process id from its creation (``run_context``), and a run
  starts by closing as KILLED the runs left RUNNING by processes that are gone
  (``close_stale_runs``).

What is logged from a run's outputs: every number in its JSON reports (``btc_metrics``,
``btc_distribution_metrics``, ``hafez_metrics``, ...) as metrics named by their path, the
training histories as per-epoch metric history, figures, models and Markdown reports as
artifacts, and each run of the lookback sweep as a nested run with its lookback, target
and seed, so the MLflow UI can chart relative MAE against lookback.
"""

from __future__ import annotations

import io
import logging
import math
import re
import shutil
import socket
import time
from contextlib import contextmanager, redirect_stderr
from numbers import Real
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory
from typing import Any

import psutil
from kedro.framework.hooks import hook_impl
from kedro.io import AbstractVersionedDataset, Version
from kedro_datasets.json import JSONDataset
from kedro_datasets.matplotlib import MatplotlibDataset
from kedro_datasets.pandas import CSVDataset
from kedro_datasets.text import TextDataset
from pydantic import BaseModel

from hw3_pipelines.datasets import LastSavedDataset, TorchModelDataset
from hw3_pipelines.manifest import run_manifest
from hw3_pipelines.quiet import importing_quietly
from hw3_pipelines.run_context import HOST_TAG, PID_TAG

_configured_level = logging.getLogger("kedro_mlflow").level
with importing_quietly():
    import mlflow
    from kedro_mlflow.framework.hooks.mlflow_hook import MlflowHook
    from kedro_mlflow.pipeline.pipeline_ml import PipelineML
logging.getLogger("kedro_mlflow").setLevel(_configured_level)  # its import sets INFO over conf/logging.yml's WARNING

logger = logging.getLogger(__name__)
HISTORY_SUFFIX = "_training_history"
INVALID_NAME_CHARACTERS = re.compile(r"[^/\w.\- :]")
SWEEP_SUMMARY_SUFFIX = ".summary"


class MlflowTracking(MlflowHook):
    def __init__(self) -> None:
        super().__init__()
        self._node_seconds: dict[str, float] = {}
        self._node_started: dict[str, float] = {}
        self._started = 0.0

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline, catalog) -> None:
        close_stale_runs(self.mlflow_config.tracking.experiment._experiment.experiment_id)
        super().before_pipeline_run(run_params, pipeline, catalog)
        self._node_seconds, self._node_started, self._started = {}, {}, time.perf_counter()
        if self._is_mlflow_enabled:
            mlflow.log_params(flat_parameters(pipeline, catalog))

    @hook_impl
    def before_node_run(self, node, catalog, inputs, is_async) -> None:
        self._node_started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node) -> None:
        self._node_seconds[node.name] = round(time.perf_counter() - self._node_started.pop(node.name, time.perf_counter()), 3)

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], pipeline, catalog) -> None:
        if self._is_mlflow_enabled:
            log_outputs(pipeline, catalog, self.run_id)
            self._log_manifest(run_params, pipeline, catalog, "completed")
        with _current_versions_only(pipeline, catalog), mlflow_events_at_debug():
            super().after_pipeline_run(run_params, pipeline, catalog)

    @hook_impl
    def on_pipeline_error(self, error: Exception, run_params: dict[str, Any], pipeline, catalog) -> None:
        if self._is_mlflow_enabled:
            self._log_manifest(run_params, pipeline, catalog, f"failed: {type(error).__name__}: {error}")
        super().on_pipeline_error(error, run_params, pipeline, catalog)

    def tracks(self) -> bool:
        """Whether this run is tracked (``disable_tracking`` in mlflow.yml can turn it off)."""
        return bool(getattr(self, "_is_mlflow_enabled", False)) and self.run_id is not None

    def registered_versions(self) -> list[tuple[str, str]]:
        """The (model, version) pairs this run registered."""
        found = mlflow.MlflowClient().search_model_versions(f"run_id = '{self.run_id}'")
        return sorted((version.name, str(version.version)) for version in found)

    def tracking_uri(self) -> str:
        return mlflow.get_tracking_uri()

    def _log_manifest(self, run_params: dict[str, Any], pipeline, catalog, status: str) -> None:
        """Never raises: a broken manifest must not hide the error that ended a run."""
        try:
            seconds = round(time.perf_counter() - self._started, 3)
            manifest = run_manifest(run_params, pipeline, catalog, status, seconds, self._node_seconds)
            mlflow.log_dict(manifest, "run_manifest.json")
            mlflow.set_tags({"git_commit": manifest["git_commit"] or "", "device": manifest["device"]})
        except Exception as error:  # noqa: BLE001 - see the docstring
            logger.warning("The run manifest was not logged: %s: %s", type(error).__name__, error)


# MLflow's notice that a pipeline model is pickled, on every registration: the README says
# what is pickled and what loading it trusts.
KNOWN_MLFLOW_NOTICES = ("Passing a Python object as `python_model`",)


@contextmanager
def mlflow_events_at_debug():
    """Within the block, what MLflow prints to stderr while it logs and registers a model
    ("Successfully registered model", "Created version", its pickling notice) goes to this
    module's log at DEBUG, so a run ends in its summary, which names the registered version;
    any other warning or error MLflow prints is logged as a warning."""
    printed = io.StringIO()
    try:
        with redirect_stderr(printed):
            yield
    finally:
        for line in printed.getvalue().splitlines():
            serious = re.search(r"\b(WARNING|ERROR|CRITICAL)\b", line) and not any(notice in line for notice in KNOWN_MLFLOW_NOTICES)
            logger.log(logging.WARNING if serious else logging.DEBUG, "MLflow: %s", line)


@contextmanager
def _current_versions_only(pipeline, catalog):
    """Within the block, each versioned dataset a bound inference pipeline reads points at a
    temporary folder holding the version this run saved alone, pinned to it.

    kedro-mlflow logs an artifact from its dataset's ``_filepath``, which for a versioned
    dataset is the folder of all its versions: every registered model would carry every
    earlier run's models, and the copy would grow with each run. The folder keeps Kedro's
    layout (``<name>/<version>/<name>``, with a model's JSON spec beside its weights), so
    the logged model loads it as it loads any version."""
    if not isinstance(pipeline, PipelineML):
        yield
        return
    datasets = [catalog.get(name) for name in sorted(pipeline.inference.inputs() - {pipeline.input_name})]
    datasets = [dataset.reads if isinstance(dataset, LastSavedDataset) else dataset for dataset in datasets]
    versioned = [dataset for dataset in datasets if isinstance(dataset, AbstractVersionedDataset)]
    kept = [(dataset._filepath, dataset._version) for dataset in versioned]
    with TemporaryDirectory() as folder:
        for k, dataset in enumerate(versioned):
            saved = Path(str(dataset._get_load_path()))  # <filepath>/<version>/<file name>
            copy = Path(folder) / str(k) / saved.name
            shutil.copytree(saved.parent, copy / saved.parent.name)
            dataset._filepath, dataset._version = PurePosixPath(copy), Version(saved.parent.name, None)
        try:
            yield
        finally:
            for dataset, (filepath, version) in zip(versioned, kept):
                dataset._filepath, dataset._version = filepath, version


def is_registered(model_name: str, version: str | int) -> bool:
    """Whether the registry holds ``model_name`` at ``version`` (``latest``: any version; an
    alias or a version number otherwise)."""
    client = mlflow.MlflowClient()
    try:
        if str(version) == "latest":
            return bool(client.search_model_versions(f"name = '{model_name}'", max_results=1))
        if str(version).isdigit():
            client.get_model_version(model_name, str(version))
        else:
            client.get_model_version_by_alias(model_name, str(version))
    except mlflow.exceptions.MlflowException:
        return False
    return True


def close_stale_runs(experiment_id: str) -> list[str]:
    """Close as KILLED every run of the experiment that is still RUNNING although the process
    that started it on this machine is gone (a SIGKILL, a closed laptop: no hook runs then),
    so that no half-trained model stays on offer. A run says its process in two tags; a
    process with its pid that started after the run is another one (pids are reused).
    Runs of other machines, and runs without the tags, are left as they are."""
    client = mlflow.MlflowClient()
    closed = []
    for run in client.search_runs([experiment_id], "attributes.status = 'RUNNING'"):
        tags = run.data.tags
        if tags.get(HOST_TAG) != socket.gethostname() or not tags.get(PID_TAG, "").isdigit():
            continue
        if not _running_since(int(tags[PID_TAG]), run.info.start_time / 1000):
            client.set_terminated(run.info.run_id, "KILLED")
            logger.info("MLflow run %s was left RUNNING by a process that is gone: closed as KILLED.", run.info.run_id)
            closed.append(run.info.run_id)
    return closed


def _running_since(pid: int, started: float) -> bool:
    try:
        return psutil.Process(pid).create_time() <= started + 1
    except psutil.NoSuchProcess:
        return False


def close_open_runs(status: str) -> None:
    """End every MLflow run this process left open with ``status`` (FAILED, KILLED).

    kedro-mlflow closes its run as FAILED when a node fails, but not when the run stops
    before the first node or on Ctrl-C (Kedro calls no hook then); MLflow itself would
    close it as FINISHED at exit.
    """
    while mlflow.active_run() is not None:
        logger.info("MLflow run %s ended as %s.", mlflow.active_run().info.run_id, status)
        mlflow.end_run(status)


def flat_parameters(pipeline, catalog) -> dict[str, Any]:
    """Every parameter the pipeline reads, one MLflow parameter per leaf: ``btc.model.cell``."""
    names = sorted(name for name in pipeline.inputs() if name.startswith("params:"))
    values = {name.removeprefix("params:"): catalog.get(name).load() for name in names}
    return dict(_leaves({k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in values.items()}))


def _leaves(value: Any, prefix: str = ""):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, value


def metric_leaves(report: dict, prefix: str) -> dict[str, float]:
    """The finite numbers of a JSON report, named by their path (booleans are not metrics);
    characters MLflow refuses in a name, such as GARCH's ``alpha[1]``, become ``_``."""
    return {
        INVALID_NAME_CHARACTERS.sub("_", name): float(value)
        for name, value in _leaves(report, prefix)
        if isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    }


def log_outputs(pipeline, catalog, run_id: str) -> None:
    """Log what the run saved into run ``run_id``, reading it back from the catalog in this
    (the driver) process."""
    summaries = []
    for name in sorted(pipeline.all_outputs()):
        dataset = catalog.get(name)
        if name.endswith(SWEEP_SUMMARY_SUFFIX):
            summaries.append(catalog.get(name).load())
        elif isinstance(dataset, JSONDataset):
            mlflow.log_metrics(metric_leaves(catalog.get(name).load(), name))
        elif isinstance(dataset, CSVDataset) and name.endswith(HISTORY_SUFFIX):
            _log_history(catalog.get(name).load(), name.removesuffix(HISTORY_SUFFIX))
        elif isinstance(dataset, (MatplotlibDataset, TextDataset, TorchModelDataset)):
            _log_files(dataset, name)
    for summary in summaries:
        _log_sweep_run(summary, run_id)


def _log_history(history, prefix: str) -> None:
    for row in history.itertuples():
        for column in ("train_loss", "val_loss", "val_loss_raw"):
            if hasattr(row, column):
                mlflow.log_metric(f"{prefix}.{column}", float(getattr(row, column)), step=int(row.epoch))


def _log_files(dataset, name: str) -> None:
    path = Path(str(dataset._get_load_path()))
    for file in sorted(path.parent.glob(path.name + "*")):  # a model's weights and its JSON spec
        mlflow.log_artifact(str(file), artifact_path=name)


def _log_sweep_run(summary: dict, parent_run_id: str) -> None:
    tags = {key: summary[key] for key in ("target", "lookback", "seed")}
    name = "lookback_{lookback}_{target}_seed_{seed}".format(**tags)
    with mlflow.start_run(run_name=name, nested=True, parent_run_id=parent_run_id):
        mlflow.log_params(tags)
        mlflow.log_metrics({key: float(value) for key, value in summary.items() if key not in tags and isinstance(value, Real)})
