"""The README's MLflow screenshot: two btc runs compared in the real MLflow UI.

    python docs/mlflow_screenshot.py sqlite:///mlflow.db docs/mlflow_btc_compare.png

Starts ``mlflow ui`` on 127.0.0.1 for the given store, opens the comparison of the two
newest finished ``btc`` runs in headless Chromium, shows only the parameters and metrics
that differ, and saves a screenshot. Needs Debian's
chromium and the test extra (playwright).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import mlflow
from playwright.sync_api import sync_playwright

from hw3_pipelines.viz_build import CHROMIUM_ARGS


def two_newest_btc_runs(store: str) -> tuple[str, list[str]]:
    mlflow.set_tracking_uri(store)
    runs = mlflow.search_runs(
        experiment_names=["hw3_pipelines"], filter_string="tags.mlflow.runName = 'btc' and attributes.status = 'FINISHED'",
        order_by=["attributes.start_time DESC"], max_results=2,
    )
    return runs["experiment_id"].iloc[0], list(runs["run_id"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main(store: str, out: str) -> None:
    experiment, runs = two_newest_btc_runs(store)
    port = free_port()
    ui = subprocess.Popen(
        [str(Path(sys.executable).with_name("mlflow")), "ui", "--backend-store-uri", store, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base, timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1300, "height": 1250})
            runs_param = "[" + ",".join(f'"{run}"' for run in runs) + "]"
            # the UI keeps polling, so the network never idles: wait for the page to settle
            page.goto(f"{base}/#/compare-runs?runs={runs_param}&experiments=[\"{experiment}\"]", wait_until="load")
            page.wait_for_timeout(10_000)
            _tidy(page)
            page.screenshot(path=out)
            browser.close()
    finally:
        ui.terminate()
        ui.wait(timeout=30)


def _tidy(page) -> None:
    """Close the assistant panel, fold the plots away, and list only the parameters that differ."""
    close = page.get_by_role("button", name="Close", exact=True)
    if close.count():
        close.click()
    page.get_by_text("Visualizations", exact=True).click()
    page.locator('button[aria-label="Parameters - Show diff only"]').click()
    page.wait_for_timeout(1500)
    page.evaluate("document.querySelectorAll('*').forEach(element => { element.scrollTop = 0; })")


if __name__ == "__main__":
    main(*sys.argv[1:3])
