"""A local mbox (``.gz`` ok) or Maildir: the default, no network needed.

Each pass reads the whole file or folder when it changed (size and mtime
are the cursor) and lets the runner skip the messages it already stored.
"""

from __future__ import annotations

import json
import os
from typing import Iterator

from ..sources import InputError, RawMessage, read_inputs
from .config import Source
from .incoming import Batch, Incoming, SourceError, clamp
from .lore import date_of


class LocalMail:
    def __init__(self, source: Source, batch: int = 500) -> None:
        self.source = source
        self.batch = batch

    def fetch(self) -> None:
        return None

    def _signature(self) -> str:
        path = self.source.path
        try:
            if os.path.isdir(path):
                stats = [os.stat(os.path.join(path, d)) for d in ("new", "cur") if os.path.isdir(os.path.join(path, d))]
                return json.dumps([[s.st_mtime_ns, s.st_nlink] for s in stats])
            st = os.stat(path)
        except OSError as exc:
            raise SourceError(f"{path}: {exc.strerror or exc}") from None
        return json.dumps([st.st_size, st.st_mtime_ns])

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        sig = self._signature()
        if cursor == sig:
            return
        items: list[Incoming] = []
        first = True
        for raw in read_inputs([self.source.path]):
            if isinstance(raw, InputError):
                if first and not items and "cannot read" in raw.message:
                    raise SourceError(str(raw))
                continue
            assert isinstance(raw, RawMessage)
            items.append(Incoming(raw.data, raw.source, clamp(date_of(raw.data))))
            if len(items) >= self.batch:  # keep memory flat: the old cursor until the end
                yield Batch(tuple(items), cursor or "")
                items, first = [], False
        yield Batch(tuple(items), sig)
