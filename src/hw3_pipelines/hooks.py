"""Cross-cutting run work: parameter checks before a run, a versioned JSON manifest after.

Seeding is not done here: each stochastic node seeds itself from its parameters, so a
node gives the same output however it is run (alone, in a slice, in a notebook).
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from kedro.framework.hooks import hook_impl

from hw3_pipelines.parameters import validate_parameters

PACKAGES = ("kedro", "kedro-datasets", "torch", "numpy", "pandas", "scikit-learn", "yfinance", "hafez")
RAW_LAYER_DIR = "data/01_raw"


class ParameterValidationHooks:
    """Fails a run before its first node when a parameter it uses is malformed."""

    @hook_impl
    def before_pipeline_run(self, pipeline, catalog) -> None:
        sections = {
            name.removeprefix("params:").split(".")[0] for name in pipeline.inputs() if name.startswith("params:")
        }
        validate_parameters(catalog.load("parameters"), sections)


class RunManifestHooks:
    """Writes ``data/09_tracking/run_manifest/<run id>/run_manifest.json`` after each run."""

    def __init__(self) -> None:
        self._node_seconds: dict[str, float] = {}
        self._node_started: dict[str, float] = {}
        self._started = 0.0

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
        project = Path(run_params["project_path"])
        run_id = run_params["run_id"]
        manifest = {
            "run_id": run_id,
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
        path = project / "data" / "09_tracking" / "run_manifest" / str(run_id) / "run_manifest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(path)


def _pipeline_parameters(pipeline, catalog) -> dict[str, Any]:
    names = sorted(name for name in pipeline.inputs() if name.startswith("params:"))
    return {name.removeprefix("params:"): catalog.load(name) for name in names}


def _raw_input_hashes(project: Path, pipeline, catalog) -> dict[str, str]:
    """sha256 of the file each raw-layer dataset of the run read or wrote (newest version)."""
    hashes = {}
    for name in sorted(pipeline.datasets()):
        if name.startswith("params:") or name == "parameters" or name not in catalog:
            continue
        dataset = catalog.get(name)
        if RAW_LAYER_DIR not in str(dataset._describe().get("filepath", "")):
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
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None
