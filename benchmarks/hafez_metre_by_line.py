"""Where in a ghazal the written hemistichs keep the asked metre: by kind of line.

Reads ``hafez_sample_report.json`` of one or more runs (``--versions``) and gives, for each
way of writing, the share of hemistichs the metre judge hears in the asked metre among the
matla's first and second hemistichs and the later couplets' first and second: in the
rhyme-prefixed layout the lines that rhyme follow a prefix line and the others do not.

    python -m benchmarks.hafez_metre_by_line --env pretrained --versions 2026-12-08T01.56.30.570Z 2026-12-08T02.52.02.981Z
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

PROJECT = Path(__file__).resolve().parents[1]
KINDS = ("matla, first", "matla, second", "later, first", "later, second")


def shares_by_line(poems: list[dict]) -> dict[str, float]:
    """Of each kind of hemistich, the share judged in the ghazal's asked metre."""
    kept, seen = dict.fromkeys(KINDS, 0), dict.fromkeys(KINDS, 0)
    for poem in poems:
        for position, hemistich in enumerate(poem["hemistichs"]):
            kind = KINDS[2 * (position >= 2) + position % 2]
            kept[kind] += hemistich["judged"] == poem["request"]["metre"]
            seen[kind] += 1
    return {kind: round(kept[kind] / seen[kind], 3) if seen[kind] else None for kind in KINDS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default="base")
    parser.add_argument("--versions", nargs="+", required=True, help="save versions of hafez_sample_report")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/hafez_metre_by_line.json"))
    args = parser.parse_args()
    bootstrap_project(PROJECT)
    reports = []
    with KedroSession.create(project_path=PROJECT, env=args.env) as session:
        catalog = session.load_context().catalog
        for version in args.versions:
            report = catalog.load("hafez_sample_report", version=version)
            ways = [way for way in report if way not in ("settings", "divan")]
            poems = {way: [poem for seed in report[way]["by_seed"] for poem in seed["poems"]] for way in ways}
            reports.append({"version": version, **{way: shares_by_line(poems[way]) for way in ways}})
            print(json.dumps(reports[-1], ensure_ascii=False), flush=True)
    args.out.write_text(json.dumps(reports, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
