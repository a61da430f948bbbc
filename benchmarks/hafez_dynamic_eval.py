"""Dynamic evaluation's settings on the saved hafez model: learning rate and steps per segment.

Loads ``hafez_model`` and ``hafez_token_ids`` of one run (``--version``, else the newest) and
scores the validation stream statically and under dynamic evaluation for each setting.
The settings are chosen here on the validation text itself, so treat the best of them as
an upper bound; the pipeline reports conf/base's one setting.

    python benchmarks/hafez_dynamic_eval.py --version 2026-11-29T01.33.32.763Z --steps 1 2
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import torch
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from hw3_pipelines.modeling.char_lm import stream_nats
from hw3_pipelines.modeling.dynamic_eval import dynamic_nats
from hw3_pipelines.modeling.stream_training import stream
from hw3_pipelines.modeling.training import make_reproducible

PROJECT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="base")
    parser.add_argument("--version", help="the run's save version, e.g. 2026-11-29T01.33.32.763Z")
    parser.add_argument("--learning-rates", type=float, nargs="+", default=[0.05, 0.1, 0.2, 0.4])
    parser.add_argument("--steps", type=int, nargs="+", default=[1])
    parser.add_argument("--segment", type=int, default=128)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/hafez_dynamic_eval.json"))
    args = parser.parse_args()
    bootstrap_project(PROJECT)
    with KedroSession.create(project_path=PROJECT, env=args.env) as session:
        catalog = session.load_context().catalog
        model = catalog.load("hafez_model", version=args.version)
        val_ids, val_scored = stream(catalog.load("hafez_token_ids", version=args.version), "val")
        version = args.version or catalog.get("hafez_model").resolve_load_version()
    make_reproducible(0, 2)
    with torch.no_grad():
        rows = [{"setting": "static", "val_nats_per_char": round(stream_nats(model.eval(), val_ids, val_scored), 4)}]
    for learning_rate, steps in itertools.product(args.learning_rates, args.steps):
        started = time.perf_counter()
        nats = dynamic_nats(model, val_ids, args.segment, learning_rate, steps, scored=val_scored)
        rows.append({
            "setting": f"dynamic, lr {learning_rate}, {steps} step(s) per {args.segment} characters",
            "val_nats_per_char": round(nats, 4),
            "seconds": round(time.perf_counter() - started, 1),
        })
        print(json.dumps(rows[-1]), flush=True)
    report = {"hafez_model_version": version, "rows": rows}
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
