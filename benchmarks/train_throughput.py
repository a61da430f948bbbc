"""Training throughput of the project's training steps against a bare PyTorch loop.

For the btc and hafez models at their default sizes (conf/base), on the same data and
batch size, in one process:

- ``project``: the pipeline's own training node (``train_model`` / ``train_char_lm``),
  which includes the shared training loop, per-epoch validation and the progress bar;
- ``project_steps``: the same epochs without their validation pass, i.e. the training
  steps alone, which is what the bare loop does;
- ``bare``: the shortest loop that trains the same model: shuffle, forward, loss,
  backward, AdamW step, nothing else;
- ``bare_bf16``: the bare loop under ``torch.autocast(dtype=torch.bfloat16)``, where the
  device runs bf16 recurrent kernels (``modeling.precision``); left out elsewhere.

Reported per case: epoch times from the second epoch on (the first pays one-time
costs), throughput in windows/s or characters/s from the fastest of them, and peak
memory (CUDA: max allocated; CPU: the process's peak RSS so far, which only grows). The
overhead ratio is project throughput / bare throughput.

    python benchmarks/train_throughput.py --epochs 5 --out benchmarks/results/latest.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from torch.nn import functional as F

from hw3_pipelines.datasets import LastSavedDataset
from hw3_pipelines.forecasting.windows import ModelInput
from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig
from hw3_pipelines.modeling.precision import bf16_recurrent_kernels
from hw3_pipelines.modeling.regressor import RecurrentRegressor, RegressorConfig
from hw3_pipelines.modeling.training import make_reproducible, resolve_device
from hw3_pipelines.parameters import BtcParams, HafezParams
from hw3_pipelines.pipelines.btc import nodes as btc
from hw3_pipelines.pipelines.hafez import nodes as hafez

CONF = Path(__file__).resolve().parents[1] / "conf" / "base"


def load_params(name: str, model, epochs: int, device: torch.device):
    """The shipped parameters of one pipeline with this benchmark's epochs and device."""
    params = yaml.safe_load((CONF / f"parameters_{name}.yml").read_text(encoding="utf-8"))[name]
    params["training"].update(epochs=epochs, device=device.type)
    return model.model_validate(params)


def bare_cases(device: torch.device) -> list[tuple[str, bool]]:
    """The bare loop in float32, and under bf16 autocast where the device can run it."""
    return [("bare", False)] + ([("bare_bf16", True)] if bf16_recurrent_kernels(device.type) else [])


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def summarize(epoch_seconds: list[float], items_per_epoch: int, device: torch.device) -> dict:
    """Throughput from the fastest epoch after the first: on a shared machine, noise only
    ever adds time, so the minimum is the most repeatable estimate of the code's speed."""
    steady = epoch_seconds[1:] or epoch_seconds
    return {
        "epoch_seconds_from_second": [round(s, 3) for s in steady],
        "median_epoch_seconds": round(statistics.median(steady), 3),
        "min_epoch_seconds": round(min(steady), 3),
        "throughput_per_s": round(items_per_epoch / min(steady), 1),
        "peak_memory_mb": round(peak_memory_mb(device), 1),
    }


def bare_epochs(model, batches, loss_of, epochs: int, lr: float, wd: float, clip, device, bf16: bool) -> list[float]:
    """The minimal loop: no progress bar, no validation, no history."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    generator = torch.Generator().manual_seed(0)
    times = []
    for _ in range(epochs):
        synchronize(device)
        started = time.perf_counter()
        model.train()
        for batch in batches(generator):
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                loss = loss_of(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
        synchronize(device)
        times.append(time.perf_counter() - started)
    return times


def bench_btc(epochs: int, device: torch.device) -> dict:
    params = load_params("btc", BtcParams, epochs, device)
    rng = np.random.default_rng(0)
    n_windows, lookback = 3400, params.lookback  # the real snapshot gives 3,401 training windows
    empty = np.zeros(0)
    model_input = ModelInput(
        X_train=rng.random((n_windows, lookback, 1), dtype=np.float32),
        y_train=rng.random(n_windows, dtype=np.float32),
        X_test=empty, y_test=empty, test_dates=empty, test_close=empty, test_previous_close=empty, close_index=0,
    )
    n_fit = n_windows - model_input.validation_count(params.training.val_fraction)
    model = params.model
    results = {"model": f"btc {model.cell} {model.num_layers}x{model.hidden_size}, lookback {lookback}, batch {params.training.batch_size}", "unit": "windows/s"}

    reset_peak(device)
    _, history = btc.train_model(model_input, params)
    results["project"] = summarize(list(history["seconds"]), n_fit, device)
    results["project_steps"] = summarize(list(history["seconds"] - history["val_seconds"]), n_fit, device)

    x = torch.from_numpy(model_input.X_train[:n_fit]).to(device)
    y = torch.from_numpy(model_input.y_train[:n_fit]).to(device)
    batch_size = params.training.batch_size

    def batches(generator):
        order = torch.randperm(len(x), generator=generator).to(device)
        return [(x[i], y[i]) for i in order.split(batch_size)]

    for name, bf16 in bare_cases(device):
        make_reproducible(0, params.training.num_threads)
        model = RecurrentRegressor(RegressorConfig(n_features=1, **params.model.network())).to(device)
        reset_peak(device)
        times = bare_epochs(
            model, batches, lambda m, b: F.mse_loss(m(b[0]).float(), b[1]), epochs,
            params.training.learning_rate, params.training.weight_decay, None, device, bf16,
        )
        results[name] = summarize(times, n_fit, device)
    return results


def last_divan_metres():
    """The Divan's metres by the judge that `kedro run --pipeline hafez_metre` saved last."""
    metres = LastSavedDataset(dataset={"type": "pandas.CSVDataset", "filepath": "data/07_model_output/hafez_divan_metres.csv"}).load()
    if metres is None:
        raise SystemExit("no Divan metres saved yet: run `kedro run --pipeline hafez_metre` first")
    return metres


def bench_hafez(epochs: int, device: torch.device) -> dict:
    params = load_params("hafez", HafezParams, epochs, device)
    clean, _ = hafez.clean_corpus(hafez.load_corpus(params))
    vocab, _, streams = hafez.split_and_encode(clean, last_divan_metres(), params)
    training = params.training
    results = {
        "model": f"hafez CharLM {params.model.num_layers}x{params.model.hidden_size} "
        f"{params.model.cell}, bptt {training.bptt}, batch {training.batch_size}",
        "unit": "characters/s",
    }
    n_chars = len(streams["train"]) - 1

    reset_peak(device)
    _, history = hafez.train_char_lm(streams, vocab, None, params)
    results["project"] = summarize(list(history["seconds"]), n_chars, device)
    results["project_steps"] = summarize(list(history["seconds"] - history["val_seconds"]), n_chars, device)

    ids = torch.from_numpy(streams["train"]).to(device)
    bptt, batch_size = training.bptt, training.batch_size

    def batches(generator):
        offset = int(torch.randint(bptt, (1,), generator=generator))
        n = (len(ids) - offset - 1) // bptt
        x = ids[offset : offset + n * bptt].view(n, bptt)
        y = ids[offset + 1 : offset + 1 + n * bptt].view(n, bptt)
        order = torch.randperm(n, generator=generator).to(device)
        return [(x[i], y[i]) for i in order.split(batch_size)]

    def loss_of(model, batch):
        logits, _ = model(batch[0])
        return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), batch[1].reshape(-1))

    for name, bf16 in bare_cases(device):
        make_reproducible(0, training.num_threads)
        model = CharLM(CharLMConfig(vocab_size=len(vocab), **params.model.model_dump())).to(device)
        reset_peak(device)
        times = bare_epochs(
            model, batches, loss_of, epochs, training.learning_rate, training.weight_decay,
            training.grad_clip_norm, device, bf16,
        )
        results[name] = summarize(times, n_chars, device)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3, help="epochs per case (the first is not counted)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--only", choices=["btc", "hafez"])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/latest.json"))
    args = parser.parse_args()
    device = resolve_device(args.device)
    machine = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({platform.processor() or platform.machine()})",
        "cpu_count": os.cpu_count(),
        "torch": torch.__version__,
        "python": sys.version.split()[0],
    }
    report = {"machine": machine, "epochs": args.epochs, "benchmarks": {}}
    for name, bench in (("btc", bench_btc), ("hafez", bench_hafez)):
        if args.only in (None, name):
            result = bench(args.epochs, device)
            bare = result["bare"]["throughput_per_s"]
            result["overhead_ratio"] = round(result["project"]["throughput_per_s"] / bare, 3)
            result["steps_overhead_ratio"] = round(result["project_steps"]["throughput_per_s"] / bare, 3)
            if "bare_bf16" in result:
                result["bf16_speedup"] = round(result["bare_bf16"]["throughput_per_s"] / bare, 3)
            report["benchmarks"][name] = result
            print(json.dumps({name: result}, indent=2), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
