"""kedro-viz: the static build renders the pipelines in headless Chromium, offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hw3_pipelines.viz_build import CHROMIUM_ARGS, serve_locally
from tests.conftest import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def viz_build(tmp_path_factory) -> tuple[Path, Path]:
    """Build the site from a copy of the project, with HOME pointed at an empty folder."""
    project = tmp_path_factory.mktemp("project")
    home = tmp_path_factory.mktemp("home")
    for item in ("pyproject.toml", ".telemetry"):
        shutil.copy(PROJECT_ROOT / item, project / item)
    shutil.copytree(PROJECT_ROOT / "conf", project / "conf", ignore=shutil.ignore_patterns("local"))
    (project / "conf" / "local").mkdir()
    (project / "src").mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    subprocess.run(
        [sys.executable, "-c", "from hw3_pipelines.viz_build import main; main()"],
        cwd=project, env=env, check=True, capture_output=True, timeout=300,
    )
    return project, home


def test_build_writes_only_documented_files(viz_build):
    project, home = viz_build
    assert (project / "build" / "index.html").is_file()
    assert {p.name for p in (project / "build" / "api" / "pipelines").iterdir()} >= {"btc", "hafez", "rnn_theory"}
    written_home = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    # kedro-viz's anonymous id and matplotlib's font cache (built on first import); see README
    assert len(written_home) == 2
    assert written_home[0].startswith(".cache/matplotlib/fontlist-")
    assert written_home[1] == ".config/kedro/telemetry.toml"
    written_project = sorted(p.name for p in project.iterdir())
    assert written_project == [".telemetry", "build", "conf", "pyproject.toml", "src"]
    index = (project / "build" / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis" not in index
    assert "heapanalytics" not in index  # telemetry consent is false: no analytics script


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize(
    ("pipeline", "nodes"),
    [
        ("btc", ["ingest_btc_prices", "train_btc_model", "evaluate_btc_model", "forecast_btc_prices"]),
        ("hafez", ["clean_hafez_corpus", "train_hafez_model", "evaluate_hafez_model", "sample_hafez_verse"]),
    ],
)
def test_pipeline_renders_in_chromium_without_outside_requests(viz_build, pipeline, nodes, tmp_path):
    from playwright.sync_api import sync_playwright

    project, _ = viz_build
    requests: list[str] = []
    with serve_locally(project / "build") as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{base}/?pid={pipeline}", wait_until="networkidle")
        page.locator(".pipeline-node").first.wait_for(timeout=30_000)
        graph_text = " ".join(page.locator(".pipeline-node").all_text_contents())
        page.screenshot(path=str(tmp_path / f"{pipeline}.png"))
        browser.close()
    for node in nodes:
        assert node in graph_text
    outside = [url for url in requests if not url.startswith(("http://127.0.0.1:", "data:", "blob:"))]
    assert outside == []


LAYERS = ["raw", "intermediate", "primary", "feature", "model_input", "models", "model_output", "reporting"]


@pytest.mark.parametrize("pipeline", ["btc", "hafez", "hafez_metre", "hafez_pretrain", "btc_lookback", "btc_rolling"])
def test_layers_run_one_way_from_raw_to_reporting(viz_build, pipeline):
    """kedro-viz drops the layers of a pipeline whose datasets loop back to an earlier layer."""
    import json

    project, _ = viz_build
    graph = json.loads((project / "build" / "api" / "pipelines" / pipeline).read_text(encoding="utf-8"))
    used = {node.get("layer") for node in graph["nodes"]}
    in_graph_order = [layer for layer in graph["layers"] if layer in used]
    assert len(in_graph_order) >= 4 and in_graph_order == [layer for layer in LAYERS if layer in used]
