"""Where the assignment's btc training spends its time, and what makes it faster unchanged.

Trains the btc model (conf/base: 4 x LSTM(50), lookback 60, batch 32, AdamW) through the
pipeline's own node (``btc.nodes.train_model``) on 3,400 random windows, about as many as
the real snapshot gives, for ``--epochs`` epochs under each variant, one after another in
one process. Per variant: the median epoch time from the second epoch on, and the largest
difference of any epoch's training and validation loss from the first variant's (0 means
the same numbers to the last digit). Never run this beside another heavy job; say the CPU
(the report names it) beside every figure, and emulate an AVX2-only CPU with
``ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2``.

    python -m benchmarks.btc_training_speed --epochs 4 --out benchmarks/results/btc_training_speed.json
    python -m benchmarks.btc_training_speed --profile    # where one epoch of the default spends its time, by operator
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
from pathlib import Path
from unittest import mock

import numpy as np
import torch
import yaml
from benchmarks.serve_btc import cpu_name

from hw3_pipelines.forecasting.windows import ModelInput
from hw3_pipelines.modeling.training import make_reproducible
from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.pipelines.btc import nodes

CONF = Path(__file__).resolve().parents[1] / "conf" / "base" / "parameters_btc.yml"
VARIANTS = {
    "2 threads (the default)": {"num_threads": 2},
    "2 threads, new tensors filled with NaN (torch's deterministic default)": {"num_threads": 2, "nan_fill": True},
    "1 thread": {"num_threads": 1},
    "2 threads, oneDNN off": {"num_threads": 2, "mkldnn": False},
    "1 thread, oneDNN off": {"num_threads": 1, "mkldnn": False},
}


def windows(lookback: int, count: int = 3400) -> ModelInput:
    rng = np.random.default_rng(0)
    empty = np.zeros(0)
    return ModelInput(
        X_train=rng.random((count, lookback, 1), dtype=np.float32), y_train=rng.random(count, dtype=np.float32),
        X_test=empty, y_test=empty, test_dates=empty, test_close=empty, test_previous_close=empty, close_index=0,
    )


def nan_filling(seed: int, num_threads: int | None) -> None:
    """``make_reproducible`` with torch's guard on: every new tensor filled with NaN."""
    make_reproducible(seed, num_threads)
    torch.utils.deterministic.fill_uninitialized_memory = True


def run_variant(variant: dict, epochs: int) -> dict:
    shipped = yaml.safe_load(CONF.read_text(encoding="utf-8"))["btc"]
    shipped["training"].update(epochs=epochs, device="cpu", num_threads=variant["num_threads"])
    params = BtcParams.model_validate(shipped)
    flags = torch.backends.mkldnn.flags(enabled=False) if variant.get("mkldnn") is False else contextlib.nullcontext()
    fill = mock.patch.object(nodes, "make_reproducible", nan_filling) if variant.get("nan_fill") else contextlib.nullcontext()
    with flags, fill:
        _, history = nodes.train_model(windows(params.lookback), params)
    return {
        "median_epoch_seconds": round(statistics.median(history["seconds"][1:]), 3) if epochs > 1 else None,
        "train_loss": history["train_loss"].tolist(),
        "val_loss": history["val_loss"].tolist(),
    }


def profile_epoch() -> None:
    """The operators of one training epoch (after a first, warming one), by their own CPU time."""
    run_variant(VARIANTS["2 threads (the default)"], epochs=1)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profiler:
        run_variant(VARIANTS["2 threads (the default)"], epochs=1)
    print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--profile", action="store_true", help="profile one epoch of the default instead")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.profile:
        profile_epoch()
        return
    results = {}
    for name in args.variants:
        results[name] = run_variant(VARIANTS[name], args.epochs)
        first = next(iter(results.values()))
        results[name]["largest_loss_difference"] = max(
            abs(a - b) for key in ("train_loss", "val_loss") for a, b in zip(results[name][key], first[key])
        )
        print(name, {k: v for k, v in results[name].items() if not k.endswith("_loss")}, flush=True)
    report = {
        "machine": {"processor": cpu_name(), "cpu_count": os.cpu_count(), "torch": torch.__version__,
                    "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "native")},
        "epochs": args.epochs,
        "variants": results,
    }
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
