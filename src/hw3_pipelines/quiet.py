"""Known upstream warnings, filtered in one place, each by its category and module.

Each says something to the authors of a library this project uses, nothing to its users,
and each came before the first line of every run. Anything not listed here still shows.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

KNOWN_WARNINGS = [
    # MLflow asks for type hints on a PythonModel's predict() when kedro-mlflow defines its
    # KedroPipelineModel at import, whose predict() is the plugin's. MLflow raises it under a
    # filter of its own ("once"), so only ``importing_quietly`` removes it.
    (UserWarning, r"mlflow\.pyfunc\.utils\.data_validation", r".*Add type hints to the `predict` method"),
    # OmegaConf 2.4 deprecates register_new_resolver(), which Kedro's config loader and
    # kedro-mlflow's hook still call on every run.
    (UserWarning, r"kedro\.config\.omegaconf_config|kedro_mlflow\.framework\.hooks\.mlflow_hook", r"register_new_resolver\(\) is deprecated"),
    # Kedro's namespacing (pipeline(namespace=...)) names datasets "<namespace>.<name>" and
    # then warns, building the namespaced nodes, that their names contain a dot.
    (UserWarning, r"kedro\.pipeline\.node", r"One or more dataset names contain '\.' characters"),
    # Kedro's parameter validation reads model_fields from instances (kedro/validation/utils.py),
    # which Pydantic 2.11 deprecates.
    (DeprecationWarning, r"kedro\.validation\..*", r"Accessing the 'model_fields' attribute on the instance"),
]


def filter_known_warnings() -> None:
    for category, module, message in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)


def is_known(warning: warnings.WarningMessage) -> bool:
    """Whether a recorded warning is one of ``KNOWN_WARNINGS``: its module is read from the
    file it was raised in (``.../mlflow/pyfunc/utils/data_validation.py``)."""
    dotted = str(Path(warning.filename).with_suffix("")).replace(os.sep, ".")
    return any(
        issubclass(warning.category, category)
        and re.search(rf"(^|\.)(?:{module})$", dotted)
        and re.match(message, str(warning.message), re.IGNORECASE)
        for category, module, message in KNOWN_WARNINGS
    )


@contextmanager
def importing_quietly() -> Iterator[None]:
    """Import inside this block to drop the known warnings that a library raises under a
    warnings filter of its own; every other warning is raised again afterwards."""
    with warnings.catch_warnings(record=True) as caught:
        yield
    for warning in caught:
        if not is_known(warning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
