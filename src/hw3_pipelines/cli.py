"""``kedro run`` as Kedro defines it, except that errors the project expects end it with
one message and exit status 1 instead of a traceback.

Expected errors are the project's own (``errors.ProjectError``: bad input data, a missing
prerequisite) and Kedro's parameter validation. Anything else is a bug and keeps its
traceback; so does every error when ``HW3_TRACEBACK=1`` is set. Whatever ends a run early,
its MLflow run is closed as FAILED, or KILLED on Ctrl-C, not left for MLflow to close as
FINISHED when the process exits.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

import click
from kedro.framework.cli.project import run as kedro_run
from kedro.validation.exceptions import ParameterValidationError

from hw3_pipelines.errors import ProjectError
from hw3_pipelines.logs import rich_in_a_terminal, trim_run_logs
from hw3_pipelines.pipeline_registry import pipeline_names, registering_hint
from hw3_pipelines.tracking import close_open_runs

TRACEBACK_VARIABLE = "HW3_TRACEBACK"


@click.group(name="hw3_pipelines")
def cli() -> None:
    """Commands of the hw3_pipelines project."""


@cli.command(name="run", params=kedro_run.params, help=kedro_run.help)
def run(**kwargs: Any) -> Any:
    _check_pipeline_names([kwargs["pipeline"], *kwargs["pipelines"]])
    if kwargs["pipeline"] and not kwargs["pipelines"]:
        # Kedro 1.x prefers --pipelines and warns on --pipeline, the form every Kedro guide
        # and this project's README use; both mean the same here.
        kwargs["pipelines"], kwargs["pipeline"] = [kwargs["pipeline"]], None
    rich_in_a_terminal()
    trim_run_logs()
    if not os.environ.get(TRACEBACK_VARIABLE):
        for name in _ERRORS_LOGGED_BEFORE_RAISING:
            logging.getLogger(name).addFilter(_expected_error_records)
    try:
        return kedro_run.callback(**kwargs)
    except BaseException as error:
        close_open_runs("KILLED" if isinstance(error, KeyboardInterrupt) else "FAILED")
        expected = expected_error(error)
        if expected is None or os.environ.get(TRACEBACK_VARIABLE):
            raise
        message = parameter_messages(str(expected)) if isinstance(expected, ParameterValidationError) else str(expected)
        raise click.ClickException(f"{message}\n(set {TRACEBACK_VARIABLE}=1 to see the traceback)") from None


def expected_error(error: BaseException | None) -> BaseException | None:
    """``error`` or the error it was raised from, if that is one the project expects: Kedro
    wraps an error raised while loading a dataset in its own (``DatasetError``)."""
    while error is not None:
        if isinstance(error, (ProjectError, ParameterValidationError)):
            return error
        error = error.__cause__
    return None


@cli.command(name="serve")
@click.argument("model_name")
@click.option("--version", default="latest", show_default=True, help="a version number or alias of the registered model")
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--env", "-e", default=None, help="the Kedro environment whose mlflow.yml names the registry")
def serve(model_name: str, version: str, port: int, env: str | None) -> None:
    """Serve a registered model (btc_forecaster) on 127.0.0.1 with MLflow's scoring server."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from hw3_pipelines.server import serve as serve_model
    from hw3_pipelines.tracking import is_registered

    bootstrap_project(Path.cwd())
    with KedroSession.create(env=env) as session:
        session.load_context()  # kedro-mlflow's hook points MLflow at the project's registry
    if not is_registered(model_name, version):
        raise click.ClickException(f"the registry holds no {model_name} at {version}: {registering_hint(model_name, env)}")
    uri = f"models:/{model_name}/{version}" if version == "latest" or version.isdigit() else f"models:/{model_name}@{version}"
    try:
        serve_model(uri, port)
    except ProjectError as error:
        raise click.ClickException(str(error)) from None


# Kedro logs these errors before raising them; the expected ones are printed below, once.
_ERRORS_LOGGED_BEFORE_RAISING = ("kedro.validation.parameter_validator", "kedro.pipeline.node")


def _expected_error_records(record: logging.LogRecord) -> bool:
    """Keep a record unless it is Kedro's log of an error this command prints itself: every
    parameter error, and a node's failure on a ``ProjectError`` (logged while handling it)."""
    if record.levelno < logging.ERROR:
        return True
    if record.name == "kedro.validation.parameter_validator":
        return False
    return not isinstance(expected_error(sys.exc_info()[1]), ProjectError)


def _check_pipeline_names(names: list[str | None]) -> None:
    known = pipeline_names()
    for name in filter(None, names):
        if name not in known and name != "__default__":
            raise click.UsageError(f"no pipeline named '{name}'; the pipelines are: {', '.join(known)}")


_PARAMETER = re.compile(r"^- Parameter '(?P<key>[^']+)': (?P<rest>.*)$")
_PYDANTIC_DETAIL = re.compile(r"^  (?P<message>.*?)(?: \[type=[^,\]]+(?:, input_value=(?P<value>.*?), input_type=\w+)?\])?$")


def parameter_messages(text: str) -> str:
    """Kedro's report of failed parameter models, one line per bad key, without Pydantic's
    type codes and links: ``btc.lookback: Input should be greater than or equal to 1 (got -5)``."""
    lines, key, location = [], "", ""
    for line in text.splitlines():
        if match := _PARAMETER.match(line):
            key, location = match["key"], ""
            if "validation error" not in match["rest"]:
                lines.append(f"{key}: {match['rest']}")
        elif line.startswith("    ") or not line.strip() or line.startswith("Parameter validation failed"):
            continue
        elif match := _PYDANTIC_DETAIL.match(line):
            value = f" (got {match['value']})" if match["value"] and not match["value"].startswith("{") else ""
            lines.append(f"{'.'.join(filter(None, [key, location]))}: {match['message'].removeprefix('Value error, ')}{value}")
            location = ""
        else:
            location = line.strip()
    return "invalid parameters:\n" + "\n".join(f"  {line}" for line in lines)
