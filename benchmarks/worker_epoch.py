"""Seconds per training epoch of the same task in a process-pool worker and in a Dask worker,
with Dask's default settings, without its glibc trim threshold only, and with the project's
settings (src/hw3_pipelines/runner/dask.yaml); and in a process-pool worker given Dask's
trim threshold.

    python benchmarks/worker_epoch.py --epochs 4 --out benchmarks/results/worker_epoch.json

The task is one run of the lookback sweep's kind: the btc model (4 x LSTM(50)) on the bundled
snapshot, lookback 60, one torch thread. Two workers run one task each, side by side, so both
cores are busy as in a sweep. Besides the epoch times each task reports, for its own thread,
the involuntary context switches and minor page faults during training: the evidence for
what slows a Dask worker down. Nothing else should run on the machine meanwhile.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from unittest.mock import patch

import dask.config
from distributed import Client, LocalCluster

from hw3_pipelines.runner.dask_cluster import project_settings

PARAMETERS = Path(__file__).resolve().parents[1] / "conf" / "base" / "parameters_btc.yml"


def train_once(epochs: int, seed: int) -> dict:
    """One training of the btc model; what it cost this thread."""
    import yaml

    from hw3_pipelines.parameters import BtcParams
    from hw3_pipelines.pipelines.btc import nodes
    from hw3_pipelines.sources.prices import read_bundled_snapshot

    btc = BtcParams.model_validate(yaml.safe_load(PARAMETERS.read_text(encoding="utf-8"))["btc"])
    training = btc.training.model_copy(update={"epochs": epochs, "seed": seed, "num_threads": 1})
    btc = btc.model_copy(update={"training": training})
    prices, _ = nodes.validate_and_repair_prices(read_bundled_snapshot(), {"source": "bundled"}, btc)
    train, test = nodes.split_prices(prices, btc)
    model_input = nodes.make_windows(train, test, nodes.fit_scaler(train, btc), btc)
    before = resource.getrusage(resource.RUSAGE_THREAD)
    _, history = nodes.train_model(model_input, btc)
    after = resource.getrusage(resource.RUSAGE_THREAD)
    return {
        "seconds_per_epoch": [round(s, 2) for s in history["seconds"]],
        "involuntary_context_switches": after.ru_nivcsw - before.ru_nivcsw,
        "minor_page_faults": after.ru_minflt - before.ru_minflt,
        "main_thread": threading.current_thread() is threading.main_thread(),
        "MALLOC_TRIM_THRESHOLD_": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
    }


def in_process_pool(epochs: int, environment: dict[str, str]) -> list[dict]:
    # spawned workers start with ``environment``, and glibc reads it at start
    with patch.dict(os.environ, environment), ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(train_once, [epochs] * 2, [0, 1]))


def in_dask(epochs: int, settings: dict) -> list[dict]:
    # the nanny writes its pre-spawn variables into this process's environment: undone on exit
    with patch.dict(os.environ), dask.config.set(settings), LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster, Client(cluster) as client:
        return client.gather([client.submit(train_once, epochs, seed, pure=False) for seed in (0, 1)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/worker_epoch.json"))
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"
    trim_threshold = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
    setups = {
        "process_pool": lambda: in_process_pool(args.epochs, {}),
        "process_pool_with_dasks_trim_threshold": lambda: in_process_pool(args.epochs, {"MALLOC_TRIM_THRESHOLD_": "65536"}),
        "dask_defaults": lambda: in_dask(args.epochs, {}),
        "dask_without_trim_threshold_only": lambda: in_dask(args.epochs, {trim_threshold: None}),
        "dask_project_settings": lambda: in_dask(args.epochs, project_settings()),
    }
    results = {"epochs": args.epochs, "cpu_count": os.cpu_count(), "setups": {}}
    for name, run in setups.items():
        tasks = run()
        epochs = [s for task in tasks for s in task["seconds_per_epoch"][1:]]  # the first epoch warms up
        results["setups"][name] = {"median_seconds_per_epoch_after_the_first": statistics.median(epochs), "tasks": tasks}
        print(name, results["setups"][name]["median_seconds_per_epoch_after_the_first"], flush=True)
    base = results["setups"]["process_pool"]["median_seconds_per_epoch_after_the_first"]
    results["relative_to_process_pool"] = {
        name: round(setup["median_seconds_per_epoch_after_the_first"] / base, 2) for name, setup in results["setups"].items()
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results["relative_to_process_pool"], indent=2))


if __name__ == "__main__":
    main()
