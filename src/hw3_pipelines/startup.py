"""Start-up without the garbage collector's sweeps over the imported libraries.

Every ``kedro`` command imports torch, MLflow, scikit-learn and pandas through the
project's settings: millions of objects that live as long as the process. While they are
imported, each of the collector's full sweeps walks all of them again, and at exit the
interpreter sweeps them once more. CPython's documented remedy is ``gc.freeze()``:
objects that exist at the freeze are never swept again. Objects made after it, a run's
data and models, are collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def importing_without_sweeps() -> Iterator[None]:
    """No collection while the block imports; what it made is frozen, then the collector
    is back on as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
