"""Which process an MLflow run belongs to, written as MLflow creates the run.

A run created and then tagged could be killed between the two, and stay RUNNING with no
process to close it or to tell ``tracking.close_stale_runs`` that it is gone. MLflow's run
context providers add their tags to the run's creation itself; this one is registered
under the ``mlflow.run_context_provider`` entry point (``pyproject.toml``), so every run
started in the project's environment says its host and pid from its first moment.

MLflow loads the entry point while ``mlflow`` itself is being imported, so this module
imports nothing of MLflow's: the provider has the two methods of MLflow's
``RunContextProvider`` rather than its base class, which would import this module again
before it is defined.
"""

from __future__ import annotations

import os
import socket

HOST_TAG, PID_TAG = "process.host", "process.pid"


class ProcessRunContext:
    """Tags every run with the host and pid of the process that starts it."""

    def in_context(self) -> bool:
        return True

    def tags(self) -> dict[str, str]:
        return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}
