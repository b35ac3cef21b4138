"""A polite HTTP client: our own User-Agent, timeouts, a pause between
requests to one host, and retries with exponential backoff (honouring
``Retry-After``) on connection errors, 429 and 5xx answers."""

from __future__ import annotations

import random
import time
from typing import Callable
from urllib.parse import urlsplit

import requests

import reviewbot

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


def user_agent(contact: str = "") -> str:
    ua = f"reviewbot/{reviewbot.__version__} (list review bot; python-requests/{requests.__version__})"
    return f"{ua} contact: {contact}" if contact else ua


class HttpError(RuntimeError):
    """A request failed for good (one line, never a header or a token)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Polite:
    def __init__(self, *, rate: float = 1.0, timeout: float = 60.0, retries: int = 4,
                 contact: str = "", backoff: float = 2.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent(contact)
        self.rate = rate
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self._last: dict[str, float] = {}

    def request(self, method: str, url: str, *, ok: tuple[int, ...] = (200,), **kw) -> requests.Response:
        """The response when its status is in ``ok`` (or not retryable:
        the caller looks at it); HttpError when retries are exhausted."""
        host = urlsplit(url).netloc
        kw.setdefault("timeout", (min(10.0, self.timeout), self.timeout))
        attempt = 0
        while True:
            self._pace(host)
            try:
                resp = self.session.request(method, url, **kw)
            except requests.RequestException as exc:
                reason = type(exc).__name__
                resp = None
            else:
                if resp.status_code in ok or resp.status_code not in RETRY_STATUS:
                    return resp
                reason = f"HTTP {resp.status_code}"
            attempt += 1
            if attempt > self.retries:
                raise HttpError(f"{method} {_safe(url)}: {reason} after {attempt} tries",
                                resp.status_code if resp is not None else None)
            self.sleep(self._delay(attempt, resp))

    def _pace(self, host: str) -> None:
        last = self._last.get(host)
        now = time.monotonic()
        if last is not None and now - last < self.rate:
            self.sleep(self.rate - (now - last))
        self._last[host] = time.monotonic()

    def _delay(self, attempt: int, resp: requests.Response | None) -> float:
        if resp is not None:
            after = resp.headers.get("Retry-After", "")
            if after.isdigit():
                return min(float(after), 600.0)
        return min(self.backoff ** attempt, 300.0) * (0.75 + random.random() / 2)

    def close(self) -> None:
        self.session.close()


def _safe(url: str) -> str:
    """The URL without its query (a search may be long) and without userinfo."""
    p = urlsplit(url)
    host = p.hostname or ""
    if p.port:
        host += f":{p.port}"
    return f"{p.scheme}://{host}{p.path}"
