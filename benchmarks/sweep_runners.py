"""Wall time of the lookback sweep under each runner, on this machine, and the check that
all of them produce the same table (timing columns aside).

    python benchmarks/sweep_runners.py --epochs 3 --out benchmarks/results/sweep_runners.json

Runs ``kedro run --pipeline btc_lookback`` from the project root, once per runner with one
torch thread per run (the sweep's default), and once more sequentially with two, on the
bundled snapshot and without tracking (``--env no_tracking``), one after the other: nothing
else should run on the machine meanwhile.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

RUNNERS = {  # name: (runner, torch threads per run)
    "sequential": ("SequentialRunner", 1),
    "parallel": ("hw3_pipelines.runner.ParallelRunner", 1),
    "dask_local_cluster": ("hw3_pipelines.runner.DaskRunner", 1),
    "sequential_2_threads": ("SequentialRunner", 2),
}
TIMING = ["train_seconds", "seconds_per_epoch", "torch_threads"]
RUNS_TABLE = "data/08_reporting/btc_lookback_runs.csv"


def newest_runs_table(project: Path) -> pd.DataFrame:
    return pd.read_csv(sorted(glob.glob(str(project / RUNS_TABLE / "*" / "btc_lookback_runs.csv")))[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/sweep_runners.json"))
    args = parser.parse_args()
    project = Path(__file__).resolve().parents[1]
    kedro = str(Path(sys.executable).with_name("kedro"))
    results, tables = {"epochs": args.epochs, "cpu_count": os.cpu_count(), "wall_seconds": {}}, {}
    for name, (runner, threads) in RUNNERS.items():
        started = time.perf_counter()
        subprocess.run(
            [kedro, "run", "--pipelines", "btc_lookback", "--env", "no_tracking", "--runner", runner, "--params",
             f"btc.ingest.source=bundled,btc_lookback.epochs={args.epochs},btc_lookback.num_threads={threads}"],
            cwd=project, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        results["wall_seconds"][name] = round(time.perf_counter() - started, 1)
        tables[name] = newest_runs_table(project)
        print(name, results["wall_seconds"][name], flush=True)
    sequential = tables["sequential"].drop(columns=TIMING)
    one_thread = [name for name, (_, threads) in RUNNERS.items() if threads == 1]
    results["identical_tables_with_one_thread"] = all(tables[name].drop(columns=TIMING).equals(sequential) for name in one_thread)
    two_threads = tables["sequential_2_threads"].drop(columns=TIMING)
    results["largest_relative_mae_difference_with_two_threads"] = float((two_threads["relative_mae"] - sequential["relative_mae"]).abs().max())
    results["runs"] = len(sequential)
    fastest_sequential = min(results["wall_seconds"]["sequential"], results["wall_seconds"]["sequential_2_threads"])
    results["speedup_over_the_faster_sequential"] = {
        name: round(fastest_sequential / seconds, 2) for name, seconds in results["wall_seconds"].items()
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
