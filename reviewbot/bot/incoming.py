"""What every source yields: messages in batches, each with its cursor.

The runner stores a batch's messages and its cursor in one transaction,
so after a crash a source starts again right after the last stored batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


class SourceError(RuntimeError):
    """A source cannot be read right now (one line, no secrets)."""


@dataclass(frozen=True)
class Incoming:
    raw: bytes | None  # None: the archive lost the message (missing blob)
    where: str  # "git/0.git@1a2b3c4d", "https://.../#3", "inbox.mbox#12"
    received: float  # when the archive got it (Unix time), never in the future
    deleted: bool = False  # the archive deleted this message (raw is what it deleted)


@dataclass(frozen=True)
class Batch:
    items: tuple[Incoming, ...]
    cursor: str  # opaque to the runner; stored after the items
    note: str = ""  # something worth a log line ("history rewritten ...")
    total: int | None = None  # how many messages this source has to read, when known


def clamp(ts: float | None, now: float | None = None) -> float:
    """An archive time that is never in the future (and never missing)."""
    now = time.time() if now is None else now
    if ts is None or ts != ts or ts <= 0:
        return now
    return min(ts, now)
