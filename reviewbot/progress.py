"""A one-line progress bar on a terminal, only for work that takes a while.

Nothing is drawn unless the stream is a terminal and, after ``delay``
seconds, the estimated total time is at least ``min_total`` seconds: a
quick run prints nothing and a pipe or a CI log never gets a bar.  The bar
is erased when the work is done, so the report that follows starts on a
clean line.
"""

from __future__ import annotations

import shutil
import time
from typing import Callable, TextIO


class Progress:
    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        delay: float = 1.0,
        min_total: float = 3.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.total = total
        self.stream = stream
        self.delay = delay
        self.min_total = min_total
        self.clock = clock or time.monotonic
        self.done = 0
        self.shown = False
        self.enabled = total > 0 and _isatty(stream)
        self._start = self.clock()
        self._drawn_at = float("-inf")

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def advance(self, label: str = "") -> None:
        self.done += 1
        if not self.enabled:
            return
        now = self.clock()
        elapsed = now - self._start
        if not self.shown:
            estimate = elapsed / self.done * self.total
            if elapsed < self.delay or self.done >= self.total or estimate < self.min_total:
                return
            self.shown = True
        if now - self._drawn_at >= 0.1 or self.done == self.total:
            self._drawn_at = now
            self._draw(label)

    def line(self, label: str, width: int) -> str:
        """The bar as drawn, at most ``width - 1`` characters."""
        count = f" {self.done}/{self.total} "
        bar_width = max(10, min(30, width // 3))
        filled = bar_width * self.done // max(self.total, 1)
        text = f"[{'#' * filled}{'.' * (bar_width - filled)}]{count}{label}"
        return text[: max(width - 1, 0)]

    def _draw(self, label: str) -> None:
        width = shutil.get_terminal_size((80, 24)).columns
        self.stream.write("\r" + self.line(label, width).ljust(width - 1))
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            width = shutil.get_terminal_size((80, 24)).columns
            self.stream.write("\r" + " " * (width - 1) + "\r")
            self.stream.flush()
            self.shown = False


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
