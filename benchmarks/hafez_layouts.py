"""What each layout of the training text (``text.layout``) buys the hafez model's free ghazals.

Each layout is one whole `kedro run --pipeline hafez` (train, evaluate, sample), one after
another, with only ``hafez.model.layout`` changed and sampling free alone (form-aware and
metre-aware writing off), so every layout answers the same requests with the same seeds.
Per layout: the run's and the training's time, validation nats/char on verse characters,
and the free ghazals' figures (the mean over ``hafez.sample.seed_count`` seeds and each
seed's; the run's log gives each seed's writing time). Never run this beside another heavy
job.

    python -m benchmarks.hafez_layouts --out benchmarks/results/hafez_layouts.json
    python -m benchmarks.hafez_layouts --env pretrained --layouts end_first_prefixed   # after hafez_pretrain in that layout
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from benchmarks.serve_btc import cpu_name

from hw3_pipelines.text.layout import LAYOUTS

ROOT = Path(__file__).resolve().parents[1]
REPORTING = ROOT / "data" / "08_reporting"
FIGURES = (
    "asked_metre_share", "matla_keeps_asked_rhyme_share", "asked_qafiya_kept_share", "asked_radif_kept_share",
    "couplets_asked_mean", "couplets_written_mean", "couplets_off_by_mean", "known_word_share", "copied_hemistich_share",
    "other_poets_word_pair_share",
)


def newest(name: str) -> Path:
    """The file the last run saved of a versioned dataset in data/08_reporting."""
    versions = sorted((REPORTING / name).iterdir())
    return versions[-1] / name


def run_layout(layout: str, env: str | None) -> dict:
    params = f"hafez.model.layout={layout},hafez.sample.form_aware=false,hafez.sample.metre_aware=null"
    started = time.perf_counter()
    command = [sys.executable, "-m", "kedro", "run", "--pipeline", "hafez", "--params", params, *(["--env", env] if env else [])]
    subprocess.run(command, cwd=ROOT, check=True)
    seconds = time.perf_counter() - started
    metrics = json.loads(newest("hafez_metrics.json").read_text(encoding="utf-8"))
    history = pd.read_csv(newest("hafez_training_history.csv"))
    sample = json.loads(newest("hafez_sample_report.json").read_text(encoding="utf-8"))
    free = sample["free"]
    return {
        "layout": layout,
        "run_seconds": round(seconds, 1),
        "train_seconds": round(float(history["seconds"].sum()), 1) if "seconds" in history else None,
        "val_nats_per_char": round(metrics["val_nats_per_char"], 4),
        "best_epoch": metrics["best_epoch"],
        "free": {key: free.get(key) for key in FIGURES},
        "free_by_seed": [{"seed": run["seed"], **{key: run.get(key) for key in FIGURES}} for run in free["by_seed"]],
        "divan": {"held_out_other_poets_word_pair_share": sample["divan"]["held_out_other_poets_word_pair_share"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layouts", nargs="+", default=list(LAYOUTS), choices=list(LAYOUTS))
    parser.add_argument("--env", default=None)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    results = []
    for layout in args.layouts:
        results.append(run_layout(layout, args.env))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
        if args.out:
            report = {
                "machine": {"processor": cpu_name(), "cpu_count": os.cpu_count(), "avx512": "avx512f" in Path("/proc/cpuinfo").read_text(),
                            "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "native")},
                "env": args.env,
                "layouts": results,
            }
            args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
