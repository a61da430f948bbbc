"""How surely a saved hafez model writes the asked rhyme, line by line, on the validation ghazals.

For every line that rhymes (both hemistichs of the matla, the second of each later couplet),
the model's probability of the whole rhyme (the letters ``Layout.rhyme_mask`` marks), read
with the true text before it: the chance that it copies the rhyme its prefix or header
names, where it is due. Lines are grouped by where they stand, since a layout may put the
form right before one kind and a hemistich away from another.

    python -m benchmarks.hafez_rhyme_copy --env pretrained \
        --models hafez_pretrained_model:2026-12-07T23.35.34.669Z hafez_model:2026-12-08T01.56.30.570Z

Each model is named ``dataset:version``; the validation ghazals are the ones that run encoded
(its ``hafez_token_ids`` and ``hafez_vocab``), read in the model's own layout.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from hw3_pipelines.modeling.neural_cache import hidden_states
from hw3_pipelines.modeling.training import make_reproducible
from hw3_pipelines.text.layout import layout_named
from hw3_pipelines.text.vocab import decode

PROJECT = Path(__file__).resolve().parents[1]
KINDS = ("matla, first hemistich", "matla, second hemistich", "later couplets, second hemistich")


def rhyme_chances(model, ids: torch.Tensor, vocab: dict) -> dict[str, list[float]]:
    """Each rhyming line's probability of its rhyme letters, by kind of line."""
    text = decode(ids, vocab)
    with torch.no_grad():
        _, probs = hidden_states(model.eval(), ids)
    log_probs = torch.log(probs[torch.arange(len(ids) - 1), ids[1:]]).numpy()  # of character t + 1
    chances = {kind: [] for kind in KINDS}
    for hemistich, start, end in layout_named(model.config.layout).rhyme_spans(text):
        chances[KINDS[min(hemistich, 2)]].append(float(np.exp(log_probs[start - 1 : end - 1].sum())))
    return chances


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="base")
    parser.add_argument("--models", nargs="+", required=True, help="dataset:version, e.g. hafez_model:2026-12-08T01.56.30.570Z")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/hafez_rhyme_copy.json"))
    args = parser.parse_args()
    bootstrap_project(PROJECT)
    make_reproducible(0, 2)
    reports = []
    with KedroSession.create(project_path=PROJECT, env=args.env) as session:
        catalog = session.load_context().catalog
        for named in args.models:
            dataset, version = named.split(":", 1)
            model = catalog.load(dataset, version=version)
            ids = torch.from_numpy(catalog.load("hafez_token_ids", version=version)["val"])
            chances = rhyme_chances(model, ids, catalog.load("hafez_vocab", version=version))
            rows = [
                {
                    "lines": kind,
                    "count": len(values),
                    "median": round(float(np.median(values)), 3),
                    "mean": round(float(np.mean(values)), 3),
                    "share_above_one_half": round(float(np.mean(np.array(values) > 0.5)), 3),
                }
                for kind, values in chances.items()
            ]
            reports.append({"model": named, "layout": model.config.layout, "rows": rows})
            print(json.dumps(reports[-1], ensure_ascii=False), flush=True)
    args.out.write_text(json.dumps(reports, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
