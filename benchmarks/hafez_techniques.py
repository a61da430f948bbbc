"""What each regularisation technique buys the hafez model, on and off, per minute.

Every case is conf/base's hafez setting with all the techniques off (``none``), then
with one of them on, then with all of them on; ``--epochs`` sets one training budget
for all. Per case: training wall time, the validation loss of the kept weights (static,
the headline), with weight averaging the raw weights' loss beside it, and the loss under
dynamic evaluation with conf/base's ``evaluation.dynamic`` settings. Cases run one after
another in one process: never run this beside another heavy job.

    python benchmarks/hafez_techniques.py --epochs 12 --out benchmarks/results/hafez_techniques.json
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import time
from pathlib import Path

import torch
import yaml

from hw3_pipelines.datasets import LastSavedDataset
from hw3_pipelines.modeling.dynamic_eval import dynamic_nats
from hw3_pipelines.modeling.stream_training import stream
from hw3_pipelines.parameters import HafezParams
from hw3_pipelines.pipelines.hafez import nodes

CONF = Path(__file__).resolve().parents[1] / "conf" / "base" / "parameters_hafez.yml"
OFF = {"model": {"locked_dropout": False, "embedding_dropout": 0.0, "weight_drop": 0.0, "tie_weights": False},
       "training": {"ema_decay": None}}
CASES = {
    "none": {},
    "locked dropout": {"model": {"locked_dropout": True}},
    "embedding dropout 0.1": {"model": {"embedding_dropout": 0.1}},
    "weight drop 0.2": {"model": {"weight_drop": 0.2}},
    "tied embeddings": {"model": {"tie_weights": True}},
    "weight averaging (EMA 0.99)": {"training": {"ema_decay": 0.99}},
    "all": {"model": {"locked_dropout": True, "embedding_dropout": 0.1, "weight_drop": 0.2, "tie_weights": True},
            "training": {"ema_decay": 0.99}},
}


def case_params(shipped: dict, case: dict, epochs: int) -> HafezParams:
    params = copy.deepcopy(shipped)
    for group in ("model", "training"):
        params[group].update(OFF[group], **case.get(group, {}))
    params["training"]["epochs"] = epochs
    return HafezParams.model_validate(params)


def run_case(name: str, params: HafezParams, streams: dict, vocab: dict) -> dict:
    started = time.perf_counter()
    model, history = nodes.train_char_lm(streams, vocab, None, params)
    seconds = time.perf_counter() - started
    best = history[history["best"]].iloc[0]
    dynamic = params.evaluation.dynamic
    result = {
        "case": name,
        "train_seconds": round(seconds, 1),
        "best_epoch": int(best["epoch"]),
        "val_nats_per_char": round(float(best["val_loss"]), 4),
        "val_nats_per_char_dynamic": round(
            dynamic_nats(model, *stream(streams, "val"), **dynamic.model_dump()), 4
        ),
    }
    if "val_loss_raw" in history:
        result["val_nats_per_char_raw_weights"] = round(float(best["val_loss_raw"]), 4)
    return result


def last_divan_metres():
    """The Divan's metres by the judge that `kedro run --pipeline hafez_metre` saved last."""
    metres = LastSavedDataset(dataset={"type": "pandas.CSVDataset", "filepath": "data/07_model_output/hafez_divan_metres.csv"}).load()
    if metres is None:
        raise SystemExit("no Divan metres saved yet: run `kedro run --pipeline hafez_metre` first")
    return metres


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--only", nargs="+", choices=list(CASES), help="run these cases only")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/hafez_techniques.json"))
    args = parser.parse_args()
    shipped = yaml.safe_load(CONF.read_text(encoding="utf-8"))["hafez"]
    base = case_params(shipped, {}, args.epochs)
    clean, _ = nodes.clean_corpus(nodes.load_corpus(base))
    vocab, _, streams = nodes.split_and_encode(clean, last_divan_metres(), base)
    results = []
    for name in args.only or CASES:
        results.append(run_case(name, case_params(shipped, CASES[name], args.epochs), streams, vocab))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    report = {
        "epochs": args.epochs,
        "machine": f"{platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}",
        "base": base.model_dump(),
        "cases": results,
    }
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
