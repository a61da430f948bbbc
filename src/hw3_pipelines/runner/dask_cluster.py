"""The project's Dask settings, and the checks a run makes on a cluster before its first task.

Without the checks a misconfigured cluster fails late and forever: a worker that advertises an
address nobody can connect to (``--listen-address tcp://127.0.0.1:0``) computes its tasks, and
Dask's client then retries gathering their results without end. Dask's own settings bound the
rest: ``distributed.scheduler.allowed-failures`` (a task whose worker dies that often fails
with ``KilledWorker``) and ``distributed.comm.timeouts.connect`` (how long a connection may
take, 30 s by default).
"""

from __future__ import annotations

import logging
import os
from importlib.resources import files

import dask.config
import yaml
from distributed import Client

from hw3_pipelines.errors import ProjectError

logger = logging.getLogger(__name__)
SETTINGS_FILE = files("hw3_pipelines.runner") / "dask.yaml"
PRE_SPAWN_ENVIRON = "distributed.nanny.pre-spawn-environ"
WORKER_WAIT_SECONDS = 60


class ClusterError(ProjectError):
    """The Dask cluster cannot run the pipeline as it is set up."""


def project_settings() -> dict:
    """``dask.yaml`` as one dict of dotted keys, the form ``dask.config.set`` takes."""
    return _flatten(yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8")))


def _flatten(tree: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def worker_settings() -> dict:
    """What a worker process runs with, for each key of ``dask.yaml``: the environment
    variable for the nanny's pre-spawn ones, Dask's configuration for the others."""
    return {
        key: os.environ.get(key.removeprefix(f"{PRE_SPAWN_ENVIRON}."))
        if key.startswith(f"{PRE_SPAWN_ENVIRON}.")
        else dask.config.get(key)
        for key in project_settings()
    }


def connect(address: str, **client_args) -> Client:
    try:
        return Client(address, **client_args)
    except OSError as error:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} ({error}); check that `dask scheduler` runs there "
            f"and that this machine can connect to its port"
        ) from None


def check_workers(client: Client, wait_seconds: float = WORKER_WAIT_SECONDS) -> None:
    """At least one worker, every worker reachable from the scheduler, and a warning naming
    the workers that run without the project's settings."""
    address = client.scheduler.address
    try:
        client.wait_for_workers(1, timeout=wait_seconds)
    except TimeoutError:
        raise ClusterError(
            f"no Dask worker joined the scheduler at {address} within {wait_seconds:g} s; "
            f"start one with `dask worker {address} --host THIS_WORKERS_ADDRESS --nthreads 1`"
        ) from None
    answers = client.run(worker_settings, on_error="return")
    unreachable = {worker: answer for worker, answer in answers.items() if isinstance(answer, BaseException)}
    if unreachable:
        listed = "; ".join(f"{worker} ({type(error).__name__}: {error})" for worker, error in sorted(unreachable.items()))
        raise ClusterError(
            f"the scheduler at {address} cannot connect to these Dask workers: {listed}. A worker must advertise an "
            f"address the scheduler and the other workers can reach: start it with `--host` set to its own address "
            f"(not `--listen-address` alone, and never port 0)"
        )
    expected = project_settings()
    different = sorted(worker for worker, settings in answers.items() if settings != expected)
    if different:
        logger.warning(
            "Dask workers %s run without the project's settings, which made training 1.8x slower per epoch on the "
            "machine measured; start them with DASK_CONFIG=%s",
            ", ".join(different), SETTINGS_FILE,
        )
