"""Classify each arriving message, key it to its series, and store it.

The series key follows ``reviewbot.series``: patches and their cover
letter share the thread root (first References entry, else In-Reply-To,
else their own Message-ID), the version, the total and the sender; a patch
without a counter is a series of its own.  Mails without any threading
header (``git format-patch`` files in a local mbox) join the series of the
mail just before them, as ``series.assemble`` does.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..mailparse import parse_mail
from ..model import Mail, Subject
from ..patchparse import PatchError, parse_patch_checked
from ..sources import RawMessage
from ..subject import parse_subject
from .incoming import Incoming
from .state import SeriesRow, State, StoredMessage

_CHANGE_ID = re.compile(r"(?mi)^change-id:\s*(\S+)\s*$")
KEEP_RAW = ("patch", "cover", "broken")


@dataclass(frozen=True)
class Classified:
    msgid: str
    kind: str  # patch | cover | broken | reply | other | unreadable
    subject: Subject
    mail: Mail | None
    series: str | None
    problem: str = ""


@dataclass
class Loose:
    """The series of the last mail without threading headers, per sender."""

    last: dict[tuple[str, int, int], tuple[str, set[int]]] = field(default_factory=dict)


def sender(mail: Mail) -> str:
    text = mail.from_
    if "<" in text and text.endswith(">"):
        text = text[text.rfind("<") + 1 : -1]
    return text.strip().lower()


def fallback_id(raw: bytes) -> str:
    return f"nomsgid-{hashlib.sha256(raw).hexdigest()[:20]}@reviewbot.invalid"


def classify(state: State, lst: str, item: Incoming, loose: Loose) -> Classified:
    assert item.raw is not None
    try:
        mail = parse_mail(RawMessage(item.where, item.raw))
    except Exception as exc:  # MailError, or a parser bug: never lose the pass
        return Classified(fallback_id(item.raw), "unreadable", parse_subject(""), None, None, _one_line(exc))
    msgid = mail.message_id or fallback_id(item.raw)
    subject = parse_subject(mail.subject)
    problem = ""
    try:
        patch, _ = parse_patch_checked(mail)
    except PatchError as exc:
        patch, problem = None, _one_line(exc)
    except Exception as exc:
        patch, problem = None, f"patch parser failed: {_one_line(exc)}"
    if not subject.is_patch or subject.is_reply:
        return Classified(msgid, "reply" if subject.is_reply or mail.parent_id else "other", subject, mail, None)
    if subject.counter == 0:
        if not subject.total or _disguised_reply(state, lst, mail, subject):
            return Classified(msgid, "reply", subject, mail, None)
        return Classified(msgid, "cover", subject, mail, series_key(mail, subject, msgid, loose))
    if patch is None and not problem:
        return Classified(msgid, "other", subject, mail, None)  # a [PATCH] subject, no diff
    if _disguised_reply(state, lst, mail, subject):
        return Classified(msgid, "reply", subject, mail, None)
    kind = "patch" if patch is not None else "broken"
    return Classified(msgid, kind, subject, mail, series_key(mail, subject, msgid, loose), problem)


def series_key(mail: Mail, subject: Subject, msgid: str, loose: Loose) -> str:
    if subject.counter is None or not subject.total:
        return _hash("single", msgid)
    who = sender(mail)
    tags = (who, subject.version, subject.total)
    if not mail.references and not mail.in_reply_to:
        if subject.counter == 0:  # a cover letter starts a thread: its patches answer it
            key = _hash("root", msgid, subject.version, subject.total, who)
            loose.last[tags] = (key, {0})
            return key
        prev = loose.last.get(tags)
        if prev and subject.counter and subject.counter not in prev[1]:
            prev[1].add(subject.counter)
            return prev[0]
        key = _hash("loose", msgid, subject.version, subject.total, who)
        loose.last[tags] = (key, {subject.counter or 0})
        return key
    root = mail.references[0] if mail.references else mail.in_reply_to
    return _hash("root", root, subject.version, subject.total, who)


def store(state: State, lst: str, item: Incoming, c: Classified) -> bool:
    """Store the message and update its series; False when already known."""
    assert item.raw is not None
    added = state.add_message(StoredMessage(
        list=lst, msgid=c.msgid, kind=c.kind, series=c.series,
        counter=c.subject.counter if c.series else None, received=item.received,
        subject=c.mail.subject if c.mail else "", author=sender(c.mail) if c.mail else "",
        raw=item.raw if c.kind in KEEP_RAW else None, source=item.where, deleted=False, reviewed=False,
    ))
    if not added or not c.series or c.mail is None:
        return added
    s = c.subject
    title = s.title if c.kind == "cover" or (s.counter or 1) == 1 else ""
    m = _CHANGE_ID.search(c.mail.body)
    state.upsert_series(SeriesRow(
        list=lst, key=c.series, version=s.version, total=s.total or 1, title=title,
        author=sender(c.mail), change_id=m.group(1) if m else "", first_received=item.received,
        last_received=item.received, state="waiting", prev=None, reviewed_at=None,
    ))
    if c.kind == "cover" and s.title:
        state.set_series_title(lst, c.series, s.title)
    return True


def deleted_id(item: Incoming) -> str | None:
    if not item.raw:
        return None
    try:
        mail = parse_mail(RawMessage(item.where, item.raw))
    except Exception:
        return fallback_id(item.raw)
    return mail.message_id or fallback_id(item.raw)


def _disguised_reply(state: State, lst: str, mail: Mail, subject: Subject) -> bool:
    """A reply that kept its parent's [PATCH] subject without "Re:"."""
    parent_id = mail.parent_id
    if not parent_id:
        return False
    parent = state.message(lst, parent_id)
    if parent is None or parent.kind not in ("patch", "cover", "broken"):
        return False
    p = parse_subject(parent.subject)
    same = (p.version, p.total, p.counter, p.title) == (subject.version, subject.total, subject.counter, subject.title)
    return same and parent.author != sender(mail)


def _hash(*parts: object) -> str:
    return hashlib.sha256("\x00".join(str(p) for p in parts).encode()).hexdigest()[:20]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
