"""The held-out ghazals the metre judge puts, as a whole, in another metre than Ganjoor's
label: the list a reader of Persian prosody checks to tell a wrong label from a misheard
poem (docs/results.md, "How much is the labels'").

Reads the last ``hafez_metre`` run's judge, split and cleaned poems from the catalog and
judges the test poems whose length does not contradict their label. Each disputed ghazal:
its poet and Ganjoor address, the label, the judge's verdict with its mean probability and
how many hemistichs it hears so, and the matla to scan, most confident first.

    python -m benchmarks.metre_disputes --out benchmarks/results/metre_disputes.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from hw3_pipelines.modeling.metre_judge import judge_poems
from hw3_pipelines.pipelines.hafez_metre.nodes import length_consistent_test_poems
from hw3_pipelines.text.metres import class_index

ROOT = Path(__file__).resolve().parents[1]


def disputed_ghazals(poems: list[dict], split: dict, judge) -> tuple[int, list[dict]]:
    """How many test ghazals were judged, and those judged in another class than their label's."""
    test = length_consistent_test_poems({poem["url"]: poem for poem in poems}, split)
    disputed = []
    for poem, verdict in zip(test, judge_poems(judge, [poem["verses"] for poem in test])):
        label = split["classes"][class_index(poem["metre"], split["classes"])]
        if verdict["metre"] != label:
            disputed.append({
                "poet": poem["poet"], "url": poem["url"], "label": label, "judge": verdict["metre"],
                "confidence": verdict["confidence"], "hemistichs_in_judged_metre": f'{verdict["hemistichs_agreeing"]}/{verdict["hemistichs"]}',
                "matla": poem["verses"][:2],
            })
    return len(test), sorted(disputed, key=lambda row: -row["confidence"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    bootstrap_project(ROOT)
    with KedroSession.create(project_path=ROOT) as session:
        catalog = session.load_context().catalog
        judged, disputed = disputed_ghazals(
            catalog.load("ganjoor_clean_poems"), catalog.load("hafez_metre_split"), catalog.load("hafez_metre_judge"))
    summary = {"test_ghazals_judged": judged, "disputed": len(disputed), "disputed_with_confidence_0.9": sum(row["confidence"] >= 0.9 for row in disputed)}
    print(json.dumps(summary))
    args.out.write_text(json.dumps({**summary, "ghazals": disputed}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
