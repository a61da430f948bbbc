"""Progress for long loops: a bar on a terminal, a log line every tenth of the way elsewhere.

tqdm draws nothing when no terminal shows it (``disable=None``), which is right for logs
and CI but leaves a long step silent; so when the bar is off, the loop logs instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

logger = logging.getLogger(__name__)
T = TypeVar("T")


class Progress:
    """``with Progress(total, desc) as bar: ... bar.update(note=...)``."""

    def __init__(self, total: int, desc: str, unit: str = "it") -> None:
        self.total, self.desc, self.done = total, desc, 0
        self._bar = tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True, disable=None)
        self._log_every = max(1, total // 10)

    def update(self, note: dict[str, str] | None = None) -> None:
        self.done += 1
        self._bar.update()
        if note:
            self._bar.set_postfix(note)
        if self._bar.disable and (self.done % self._log_every == 0 or self.done == self.total):
            extra = ", ".join(f"{k} {v}" for k, v in (note or {}).items())
            logger.info("%s: %d/%d%s", self.desc, self.done, self.total, f", {extra}" if extra else "")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self._bar.close()


def track(items: Iterable[T], total: int, desc: str, unit: str = "it") -> Iterator[T]:
    """Iterate ``items`` with progress."""
    with Progress(total, desc, unit) as bar:
        for item in items:
            yield item
            bar.update()
