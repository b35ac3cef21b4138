"""lore (any public-inbox) over HTTP.

- new mail: a search download, ``POST <base>/?q=rt:<day>..&x=m``, from a
  little before the last poll (the overlap catches messages indexed late);
  messages already stored are recognised by Message-ID;
- a whole thread: ``GET <base>/<msgid>/t.mbox.gz`` (to look for the missing
  patches of a series before reviewing it incomplete).

The archive time of a message is its Date header, never in the future.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Iterator
from urllib.parse import quote

from ..sources import RawMessage, messages_in
from .config import Source
from .http import HttpError, Polite
from .incoming import Batch, Incoming, SourceError, clamp

_DATE = re.compile(rb"(?im)^date:[ \t]*([^\r\n]*)")


class Lore:
    def __init__(self, source: Source, http: Polite, batch: int = 500) -> None:
        self.source = source
        self.http = http
        self.batch = batch

    def fetch(self) -> None:  # nothing to mirror: every poll asks the server
        return None

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        state = json.loads(cursor) if cursor else {}
        started = time.time()
        since = float(state.get("polled", started - self.source.since)) - self.source.overlap
        day = datetime.fromtimestamp(since, timezone.utc).strftime("%Y-%m-%d")
        query = f"rt:{day}.." + (f" {self.source.query}" if self.source.query else "")
        items = self.search(query)
        done = json.dumps({"polled": started})
        for i in range(0, len(items), self.batch):
            last = i + self.batch >= len(items)
            yield Batch(tuple(items[i : i + self.batch]), done if last else cursor or "{}",
                        total=len(items) if i == 0 else None)
        if not items:
            yield Batch((), done, total=0)

    def search(self, query: str) -> list[Incoming]:
        url = f"{self.source.url}/"
        try:
            resp = self.http.request("POST", url, params={"q": query, "x": "m"}, ok=(200, 404))
        except HttpError as exc:
            raise SourceError(str(exc)) from None
        if resp.status_code == 404:  # public-inbox's answer to "no match"
            return []
        if resp.status_code != 200:
            raise SourceError(f"search on {url}: HTTP {resp.status_code}")
        # the newest come first: read in archive order
        return list(reversed(self._incoming(f"{url}?q={query}", resp.content)))

    def thread(self, msgid: str) -> list[Incoming]:
        url = f"{self.source.url}/{quote(msgid, safe='@!$&*+=-._~')}/t.mbox.gz"
        try:
            resp = self.http.request("GET", url, ok=(200, 404, 410))
        except HttpError as exc:
            raise SourceError(str(exc)) from None
        if resp.status_code != 200:
            return []
        return self._incoming(url, resp.content)

    def _incoming(self, where: str, data: bytes) -> list[Incoming]:
        if not data.strip():
            return []
        out = []
        for raw in messages_in(where, data):
            if isinstance(raw, RawMessage):
                out.append(Incoming(raw.data, raw.source, clamp(date_of(raw.data))))
        return out


def date_of(data: bytes) -> float | None:
    head = data.split(b"\n\n", 1)[0]
    m = _DATE.search(head)
    if not m:
        return None
    try:
        return parsedate_to_datetime(m.group(1).decode("ascii", "replace").strip()).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
