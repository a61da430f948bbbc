"""One log record, one line, when no terminal shows the log (CI, a file, a pipe).

Kedro logs through rich, which draws for a terminal: outside one it assumes 80 columns
and wraps every record into a box of several lines (eight nodes took 228 lines), and its
tracebacks fill hundreds more. Kedro's ``conf/logging.yml`` may only name classes of
``logging`` and ``kedro.logging``, so the switch is made here, when the project loads:
outside a terminal rich's handler gives way to a plain one, and tracebacks to Python's.
"""

from __future__ import annotations

import logging
import sys

import rich.logging

PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"


def plain_outside_a_terminal() -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, rich.logging.RichHandler) and not handler.console.is_terminal:
            plain = logging.StreamHandler(sys.stdout)
            plain.setFormatter(logging.Formatter(PLAIN_FORMAT, datefmt="%H:%M:%S"))
            plain.setLevel(handler.level)
            root.removeHandler(handler)
            root.addHandler(plain)
            sys.excepthook = sys.__excepthook__
