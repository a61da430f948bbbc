"""What MLflow does not record about a run and a rerun needs: the exact raw inputs
(sha256), package versions, device, git commit, seconds per node."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

PACKAGES = ("kedro", "kedro-datasets", "kedro-mlflow", "mlflow", "torch", "numpy", "pandas", "scikit-learn", "arch", "yfinance", "hafez")
RAW_LAYER_DIR = "01_raw"


def run_manifest(
    run_params: dict[str, Any], pipeline, catalog, status: str, wall_seconds: float, node_seconds: dict[str, float]
) -> dict[str, Any]:
    project = Path(run_params["project_path"])
    return {
        "run_id": run_params["run_id"],
        "status": status,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "pipelines": run_params.get("pipeline_names"),
        "env": run_params.get("env"),
        "runtime_params": run_params.get("runtime_params") or {},
        "raw_inputs_sha256": raw_input_hashes(project, pipeline, catalog),
        "packages": {name: _version(name) for name in PACKAGES},
        "python": platform.python_version(),
        "git_commit": _git_commit(project),
        "device": "cuda: " + torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
        "torch_threads": torch.get_num_threads(),
        "wall_seconds": wall_seconds,
        "node_seconds": node_seconds,
    }


def raw_input_hashes(project: Path, pipeline, catalog) -> dict[str, str]:
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
