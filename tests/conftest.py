"""Shared test fixtures. Telemetry is off and nothing here touches the network."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_BTC_CSV = Path(os.environ.get("BTC_CSV", PROJECT_ROOT.parent / "shared" / "data" / "btc-usd-daily.csv"))


@pytest.fixture
def real_btc_csv() -> Path:
    if not SHARED_BTC_CSV.is_file():
        pytest.skip(f"real-data test: the BTC-USD snapshot is not at {SHARED_BTC_CSV} (set BTC_CSV)")
    return SHARED_BTC_CSV


def synthetic_prices(
    n_days: int = 400, seed: int = 0, start: str = "2020-01-01", drift: float = 0.0
) -> pd.DataFrame:
    """A positive random walk (log returns N(drift, 0.02)) in Yahoo's CSV layout."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(drift, 0.02, n_days)))
    open_ = np.concatenate([[close[0]], close[:-1]])
    return pd.DataFrame(
        {
            "Date": pd.date_range(start, periods=n_days, freq="D").strftime("%Y-%m-%d"),
            "Open": open_,
            "High": np.maximum(open_, close) * 1.01,
            "Low": np.minimum(open_, close) * 0.99,
            "Close": close,
            "Adj Close": close,
            "Volume": rng.integers(1_000, 10_000, n_days).astype(float),
        }
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the project's config, so pipeline runs write under tmp_path."""
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(PROJECT_ROOT / "conf", tmp_path / "conf", ignore=shutil.ignore_patterns("local"))
    (tmp_path / "conf" / "local").mkdir()
    (tmp_path / "src").mkdir()  # the package itself is installed; Kedro only checks the folder
    return tmp_path


def run_pipeline(
    project: Path, pipeline: str, params: dict | None = None, env: str = "test", **run_args
) -> dict:
    """Run one pipeline of the project in ``project`` with Kedro's own session machinery."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=env, runtime_params=params or {}) as session:
        return session.run(pipeline_name=pipeline, **run_args)


def latest(project: Path, relative: str) -> Path:
    """The newest version of a versioned dataset's file, e.g. ``data/08_reporting/x.json``."""
    versions = sorted((project / relative).iterdir())
    return versions[-1] / Path(relative).name
