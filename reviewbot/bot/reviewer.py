"""Review one ready series and plan what to post about it.

Everything a review decides — findings, their verdicts, the reply mails
and checks to post, the messages and series marked reviewed — is written
in one transaction: a crash before it loses nothing (the series is simply
reviewed again), a crash after it finds the posts planned.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone

from ..model import Mail, Patch, Series
from ..patchparse import parse_patch_checked
from ..mailparse import parse_mail
from ..report.review import FILE_POLICY
from ..rule import Finding
from ..sources import RawMessage
from . import compose, policy
from .config import ListConfig
from .context import Bot
from .state import FindingRow, SeriesRow, StoredMessage
from .tracker import Readiness, chain
from .versions import Verdict, fingerprints, judge, said_still


def build_series(row: SeriesRow, msgs: list[StoredMessage]) -> tuple[Series, dict[int, StoredMessage]]:
    """The Series of the stored messages: cover in slot 0, patch i in slot i."""
    slots: dict[int, Patch] = {}
    extras: list[Patch] = []
    cover: Mail | None = None
    by_id: dict[int, StoredMessage] = {}  # id(patch) -> its stored message
    for m in msgs:
        if m.raw is None or m.kind == "broken":
            continue
        try:
            mail = parse_mail(RawMessage(m.source, m.raw))
            patch = parse_patch_checked(mail)[0] if m.kind == "patch" else None
        except Exception:
            continue  # it parsed at ingest: only a parser change gets here
        if m.kind == "cover":
            cover = mail
        elif patch is not None:
            by_id[id(patch)] = m
            i = m.counter or 1
            if i > row.total:
                extras.append(patch)
            else:
                if i in slots:
                    extras.append(slots[i])
                slots[i] = patch
    items = (cover, *(slots.get(i) for i in range(1, row.total + 1)))
    return Series(row.version, row.total, items, row.title, tuple(extras)), by_id


def _review(bot: Bot, lst: ListConfig, series: Series, patches: list[Patch]) -> list[tuple[Patch, Finding]]:
    engine = bot.engine_for(lst)
    out: list[tuple[Patch, Finding]] = []
    for patch in patches:
        try:
            findings, problems = engine.review(patch, series)
        except Exception as exc:
            if engine.strict:
                raise
            bot.events.emit("review-error", logging.WARNING, list=lst.name, patch=patch.message_id,
                            error=f"{type(exc).__name__}: {exc}".splitlines()[0])
            continue
        for p in problems:
            bot.events.emit("rule-problem", logging.WARNING, list=lst.name, patch=patch.message_id,
                            error=p.message)
        out.extend((patch, f) for f in findings)
    return out


def earlier_fingerprints(bot: Bot, lst: ListConfig, row: SeriesRow) -> tuple[list[tuple[int, frozenset[str]]], frozenset[str]]:
    """Earlier versions' fingerprints under today's rules, and what was said."""
    earlier = []
    rows: list[FindingRow] = []
    for prev in chain(bot.state, row):
        msgs = bot.state.series_messages(lst.name, prev.key)
        series, _ = build_series(prev, msgs)
        pairs = _review(bot, lst, series, [*series.patches, *series.extras])
        earlier.append((prev.version, frozenset(fingerprints(pairs))))
        rows.extend(bot.state.findings(lst.name, prev.key))
    return earlier, said_still(rows)


def review_series(bot: Bot, lst: ListConfig, row: SeriesRow, rd: Readiness, *, superseded: bool = False) -> None:
    state = bot.state
    now = bot.clock()
    msgs = state.series_messages(lst.name, row.key)
    series, by_id = build_series(row, msgs)
    todo = [p for p in (*series.patches, *series.extras) if not by_id[id(p)].reviewed]
    late = row.state == "reviewed"
    pairs = _review(bot, lst, series, todo)
    earlier, announced = earlier_fingerprints(bot, lst, row) if row.prev else ([], frozenset())
    verdicts = judge([(f, fp) for (_, f), fp in zip(pairs, fingerprints(pairs))], earlier, announced)
    per_patch: dict[int, list[Verdict]] = {id(p): [] for p in todo}
    for (patch, _), v in zip(pairs, verdicts):
        per_patch[id(patch)].append(v)

    why_quiet = ("superseded by a newer version" if superseded
                 else "too old" if policy.too_old(lst, row.last_received, now) else "")
    posts: list[tuple[str, str, str | None, bytes]] = []  # (key, kind, patch, payload)
    said: set[str] = set()
    when = datetime.fromtimestamp(now, timezone.utc)
    commented = []
    for patch in todo:
        vs, msgid = per_patch[id(patch)], by_id[id(patch)].msgid
        msg = None if why_quiet else compose.patch_reply(patch, msgid, series, vs, lst, bot.cfg.from_addr, when)
        if msg is not None and msg["X-Reviewbot-Skipped"]:
            bot.events.emit("mail-skipped", list=lst.name, patch=msgid, reason=msg["X-Reviewbot-Skipped"])
            msg = None
        if msg is not None:
            posts.append((str(msg["Message-ID"]), "mail", msgid, msg.as_bytes(policy=FILE_POLICY)))
            said.update(v.fingerprint for v in vs if v.to_say and v.finding.severity.value in lst.mail_severities)
            commented.append(patch.subject.counter or 1)
        if lst.patchwork and not why_quiet:
            payload = compose.check_payload(lst.patchwork, lst.name, msgid, compose.check_state(vs),
                                            compose.check_description(vs), str(msg["Message-ID"]) if msg else None)
            posts.append((check_key(lst.name, msgid, "final"), "check", msgid, payload))
    if not late and not why_quiet:
        target = series.cover or (series.patches[0].mail if series.patches else None)
        cover = None
        if target is not None:
            cover = compose.cover_reply(series, target, rd.missing, rd.broken, commented, lst,
                                        bot.cfg.from_addr, when, lst.grace)
        if cover is not None and not cover["X-Reviewbot-Skipped"]:
            posts.append((str(cover["Message-ID"]), "mail", target.message_id, cover.as_bytes(policy=FILE_POLICY)))

    rows = [
        FindingRow(row.key, row.version, by_id[id(p)].msgid, v.fingerprint, f.rule.code, f.severity.value,
                   f.path, f.line, f.message, v.status, v.fingerprint in said)
        for (p, f), v in zip(pairs, verdicts)
    ]
    with state.transaction():
        state.add_findings(lst.name, rows)
        for key, kind, patch_id, payload in posts:
            state.plan_post(key, lst.name, kind, row.key, patch_id, payload, policy.not_before(lst, row.last_received))
            if kind == "check":
                pending = state.get_post(check_key(lst.name, patch_id or "", "pending"))
                if pending is not None and pending.state == "planned":
                    state.set_post(pending.key, "skipped", "the final check replaces it")
        state.mark_reviewed(lst.name, [by_id[id(p)].msgid for p in todo])
        state.mark_reviewed(lst.name, [m.msgid for m in msgs if m.kind in ("cover", "broken")])
        state.set_series_state(lst.name, row.key, "superseded" if superseded else "reviewed", reviewed_at=now)
    bot.events.emit(
        "reviewed", list=lst.name, series=row.key, title=row.title, version=row.version,
        patches=len(todo), total=row.total, missing=list(rd.missing), late=late,
        findings=len(pairs), said=sum(1 for v in verdicts if v.to_say),
        statuses=_count(v.status for v in verdicts), posts=[(k, kind) for k, kind, _, _ in posts],
        quiet=why_quiet or None, previous=row.prev,
    )


def plan_pending(bot: Bot, lst: ListConfig, row: SeriesRow, msgs: list[StoredMessage]) -> None:
    """A "pending" check on each patch of a series that waits for the rest."""
    pw = lst.patchwork
    if pw is None or not pw.pending or policy.too_old(lst, row.last_received, bot.clock()):
        return
    planned = []
    for m in msgs:
        if m.kind != "patch" or m.reviewed:
            continue
        key = check_key(lst.name, m.msgid, "pending")
        if bot.state.get_post(key) is not None:
            continue
        payload = compose.check_payload(pw, lst.name, m.msgid, "pending",
                                        f"waiting for the rest of the series ({row.total} patches)", None)
        planned.append((key, m.msgid, payload))
    if not planned:
        return
    with bot.state.transaction():
        for key, msgid, payload in planned:
            bot.state.plan_post(key, lst.name, "check", row.key, msgid, payload)
    bot.events.emit("pending", list=lst.name, series=row.key, patches=len(planned))


def check_key(lst: str, msgid: str, phase: str) -> str:
    return "check-" + hashlib.sha256(f"{lst}\x00{msgid}\x00{phase}".encode()).hexdigest()[:24]


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in items:
        out[i] = out.get(i, 0) + 1
    return out

