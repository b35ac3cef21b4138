"""One pass over every list: read what is new, review what is ready,
deliver what may go out.  ``reviewbot bot --once`` is one pass."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

from . import ingest
from .config import ListConfig, Source
from .context import Bot
from .deliver import Outbox
from .gitinbox import GitInbox
from .http import Polite
from .incoming import SourceError
from .localmail import LocalMail
from .lore import Lore
from .poster import Channels, deliver_list
from .progress import Progress
from .reviewer import plan_pending, review_series
from .tracker import find_previous, readiness

_MSGID = re.compile(rb"(?im)^message-id:[ \t]*(?:\r?\n[ \t]+)?<([^<>\s]+)>")


@dataclass
class PassStats:
    messages: int = 0  # new messages stored
    skipped: int = 0  # already known
    deleted: int = 0
    missing: int = 0  # commits whose blob is gone
    reviewed: int = 0  # series reviewed
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    delivered: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def make_source(bot: Bot, src: Source, http: Polite | None):
    if src.type == "public-inbox":
        return GitInbox(src, log=lambda text: bot.events.emit("source", source=src.name, note=text))
    if src.type == "lore":
        assert http is not None
        return Lore(src, http)
    return LocalMail(src)


def run_pass(bot: Bot, only: str | None = None) -> PassStats:
    stats = PassStats()
    start = time.monotonic()
    http = None
    if any(s.type == "lore" for lst in bot.cfg.lists for s in lst.sources):
        http = Polite(rate=bot.cfg.http_rate, timeout=bot.cfg.http_timeout,
                      retries=bot.cfg.http_retries, contact=bot.cfg.from_addr)
    channels = Channels(Outbox(bot.cfg.outbox_path), http=http)
    try:
        for lst in bot.cfg.lists:
            if only and lst.name != only:
                continue
            for src in lst.sources:
                if bot.stop.is_set():
                    break
                read_source(bot, lst, src, http, stats)
            if bot.stop.is_set():
                break
            stats.reviewed += review_ready(bot, lst)
            for k, v in deliver_list(bot, lst, channels).items():
                stats.delivered[k] = stats.delivered.get(k, 0) + v
    finally:
        channels.close()
        if http is not None:
            http.close()
    stats.seconds = round(time.monotonic() - start, 3)
    bot.events.emit("pass", **stats.as_dict())
    return stats


def read_source(bot: Bot, lst: ListConfig, src: Source, http: Polite | None, stats: PassStats) -> None:
    reader = make_source(bot, src, http)
    progress = Progress(f"[{lst.name}] {src.name}", tty=None if bot.show_progress else False)
    loose = ingest.Loose()
    try:
        reader.fetch()
        for batch in reader.batches(bot.state.cursor(lst.name, src.name)):
            if batch.note:
                bot.events.emit("source-note", logging.WARNING, list=lst.name, source=src.name, note=batch.note)
            progress.add_total(batch.total)
            counts = {"new": 0, "known": 0}
            with bot.state.transaction():
                for item in batch.items:
                    _one(bot, lst, item, loose, stats, counts)
                bot.state.set_cursor(lst.name, src.name, batch.cursor)
            progress.update(len(batch.items))
            if batch.items:
                bot.events.emit("batch", list=lst.name, source=src.name, **counts, cursor=batch.cursor)
            if bot.stop.is_set():
                break
    except SourceError as exc:
        stats.errors.append(f"{src.name}: {exc}")
        bot.events.emit("source-error", logging.ERROR, list=lst.name, source=src.name, error=str(exc))
    finally:
        progress.finish()


def _one(bot: Bot, lst: ListConfig, item, loose: ingest.Loose, stats: PassStats, counts: dict) -> None:
    if item.raw is None:
        stats.missing += 1
        bot.events.emit("message-missing", logging.WARNING, list=lst.name, where=item.where,
                        note="the archive has no blob for this commit; skipped")
        return
    if item.deleted:
        msgid = ingest.deleted_id(item)
        if msgid:
            series = bot.state.mark_deleted(lst.name, msgid)
            stats.deleted += 1
            bot.events.emit("message-deleted", list=lst.name, message_id=msgid, series=series)
        return
    if not item.raw.strip():
        return  # a purged message: public-inbox leaves an empty blob
    m = _MSGID.search(item.raw.split(b"\n\n", 1)[0])
    if m and bot.state.has_message(lst.name, m.group(1).decode("utf-8", "replace")):
        stats.skipped += 1
        counts["known"] += 1
        return
    c = ingest.classify(bot.state, lst.name, item, loose)
    if ingest.store(bot.state, lst.name, item, c):
        stats.messages += 1
        counts["new"] += 1
        if c.kind in ("patch", "cover", "broken", "unreadable"):
            bot.events.emit("message", list=lst.name, message_id=c.msgid, kind=c.kind,
                            series=c.series, where=item.where, problem=c.problem or None)
    else:
        stats.skipped += 1
        counts["known"] += 1


def review_ready(bot: Bot, lst: ListConfig) -> int:
    state = bot.state
    now = bot.clock()
    waiting = state.series_in(lst.name, ("waiting",))
    links = [(s, find_previous(state, s)) for s in waiting if s.version > 1 and not s.prev]
    links = [(s, p) for s, p in links if p is not None]
    if links:
        with state.transaction():
            for s, p in links:
                state.set_series_state(lst.name, s.key, "waiting", prev=p.key)
        for s, p in links:
            bot.events.emit("linked", list=lst.name, series=s.key, version=s.version,
                            previous=p.key, previous_version=p.version, title=s.title)
    reviewed = 0
    progress = Progress(f"[{lst.name}] review", total=None, tty=None if bot.show_progress else False)
    for row in state.series_in(lst.name, ("waiting",)):
        if bot.stop.is_set():
            break
        row = state.get_series(lst.name, row.key) or row  # a newer version may have superseded it
        if row.state != "waiting":
            continue
        msgs = state.series_messages(lst.name, row.key)
        rd = readiness(row, msgs, lst.grace, now)
        if not any(m.kind in ("patch", "broken") for m in msgs):
            if rd.ready:  # a cover letter alone (its patches went to other lists)
                with state.transaction():
                    state.set_series_state(lst.name, row.key, "empty", reviewed_at=now)
            continue
        if not rd.ready:
            plan_pending(bot, lst, row, msgs)
            continue
        if not rd.complete and _complete_from_thread(bot, lst, msgs):
            msgs = state.series_messages(lst.name, row.key)
            row = state.get_series(lst.name, row.key) or row
            rd = readiness(row, msgs, lst.grace, now)
        _supersede_previous(bot, lst, row, now)
        review_series(bot, lst, row, rd, superseded=state.newer_exists(row))
        reviewed += 1
        progress.update()
    for key in state.series_with_unreviewed(lst.name):
        row = state.get_series(lst.name, key)
        if row is not None:
            msgs = state.series_messages(lst.name, key)
            review_series(bot, lst, row, readiness(row, msgs, lst.grace, now))
            reviewed += 1
    progress.finish()
    return reviewed


def _supersede_previous(bot: Bot, lst: ListConfig, row, now: float) -> None:
    """A previous version still waiting for its patches is reviewed, quietly."""
    if not row.prev:
        return
    prev = bot.state.get_series(lst.name, row.prev)
    if prev is None or prev.state != "waiting":
        return
    _supersede_previous(bot, lst, prev, now)
    msgs = bot.state.series_messages(lst.name, prev.key)
    review_series(bot, lst, prev, readiness(prev, msgs, lst.grace, now), superseded=True)


def _complete_from_thread(bot: Bot, lst: ListConfig, msgs) -> bool:
    """Before reviewing an incomplete series, ask lore for its whole thread
    (``<base>/<msgid>/t.mbox.gz``): the search may have missed a patch."""
    sources = [s for s in lst.sources if s.type == "lore"]
    if not sources or not msgs:
        return False
    http = Polite(rate=bot.cfg.http_rate, timeout=bot.cfg.http_timeout,
                  retries=bot.cfg.http_retries, contact=bot.cfg.from_addr)
    stats = PassStats()
    counts = {"new": 0, "known": 0}
    try:
        for src in sources:
            try:
                items = Lore(src, http).thread(msgs[0].msgid)
            except SourceError as exc:
                bot.events.emit("source-error", logging.WARNING, list=lst.name, source=src.name, error=str(exc))
                continue
            with bot.state.transaction():
                for item in items:
                    _one(bot, lst, item, ingest.Loose(), stats, counts)
    finally:
        http.close()
    if counts["new"]:
        bot.events.emit("thread-fetched", list=lst.name, message_id=msgs[0].msgid, new=counts["new"])
    return counts["new"] > 0
