"""Progress of a long catch-up: a bar on a terminal, log lines otherwise."""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None,
                 every: float = 10.0, tty: bool | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = every if not self.tty else 0.2
        self.done = 0
        self.start = time.monotonic()
        self._shown = self.start
        self.log = logging.getLogger("reviewbot.bot")

    def add_total(self, n: int | None) -> None:
        if n is not None:
            self.total = (self.total or 0) + n

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._shown >= self.every:
            self._shown = now
            self._show(now)

    def rate(self) -> float:
        spent = time.monotonic() - self.start
        return self.done / spent if spent > 0 else 0.0

    def _show(self, now: float) -> None:
        rate = self.rate()
        if self.total:
            frac = min(self.done / self.total, 1.0)
            left = (self.total - self.done) / rate if rate > 0 else 0
            text = f"{self.label}: {self.done}/{self.total} ({frac:.0%}, {rate:.0f}/s, {left:.0f}s left)"
        else:
            text = f"{self.label}: {self.done} ({rate:.0f}/s)"
        if self.tty:
            width = 30
            bar = ""
            if self.total:
                fill = int(width * min(self.done / self.total, 1.0))
                bar = "[" + "#" * fill + "." * (width - fill) + "] "
            self.stream.write("\r" + bar + text + "\x1b[K")
            self.stream.flush()
        else:
            self.log.info("%s", text)

    def finish(self) -> None:
        if self.done == 0:
            return
        if self.tty:
            self._show(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
        elif time.monotonic() - self.start >= self.every:
            self._show(time.monotonic())
