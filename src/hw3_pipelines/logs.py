"""Log lines drawn by rich in a terminal, plain elsewhere, and none that repeat another.

``conf/logging.yml`` writes one plain line per record, which is what CI logs, files and
pipes need: rich, Kedro's default, assumes 80 columns outside a terminal and wraps every
record into several lines (eight nodes took 228 lines), with tracebacks of hundreds more.
Kedro's logging configuration may only name classes of ``logging`` and ``kedro.logging``
and cannot ask whether it writes to a terminal, so ``kedro run`` makes that switch here.
"""

from __future__ import annotations

import logging
import sys

from kedro.logging import RichHandler


def rich_in_a_terminal() -> None:
    """Replace the plain console handler with Kedro's rich one when stdout is a terminal."""
    if not sys.stdout.isatty():
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler and handler.stream is sys.stdout:
            root.removeHandler(handler)
            root.addHandler(RichHandler(rich_tracebacks=True))


REPEATED = (
    "Completed node: %s",  # always followed by "Completed k out of n tasks"
    "Using synchronous mode for loading and saving data",  # advice, on every run
)


def _not_repeated(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(REPEATED)


def _not_cluster_chatter(record: logging.LogRecord) -> bool:
    """Dask's INFO records (a LocalCluster's workers starting and stopping: about 60 lines
    a run) say nothing a run's own lines do not; its warnings and errors stay. Dask sets its
    loggers' levels itself when imported, after Kedro's logging configuration."""
    return record.levelno >= logging.WARNING or not record.name.startswith("distributed")


def trim_run_logs() -> None:
    """Leave out Kedro's records that repeat another or give the same advice every run, and Dask's chatter."""
    for handler in logging.getLogger().handlers:
        for keep in (_not_repeated, _not_cluster_chatter):
            if keep not in handler.filters:
                handler.addFilter(keep)
