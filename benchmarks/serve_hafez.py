"""The served hafez poet against the serving goals, on this machine.

    python -m benchmarks.serve_hafez --env pretrained --out benchmarks/results/serve_hafez.json

Needs a registered ``hafez_poet`` (any ``kedro run --pipeline hafez``). Times ``kedro run
--pipeline hafez_compose`` for a 10-couplet form-aware ghazal, starts ``kedro serve
hafez_poet`` on a free port of 127.0.0.1, checks that its ghazal for the same request and
seed equals that run's, times ten 10-couplet ghazals each way of writing, sends 5 kinds of
bad request 4 times each, and asks once more. Nothing else should run on the machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.serve_btc import is_plain_error, post, report, served

COMPOSED = "07_model_output/hafez_composed_ghazal.json"
A_REQUEST = {"metre": "مفاعلن فعلاتن مفاعلن فعلن", "qafiya": "ار", "radif": "ما", "couplets": 10, "seed": 7}


def ghazal_request(**fields) -> bytes:
    return json.dumps({"dataframe_records": [{**A_REQUEST, **fields}]}, ensure_ascii=False).encode()


def bad_requests() -> dict[str, bytes]:
    """Five kinds of request the poet must refuse with a sentence, by what is wrong."""
    return {
        "text outside the alphabet": ghazal_request(first_hemistich="roses are red"),
        "an unknown metre": ghazal_request(metre="فاعلاتن فاعلاتن"),
        "an unknown way of writing": ghazal_request(writing="sonnet"),
        "no couplets": ghazal_request(couplets=0),
        "a field the poet does not know": ghazal_request(colour="blue"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default=None)
    parser.add_argument("--data-root", default="data", help="the environment's data root (conf/<env>/globals.yml)")
    parser.add_argument("--ghazals", type=int, default=10)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    project = Path(__file__).resolve().parents[1]
    env = ["--env", args.env] if args.env else []
    params = f"hafez.sample.metre={A_REQUEST['metre']},hafez.sample.qafiya=ار,hafez.sample.radif=ما,hafez.sample.couplets=10,hafez.sample.seed=7"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kedro", "run", "--pipeline", "hafez_compose", *env, "--params", params],
                   cwd=project, check=True, capture_output=True)
    compose_seconds = time.perf_counter() - started
    composed = json.loads(sorted((project / args.data_root / COMPOSED).glob("*/*.json"))[-1].read_text(encoding="utf-8"))
    with served(project, args.env, "hafez_poet") as port:
        status, body = post(port, ghazal_request(writing="form_aware"))
        equal = status == 200 and json.loads(body)["predictions"] == composed
        seconds = {}
        for writing in ("free", "form_aware"):
            times = []
            for seed in range(args.ghazals):
                started = time.perf_counter()
                status, body = post(port, ghazal_request(writing=writing, seed=seed))
                times.append(time.perf_counter() - started)
                assert status == 200, body
            seconds[writing] = {"median": round(statistics.median(times), 2), "max": round(max(times), 2)}
        plain = {kind: sum(is_plain_error(*post(port, body)) for _ in range(4)) for kind, body in bad_requests().items()}
        still_serving = post(port, ghazal_request(seed=1))[0] == 200
    report({
        "hafez_compose_run_seconds": round(compose_seconds, 2),
        "served_equals_hafez_compose": equal,
        "ten_couplet_ghazal_seconds": seconds,
        "bad_requests_answered_plainly": plain,
        "still_serving_after_bad_requests": still_serving,
    }, args.out)


if __name__ == "__main__":
    main()
