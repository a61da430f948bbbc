"""The served btc forecaster against the serving goals, on this machine.

    python benchmarks/serve_btc.py --out benchmarks/results/serve_btc.json

Needs a registered ``btc_forecaster`` (any ``kedro run --pipeline btc``). Times ``kedro run
--pipeline btc_forecast`` on the bundled snapshot, starts ``kedro serve btc_forecaster`` on
a free port of 127.0.0.1, checks that its answer for the same prices equals that run's to
the last digit, then sends 1,000 forecast requests one after the other (the last 400 days
of the snapshot each) and 20 bad requests of each kind in ``bad_requests``, and asks
once more. Nothing else
should run on the machine meanwhile. The tests import the request helpers from here.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

SERVED_ANSWER = "07_model_output/btc_served_forecast.json"


def prices_request(prices: pd.DataFrame) -> bytes:
    """A forecast request: prices in Yahoo's layout as MLflow's ``dataframe_split``."""
    return json.dumps({"dataframe_split": prices.to_dict(orient="split")}).encode()


def bad_requests(prices: pd.DataFrame) -> dict[str, bytes]:
    """Kinds of request the forecaster must refuse with a sentence, by what is wrong: MLflow's
    input forms (split, records, instances, inputs) with wrong shapes, types or columns."""
    recent = prices.tail(300).reset_index(drop=True)
    return {
        "no prices": prices_request(recent.iloc[:0]),
        "too few days": prices_request(recent.tail(30)),
        "a negative close": prices_request(recent.assign(Close=recent["Close"].where(recent.index != 150, -5.0))),
        "a hundredfold spike": prices_request(recent.assign(Close=recent["Close"].where(recent.index != 150, recent["Close"] * 100))),
        "no Close column": prices_request(recent.drop(columns="Close")),
        "a gap of weeks": prices_request(recent.drop(index=range(100, 130))),
        "dates that are not dates": prices_request(recent.assign(Date="yesterday")),
        "not JSON": b"{prices",
        "no input field": b"{}",
        "a number for a table": b'{"dataframe_split": 5}',
        "a list of numbers as inputs": b'{"inputs": [1, 2, 3]}',
        "a tensor as instances": b'{"instances": [[1.0, 2.0], [3.0, 4.0]]}',
        "columns of different lengths": b'{"inputs": {"Date": ["2026-01-01"], "Close": [1.0, 2.0]}}',
        "records without the columns": b'{"dataframe_records": [{"x": 1}, {"x": 2}]}',
        "a split whose rows do not fit its columns": b'{"dataframe_split": {"columns": ["Date", "Close"], "data": [[1, 2, 3]]}}',
    }


def post(port: int, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def is_plain_error(status: int, body: str) -> bool:
    """A 4xx answer of one sentence: no traceback, no source path, no request echoed back."""
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    message = answer.get("message", "")
    return (400 <= status < 500 and set(answer) == {"error_code", "message"} and 10 < len(message) < 1500
            and "\n" not in message and "Traceback" not in body and ".py" not in body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(project: Path, env: str | None, model: str = "btc_forecaster"):
    """``kedro serve <model>`` from ``project`` on a free port; yields the port once /ping answers."""
    port = free_port()
    command = [sys.executable, "-m", "kedro", "serve", model, "--port", str(port), *(["--env", env] if env else [])]
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, cwd=project, stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(f"the server did not start:\n{log.read()}") from None
                    time.sleep(0.25)
            yield port
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def cpu_name() -> str:
    """The CPU's model name (Linux), else the architecture."""
    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")] if cpuinfo.exists() else []
    return names[0] if names else platform.machine()


def newest_served_answer(project: Path, data_root: str) -> dict:
    return json.loads(Path(sorted(glob.glob(str(project / data_root / SERVED_ANSWER / "*" / "*.json")))[-1]).read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", default=None)
    parser.add_argument("--data-root", default="data", help="the environment's data root (conf/<env>/globals.yml)")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    project = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(project / "src"))
    from hw3_pipelines.sources.prices import read_bundled_snapshot

    env = ["--env", args.env] if args.env else []
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kedro", "run", "--pipeline", "btc_forecast", *env, "--params", "btc.ingest.source=bundled"],
                   cwd=project, check=True, capture_output=True)
    forecast_run_seconds = time.perf_counter() - started
    prices = read_bundled_snapshot()
    started = time.perf_counter()
    with served(project, args.env) as port:
        startup_seconds = time.perf_counter() - started
        status, body = post(port, prices_request(prices))
        equal = status == 200 and json.loads(body)["predictions"] == newest_served_answer(project, args.data_root)
        recent = prices_request(prices.tail(400))
        latencies = []
        for _ in range(args.requests):
            started = time.perf_counter()
            status, _ = post(port, recent)
            latencies.append(time.perf_counter() - started)
            assert status == 200
        plain = {kind: sum(is_plain_error(*post(port, body)) for _ in range(20)) for kind, body in bad_requests(prices).items()}
        still_serving = post(port, recent)[0] == 200
    cuts = statistics.quantiles(latencies, n=100)
    report({
        "btc_forecast_run_seconds": round(forecast_run_seconds, 2),
        "server_startup_seconds": round(startup_seconds, 2),
        "served_equals_btc_forecast": equal,
        "requests": args.requests,
        "latency_ms": {"p50": round(1000 * cuts[49], 1), "p99": round(1000 * cuts[98], 1), "max": round(1000 * max(latencies), 1)},
        "bad_requests_answered_plainly": plain,
        "still_serving_after_bad_requests": still_serving,
    }, args.out)


def report(result: dict, out: Path | None) -> None:
    """Print ``result`` with the machine it was measured on, and write it to ``out``."""
    text = json.dumps({"machine": {"processor": cpu_name(), "cpu_count": os.cpu_count()}, **result}, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
