"""Cross-cutting run work: a check that every input exists before a run, a manifest after.

Seeding is not done here: each stochastic node seeds itself from its parameters, so a
node gives the same output however it is run (alone, in a slice, in a notebook).
Parameters are validated by Kedro itself, against the models in ``parameters.py``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import subprocess
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from kedro.framework.hooks import hook_impl
from pydantic import BaseModel

from hw3_pipelines.datasets import write_atomically
from hw3_pipelines.errors import MissingInputError
from hw3_pipelines.pipeline_registry import writers_of

logger = logging.getLogger(__name__)

PACKAGES = ("kedro", "kedro-datasets", "torch", "numpy", "pandas", "scikit-learn", "yfinance", "hafez")
RAW_LAYER_DIR = "01_raw"


class MissingInputHooks:
    """Stops a run before its first node when an input was never written, naming the
    pipeline that writes it (e.g. ``hafez_sample`` before any ``hafez`` run)."""

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline, catalog) -> None:
        for name in sorted(pipeline.inputs()):
            if name.startswith("params:") or name == "parameters" or catalog.exists(name):
                continue
            raise MissingInputError(_missing_input_message(name, run_params, catalog.get(name) is not None))


def _missing_input_message(name: str, run_params: dict[str, Any], persisted: bool) -> str:
    running = ", ".join(run_params.get("pipeline_names") or []) or "this run"
    env = f" --env {run_params['env']}" if run_params.get("env") else ""
    if not persisted:
        return f"{running} needs {name}, which lives in memory only: run the whole pipeline that makes it"
    writers = writers_of(name)
    if not writers:
        return f"{running} needs {name}, which no pipeline writes"
    return f"{running} needs {name}, which no earlier run has written: run `kedro run --pipeline {writers[0]}{env}` first"


class RunManifestHooks:
    """Writes ``<data root>/09_tracking/run_manifest/<run id>/run_manifest.json`` after each run,
    failed runs included. Writing it never raises: a broken manifest must not hide the
    error that ended the run."""

    def __init__(self) -> None:
        self._node_seconds: dict[str, float] = {}
        self._node_started: dict[str, float] = {}
        self._started = 0.0
        self._data_root = "data"

    @hook_impl
    def after_context_created(self, context) -> None:
        """Manifests go under the environment's data root, beside the run's outputs."""
        self._data_root = context.config_loader["globals"].get("data_root", "data")

    @hook_impl
    def before_pipeline_run(self, run_params: dict[str, Any]) -> None:
        self._node_seconds, self._node_started = {}, {}
        self._started = time.perf_counter()

    @hook_impl
    def before_node_run(self, node) -> None:
        self._node_started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node) -> None:
        self._node_seconds[node.name] = round(time.perf_counter() - self._node_started[node.name], 3)

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], pipeline, catalog) -> None:
        self._write(run_params, pipeline, catalog, status="completed")

    @hook_impl
    def on_pipeline_error(self, error: Exception, run_params: dict[str, Any], pipeline, catalog) -> None:
        self._write(run_params, pipeline, catalog, status=f"failed: {type(error).__name__}: {error}")

    def _write(self, run_params: dict[str, Any], pipeline, catalog, status: str) -> None:
        try:
            project = Path(run_params["project_path"])
            manifest = self._manifest(project, run_params, pipeline, catalog, status)
            path = project / self._data_root / "09_tracking" / "run_manifest" / str(run_params["run_id"]) / "run_manifest.json"
            text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
            write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        except Exception as error:  # noqa: BLE001 - see the class docstring
            logger.warning("The run manifest was not written: %s: %s", type(error).__name__, error)

    def _manifest(self, project: Path, run_params: dict[str, Any], pipeline, catalog, status: str) -> dict:
        return {
            "run_id": run_params["run_id"],
            "status": status,
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "pipelines": run_params.get("pipeline_names"),
            "env": run_params.get("env"),
            "runtime_params": run_params.get("runtime_params") or {},
            "parameters": _pipeline_parameters(pipeline, catalog),
            "raw_inputs_sha256": _raw_input_hashes(project, pipeline, catalog),
            "packages": {name: _version(name) for name in PACKAGES},
            "python": platform.python_version(),
            "git_commit": _git_commit(project),
            "device": "cuda: " + torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
            "torch_threads": torch.get_num_threads(),
            "wall_seconds": round(time.perf_counter() - self._started, 3),
            "node_seconds": self._node_seconds,
        }


def _pipeline_parameters(pipeline, catalog) -> dict[str, Any]:
    names = sorted(name for name in pipeline.inputs() if name.startswith("params:"))
    values = {name.removeprefix("params:"): catalog.load(name) for name in names}
    return {key: value.model_dump() if isinstance(value, BaseModel) else value for key, value in values.items()}


def _raw_input_hashes(project: Path, pipeline, catalog) -> dict[str, str]:
    """sha256 of the newest file of each raw-layer dataset the run read or wrote."""
    hashes = {}
    for name in sorted(pipeline.datasets()):
        dataset = None if name.startswith("params:") or name == "parameters" else catalog.get(name)
        filepath = str((dataset._describe() if dataset is not None else {}).get("filepath", ""))
        if RAW_LAYER_DIR not in filepath or not dataset.exists():
            continue
        path = Path(str(dataset._get_load_path()))
        path = path if path.is_absolute() else project / path
        if path.is_file():
            hashes[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit(project: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None
