"""The DaskRunner on clusters started the way the README shows, on 127.0.0.1: one set up with
the project's settings runs the sweep; a worker nobody can reach ends the run with one message."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from hw3_pipelines import settings
from hw3_pipelines.runner import DaskRunner
from hw3_pipelines.runner.dask_cluster import (
    SETTINGS_FILE,
    ClusterError,
    check_workers,
    project_settings,
    worker_settings,
)
from tests.conftest import TEST_DATA, latest, run_pipeline

DASK = str(Path(sys.executable).with_name("dask"))


@pytest.fixture(autouse=True)
def small_grid(monkeypatch):
    monkeypatch.setattr(settings, "LOOKBACK_SWEEP_GRID", {"targets": ("price",), "lookbacks": (5, 20), "seeds": (1, 2)})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def cluster(*worker_flags: str, workers: int = 2, project_settings_file: bool = True):
    """`dask scheduler` and `dask worker`, as in the README."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_CONFIG": str(SETTINGS_FILE)} if project_settings_file else dict(os.environ)
    processes = [subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )]
    processes.append(subprocess.Popen(
        [DASK, "worker", address, *worker_flags, "--nthreads", "1", "--nworkers", str(workers), "--no-dashboard"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ))
    try:
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)


def wait_for_workers(address: str, count: int) -> None:
    with Client(address, timeout="30s") as client:
        client.wait_for_workers(count, timeout=60)


def test_the_sweep_on_a_cluster_started_as_the_readme_shows(project_copy, caplog):
    with cluster("--host", "127.0.0.1") as address:
        wait_for_workers(address, 2)
        run_pipeline(project_copy, "btc_lookback", runner=DaskRunner(client_args={"address": address, "timeout": "60s"}))
    runs = pd.read_csv(latest(project_copy, f"{TEST_DATA}/08_reporting/btc_lookback_runs.csv"))
    assert list(runs["lookback"]) == [5, 5, 20, 20]
    assert not [r for r in caplog.records if "without the project's settings" in r.getMessage()]


def test_a_worker_nobody_can_reach_ends_the_run_with_one_message(project_copy):
    """`--listen-address tcp://127.0.0.1:0` makes a worker advertise port 0: without the check
    Dask retries gathering its results without end."""
    with cluster("--listen-address", "tcp://127.0.0.1:0", workers=1) as address:
        wait_for_workers(address, 1)
        started = time.monotonic()
        with pytest.raises(ClusterError, match=r"cannot connect to these Dask workers: tcp://127\.0\.0\.1:0 .*--host"):
            run_pipeline(project_copy, "btc_lookback", runner=DaskRunner(client_args={"address": address}))
        assert time.monotonic() - started < 120
    assert not list((project_copy / TEST_DATA / "08_reporting").glob("btc_lookback_runs.csv/*"))


def test_workers_with_dasks_defaults_are_named_in_one_warning(caplog):
    with cluster("--host", "127.0.0.1", project_settings_file=False) as address, Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)
        caplog.set_level(logging.WARNING, logger="hw3_pipelines.runner.dask_cluster")
        check_workers(client)
        workers = sorted(client.scheduler_info()["workers"])
    [warning] = caplog.records
    assert all(worker in warning.getMessage() for worker in workers) and "DASK_CONFIG=" in warning.getMessage()


def test_a_scheduler_that_is_not_there_is_one_message(project_copy):
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(ClusterError, match=f"cannot reach the Dask scheduler at {address}"):
        run_pipeline(project_copy, "btc_lookback", runner=DaskRunner(client_args={"address": address, "timeout": "2s"}))


def test_the_runners_own_cluster_has_the_project_settings():
    import dask.config

    with dask.config.set(project_settings()), LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as local, Client(local) as client:
        [answer] = client.run(worker_settings).values()
    assert answer == project_settings()
    assert answer["distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"] is None


def _die() -> None:
    os._exit(1)


def test_a_node_whose_worker_keeps_dying_stops_with_one_message():
    import dask.config
    from kedro.io import DataCatalog
    from kedro.pipeline import Pipeline, node

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), pytest.raises(
        ClusterError, match=r"node die stopped: .*died.*allowed-failures"
    ):
        DaskRunner(cluster_args={"n_workers": 1}).run(Pipeline([node(_die, None, "nothing", name="die")]), DataCatalog())
