"""Progress for long loops: a bar with the time left on a terminal, a log line every 60 s
elsewhere (CI logs, a redirected run), with the time spent and an estimate of the time left,
and one at the end of a loop that took a while: a loop done in a few seconds ends silently.

tqdm draws nothing when no terminal shows it (``disable=None``), which is right for logs
but would leave a long step silent; so when the bar is off, the loop logs instead. A unit
can be long (an epoch of pretraining takes minutes), so a loop may report how far into the
current unit it is (``advance``), and both the bar and the log lines move within it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

logger = logging.getLogger(__name__)
T = TypeVar("T")
LOG_EVERY_SECONDS = 60.0
QUIET_UNDER_SECONDS = 5.0  # a loop done sooner, with no line logged yet, logs none at its end


class Progress:
    """``with Progress(total, desc, unit) as bar: ... bar.advance(0.5) ... bar.update(note)``."""

    def __init__(self, total: int, desc: str, unit: str = "it", log_every: float = LOG_EVERY_SECONDS) -> None:
        self.total, self.desc, self.unit, self.done = total, desc, unit, 0
        self._bar = tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True, disable=None)
        self._log_every, self._fraction = log_every, 0.0
        self._started = self._logged = time.monotonic()
        self._note: dict[str, str] = {}
        self._lines = 0

    def advance(self, fraction: float) -> None:
        """``fraction`` of the current unit is done."""
        self._bar.update(fraction - self._fraction)
        self._fraction = fraction
        if self._bar.disable and self._due():
            self._log()

    def update(self, note: dict[str, str] | None = None) -> None:
        """One more unit is done; ``note`` (e.g. the losses) is shown beside the count."""
        self._bar.update(1 - self._fraction)
        self.done, self._fraction = self.done + 1, 0.0
        if note:
            self._note = note
            self._bar.set_postfix(note)
        if self._bar.disable and (self._due() or (self.done == self.total and self._took_a_while())):
            self._log()

    def _due(self) -> bool:
        return time.monotonic() - self._logged >= self._log_every

    def _took_a_while(self) -> bool:
        return self._lines > 0 or time.monotonic() - self._started >= QUIET_UNDER_SECONDS

    def _log(self) -> None:
        now = time.monotonic()
        self._logged, self._lines = now, self._lines + 1
        position = self.done + self._fraction
        elapsed = now - self._started
        left = f", about {_duration(elapsed / position * (self.total - position))} left" if 0 < position < self.total else ""
        note = "".join(f", {k} {v}" for k, v in self._note.items())
        logger.info(
            "%s: %s/%d %ss, %s elapsed%s%s", self.desc, _tenths(position), self.total, self.unit,
            _duration(elapsed), left, note,
        )

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self._bar.close()


def _tenths(position: float) -> str:
    """Rounded down, so that 1.99 epochs reads 1.9, not the 2 that the next line reports."""
    return f"{math.floor(position * 10 + 1e-9) / 10:.1f}".removesuffix(".0")


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def track(items: Iterable[T], total: int, desc: str, unit: str = "it") -> Iterator[T]:
    """Iterate ``items`` with progress."""
    with Progress(total, desc, unit) as bar:
        for item in items:
            yield item
            bar.update()
