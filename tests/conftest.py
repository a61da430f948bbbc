"""Shared test fixtures. Telemetry is off and nothing here touches the network."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MPLBACKEND", "Agg")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # One thread per test worker, here and in the runs it starts (the project's thread
    # budget, hw3_pipelines.threads): two workers each with two threads on a 2-core machine
    # ran trainings several times slower than one alone. Runs that pin their threads (the
    # test environment's training, one) are unchanged.
    from hw3_pipelines.threads import BUDGET_VARIABLE

    os.environ[BUDGET_VARIABLE] = "1"
    import torch

    torch.set_num_threads(1)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = "data/test"  # conf/test's data root (conf/test/globals.yml)


@pytest.fixture(autouse=True)
def offline_yfinance(monkeypatch):
    """Every test runs as if Yahoo could not be reached, as yfinance reports it: an
    empty frame. A test that needs a download replaces ``yfinance.download`` itself."""
    import yfinance

    monkeypatch.setattr(yfinance, "download", lambda *args, **kwargs: pd.DataFrame())


def deep_merge(base: dict, overrides: dict) -> dict:
    merged = dict(base)
    for key, value in overrides.items():
        merged[key] = deep_merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


def conf_parameters(section: str, env: str = "base") -> dict:
    """One section of ``conf/base/parameters_<section>.yml``, with ``conf/<env>``'s overrides."""
    params = yaml.safe_load((PROJECT_ROOT / "conf" / "base" / f"parameters_{section}.yml").read_text(encoding="utf-8"))
    env_file = PROJECT_ROOT / "conf" / env / f"parameters_{section}.yml"
    if env != "base" and env_file.is_file():
        params = deep_merge(params, yaml.safe_load(env_file.read_text(encoding="utf-8")))
    return params[section]


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


def copy_project(target: Path) -> Path:
    """A throwaway copy of the project's config in ``target``, so runs write under it."""
    for item in ("pyproject.toml", ".telemetry"):
        shutil.copy(PROJECT_ROOT / item, target / item)
    shutil.copytree(PROJECT_ROOT / "conf", target / "conf", ignore=shutil.ignore_patterns("local"))
    (target / "conf" / "local").mkdir()
    (target / "src").mkdir()  # the package itself is installed; Kedro only checks the folder
    for mlflow_yml in (target / "conf").glob("*/mlflow.yml"):
        # MLflow caches a store per URI, so a relative sqlite path would keep pointing into the
        # first project of the test session; each copy gets its own absolute one.
        text = mlflow_yml.read_text(encoding="utf-8")
        mlflow_yml.write_text(text.replace("sqlite:///", f"sqlite:///{target}/"), encoding="utf-8")
    return target


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


def run_pipeline(
    project: Path, pipeline: str, params: dict | None = None, env: str = "test", **run_args
) -> dict:
    """Run one pipeline of the project in ``project`` with Kedro's own session machinery,
    from the project's folder, as ``kedro run`` does (MLflow's store path is relative)."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from hw3_pipelines.tracking import close_open_runs

    bootstrap_project(project)
    previous = Path.cwd()
    os.chdir(project)
    try:
        with KedroSession.create(project_path=project, env=env, runtime_params=params or {}) as session:
            return session.run(pipeline_names=[pipeline], **run_args)
    except BaseException:
        close_open_runs("FAILED")  # as `kedro run` does (cli.py): a run stopped early leaves none open
        raise
    finally:
        os.chdir(previous)


def versions(project: Path, relative: str) -> list[Path]:
    """Every saved version's file of a versioned dataset, oldest first."""
    folder = project / relative
    return [version / folder.name for version in sorted(folder.iterdir())] if folder.exists() else []


def latest(project: Path, relative: str) -> Path:
    """The newest version of a versioned dataset's file, e.g. ``data/test/08_reporting/x.json``."""
    return versions(project, relative)[-1]
