"""``DaskRunner``: Kedro's documented Dask recipe, brought up to date for Kedro 1.x.

Each node is one Dask task that waits on the tasks of the nodes it depends on, so Dask
runs independent nodes (the runs of a sweep) on different workers at once. Changes from
the recipe (kedro#5774): Kedro 1.x removed ``create_default_dataset``, ``catalog.list``
and ``shallow_copy``, so instead of publishing in-memory datasets on the scheduler (an
unsaved ``MemoryDataset`` pickles into a bare marker, kedro#5773) every dataset that
passes from one node to another must be file-backed, and a run that would need an
in-memory one stops before the first task, naming it. Each worker imports the project
once and runs its nodes with the project's hooks, like Kedro's ParallelRunner. The
project's Dask settings (``dask.yaml``) hold for the run, and a cluster is checked before
the first task (``dask_cluster.py``).

    kedro run --pipeline btc_lookback --runner hw3_pipelines.runner.DaskRunner
    kedro run ... --runner-params client_args.address=tcp://HOST:8786
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain
from typing import Any

import dask.config
from distributed import Client, KilledWorker, LocalCluster, as_completed
from kedro.io import MemoryDataset
from kedro.pipeline import Pipeline
from kedro.pipeline.node import Node
from kedro.runner import AbstractRunner
from kedro.runner.task import Task

from hw3_pipelines.errors import ProjectError
from hw3_pipelines.runner.dask_cluster import (
    ClusterError,
    check_workers,
    connect,
    project_settings,
)
from hw3_pipelines.threads import BUDGET_VARIABLE, budget_for_run, cores_per_worker

logger = logging.getLogger(__name__)
PACKAGE = "hw3_pipelines"


class InMemoryDatasetError(ProjectError):
    """A distributed run would pass data between nodes through memory."""


class DaskRunner(AbstractRunner):
    """Runs a pipeline's nodes as tasks on a Dask cluster.

    Without ``client_args`` it starts a ``distributed.LocalCluster`` on 127.0.0.1 with
    ``cluster_args`` (default: one single-threaded worker process per core, no dashboard)
    and stops it after the run. With ``client_args={"address": ...}`` it uses that
    cluster unchanged.
    """

    def __init__(self, client_args: dict[str, Any] | None = None, cluster_args: dict[str, Any] | None = None, is_async: bool = False):
        super().__init__(is_async=is_async)
        self._client_args = dict(client_args or {})
        self._cluster_args = dict(cluster_args or {})

    def _get_executor(self, max_workers: int) -> None:
        return None  # tasks go to Dask, not to an executor

    def _run(self, pipeline: Pipeline, catalog, hook_manager=None, run_id: str | None = None) -> None:
        check_file_backed(pipeline, catalog)
        with budget_for_run(None), dask.config.set(project_settings()), self._client() as client:
            check_workers(client)
            futures = {}
            for node in pipeline.nodes:  # topological order: dependencies are submitted first
                dependencies = [futures[parent] for parent in pipeline.node_dependencies[node]]
                futures[node] = client.submit(
                    _run_node, node, catalog, self._is_async, run_id, *dependencies, key=f"{node.name}-{run_id}", pure=False
                )
            nodes = {future.key: node for node, future in futures.items()}
            load_counts = Counter(chain.from_iterable(n.inputs for n in pipeline.nodes))
            # results stay on the workers: a node's outputs are in files, and gathering a
            # result from a worker that cannot be reached would be retried without end
            for done, future in enumerate(as_completed(futures.values()), start=1):
                node = nodes[future.key]
                if future.status != "finished":
                    _raise_task_error(node, future)
                logger.info("Completed node %s (%d of %d)", node.name, done, len(futures))
                self._release_datasets(node, catalog, load_counts, pipeline)

    @contextmanager
    def _client(self) -> Iterator[Client]:
        """A client of the given cluster, or of a new LocalCluster that closes after the run."""
        client_args = {key: value for key, value in self._client_args.items() if key != "address"}
        if "address" in self._client_args:
            with connect(self._client_args["address"], **client_args) as client:
                yield client
            return
        workers = self._cluster_args.get("n_workers", cores_per_worker(1))
        options = {
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "host": "127.0.0.1",
            "dashboard_address": None,
            "env": {BUDGET_VARIABLE: str(cores_per_worker(workers))},
            **self._cluster_args,
        }
        with LocalCluster(**options) as cluster, Client(cluster, **client_args) as client:
            yield client


def _raise_task_error(node: Node, future) -> None:
    """A node's own error as it is; a worker that kept dying under it as one message."""
    if future.cancelled():
        raise ClusterError(f"node {node.name} was cancelled by the Dask scheduler; check its log")
    error = future.exception()
    if isinstance(error, KilledWorker):
        raise ClusterError(
            f"node {node.name} stopped: {error} Check those workers' logs for a memory limit or a crash; "
            f"how many deaths a task is allowed is Dask's distributed.scheduler.allowed-failures"
        ) from None
    raise error


def check_file_backed(pipeline: Pipeline, catalog) -> None:
    """Every dataset one node writes and another reads must live in files the workers share."""
    passed = {name for node in pipeline.nodes for name in node.outputs} & {
        name for node in pipeline.nodes for name in node.inputs
    }
    in_memory = sorted(name for name in passed if isinstance(catalog.get(name, fallback_to_runtime_pattern=True), MemoryDataset))
    if in_memory:
        raise InMemoryDatasetError(
            f"a distributed run passes data between workers through files only, but these datasets "
            f"are in memory: {', '.join(in_memory)}; declare them in the catalog with a file type"
        )


def _run_node(node: Node, catalog, is_async: bool, run_id: str | None, *dependencies: Node) -> Node:
    """Run one node on a worker; ``dependencies`` are only there to make Dask wait for them."""
    from kedro.framework.hooks.manager import _create_hook_manager, _register_hooks
    from kedro.framework.project import PACKAGE_NAME, configure_project, settings

    if PACKAGE_NAME != PACKAGE:
        configure_project(PACKAGE)
    hook_manager = _create_hook_manager()
    _register_hooks(hook_manager, settings.HOOKS)
    return Task(node=node, catalog=catalog, hook_manager=hook_manager, is_async=is_async, run_id=run_id).execute()
