"""The README's kedro-viz screenshot of the btc pipeline, taken in headless Chromium.

    hw3-viz-build && python docs/viz_screenshot.py build docs/viz_btc.png

Serves the static build on 127.0.0.1, closes kedro-viz's feature tour, keeps the nodes
tagged ingest, features, training and inference (the eight figures of the reporting tag
hang off the datasets at the bottom), turns the minimap and the menu off, fits the graph
and crops the empty margins. Needs Debian's chromium and the test extra (playwright).
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from hw3_pipelines.viz_build import CHROMIUM_ARGS, serve_locally

TAGS = ("Ingest", "Features", "Training", "Inference")


def main(build: str, out: str) -> None:
    with serve_locally(Path(build)) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        page.goto(f"{base}/?pid=btc", wait_until="networkidle")
        page.locator(".pipeline-node").first.wait_for(timeout=30_000)
        page.locator(".feature-hints__close").click()
        page.add_style_tag(content=".feature-hints, .feature-hints__highlightDot {display: none !important}")
        for tag in TAGS:
            page.locator(f"input[name={tag}]").check(force=True)
        for button in ("Change to light theme", "Turn minimap off", "Hide menu", "Reset zoom"):
            page.get_by_role("button", name=button).first.click()
            page.wait_for_timeout(400)
        page.mouse.move(1390, 10)
        page.wait_for_timeout(1500)
        page.screenshot(path=out, clip={"x": 420, "y": 40, "width": 860, "height": 1440})
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
