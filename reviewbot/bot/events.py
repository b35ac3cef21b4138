"""The JSON log of everything the bot decides, and its human log lines.

Each event is one JSON object on one line of the log file (appended and
flushed at once), and, for the events a person watches, one line on
stderr through ``logging``.  Fields are plain values: no secrets are ever
passed here.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, TextIO

LOGGER = "reviewbot.bot"
QUIET = frozenset({"message", "batch"})  # JSON only: one per message or batch


class Events:
    def __init__(self, path: str | None) -> None:
        self.path = path
        self.log = logging.getLogger(LOGGER)
        self._fh: TextIO | None = None
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self._fh = open(path, "a", encoding="utf-8")

    def emit(self, event: str, level: int = logging.INFO, **fields: Any) -> None:
        record = {"time": round(time.time(), 3), "event": event, **fields}
        if self._fh is not None:
            self._fh.write(json.dumps(record, sort_keys=False, default=str) + "\n")
            self._fh.flush()
        if event not in QUIET or level > logging.INFO:
            self.log.log(level, "%s", _human(event, fields))

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _human(event: str, fields: dict[str, Any]) -> str:
    lst = fields.get("list")
    head = f"[{lst}] {event}" if lst else event
    rest = " ".join(f"{k}={_short(v)}" for k, v in fields.items() if k != "list")
    return f"{head}: {rest}" if rest else head


def _short(v: Any) -> str:
    text = v if isinstance(v, str) else json.dumps(v, default=str)
    text = " ".join(text.split())
    if " " in text or not text:
        text = json.dumps(text)
    return text if len(text) <= 160 else text[:157] + "..."
