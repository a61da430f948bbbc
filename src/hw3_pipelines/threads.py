"""The thread budget of a worker process: how many torch threads it may use.

Two training processes on two cores, each with two torch threads, ran about 18x slower
per epoch than one (README): oversubscribed threads spin against each other. A launcher
that starts several workers on one machine therefore says how many cores each has, in
the standard ``OMP_NUM_THREADS`` variable (Dask's nanny sets it to 1 by default), and
training never asks torch for more threads than that.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

BUDGET_VARIABLE = "OMP_NUM_THREADS"


def cores_per_worker(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def thread_budget(requested: int | None) -> int | None:
    """``requested`` torch threads, capped by the process's budget when a launcher set one."""
    budget = os.environ.get(BUDGET_VARIABLE)
    if not budget:
        return requested
    return min(requested, int(budget)) if requested else int(budget)


@contextmanager
def budget_for_run(workers: int | None):
    """Within the block, worker processes started here get ``cores_per_worker(workers)``
    threads (``None``: leave the variable as it is). Afterwards the variable is what it was,
    also when a library (Dask's nanny) changed it in this process."""
    previous = os.environ.get(BUDGET_VARIABLE)
    if workers is not None:
        os.environ[BUDGET_VARIABLE] = str(cores_per_worker(workers))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(BUDGET_VARIABLE, None)
        else:
            os.environ[BUDGET_VARIABLE] = previous
