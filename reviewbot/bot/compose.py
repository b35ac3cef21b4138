"""The bot's reply mails and Patchwork check payloads.

A patch reply is ``report.review.build_mail`` (the core review layout,
quoting only the lines discussed) with the bot's own headers: a
deterministic Message-ID (the same patch always gets the same reply id, so
a restarted bot can tell it already answered) and the recipients the list
configured.  The cover reply is short: what was reviewed, what is missing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import reviewbot

from ..model import Mail, Patch, Series
from ..report.review import STDOUT_POLICY, build_mail, reply_subject
from ..result import PatchResult
from ..rule import Finding, Severity
from .config import ListConfig, Patchwork
from .versions import Verdict


@dataclasses.dataclass(frozen=True)
class Recipients:
    to: tuple[str, ...]
    cc: tuple[str, ...]
    skipped: str = ""  # why no mail goes out (the author opted out ...)

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a for a in (*self.to, *self.cc)))


def reply_id(lst: str, target: str, kind: str, from_addr: str) -> str:
    """``<reviewbot-HASH@domain>``; HASH depends only on list, message and kind."""
    domain = parseaddr(from_addr)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(f"{lst}\x00{target}\x00{kind}".encode()).hexdigest()[:24]
    return f"<reviewbot-{kind}-{digest}@{domain}>"


def opted_out(addr: str, opt_out: tuple[str, ...]) -> bool:
    a = addr.lower()
    return any(a == o or (o.startswith("@") and a.endswith(o)) for o in opt_out)


def recipients(mail: Mail, cfg: ListConfig, from_addr: str) -> Recipients:
    author = parseaddr(mail.from_)[1].lower()
    if not author:
        return Recipients((), (), "the patch has no usable From: address")
    if opted_out(author, cfg.opt_out):
        return Recipients((), (), f"{author} opted out")
    me = parseaddr(from_addr)[1].lower()
    cc: list[str] = []
    if cfg.reply_to == "author+list" and cfg.address:
        cc.append(cfg.address.lower())
    elif cfg.reply_to == "all":
        cc.extend(a.lower() for _, a in getaddresses([*mail.to, *mail.cc]) if "@" in a)
    cc = [a for a in dict.fromkeys(cc) if a not in (author, me) and not opted_out(a, cfg.opt_out)]
    return Recipients((author,), tuple(cc))


def annotated(v: Verdict) -> Finding:
    note = v.note()
    return dataclasses.replace(v.finding, message=f"{v.finding.message}\n{note}") if note else v.finding


def patch_reply(patch: Patch, msgid: str, series: Series, verdicts: list[Verdict], cfg: ListConfig,
                from_addr: str, now: datetime) -> EmailMessage | None:
    """The review reply to ``patch`` (stored as ``msgid``), or None when
    nothing is to be said at the severities the list mails."""
    said = [annotated(v) for v in verdicts if v.to_say and v.finding.severity.value in cfg.mail_severities]
    if not said:
        return None
    msg = build_mail(PatchResult(patch, series, tuple(said)), now=now, from_addr=from_addr)
    _headers(msg, reply_id(cfg.name, msgid, "review", from_addr), recipients(patch.mail, cfg, from_addr))
    return msg


def cover_reply(series: Series, target: Mail, missing: tuple[int, ...], broken: tuple[int, ...],
                commented: list[int], cfg: ListConfig, from_addr: str, now: datetime,
                grace: float) -> EmailMessage | None:
    """A short reply under the cover letter (or the first patch) about the series."""
    if not missing and not broken:
        return None
    total = series.total
    lines = [f"Hi,", "", f"reviewbot looked at v{series.version} of this series."]
    if missing:
        hours = grace / 3600
        wait = f"{hours:g} hour{'s' if hours != 1 else ''}" if hours >= 1 else f"{grace / 60:g} minutes"
        lines += ["", f"These patches did not reach {cfg.name} within {wait}, so they were not reviewed:",
                  *(f"  {i}/{total}" for i in missing)]
    if broken:
        lines += ["", "The diff of these patches could not be parsed (whitespace damage?):",
                  *(f"  {i}/{total}" for i in broken)]
    if commented:
        lines += ["", "Comments are in the replies to " + ", ".join(f"{i}/{total}" for i in commented) + "."]
    lines += ["", "-- ", f"reviewbot {reviewbot.__version__} \u2014 reply to this mail if this is wrong"]
    msg = EmailMessage(policy=STDOUT_POLICY)
    msg["From"] = from_addr
    msg["Subject"] = reply_subject(target.subject)
    msg["Date"] = now
    msg["Message-ID"] = "<placeholder@localhost>"
    if target.message_id:
        msg["In-Reply-To"] = f"<{target.message_id}>"
        refs = list(dict.fromkeys(r for r in (*target.references, target.message_id) if r))
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    msg.set_content("\n".join(lines) + "\n", charset="utf-8", cte="8bit")
    _headers(msg, reply_id(cfg.name, target.message_id, "series", from_addr), recipients(target, cfg, from_addr))
    return msg


def _headers(msg: EmailMessage, mid: str, rcpt: Recipients) -> None:
    for name in ("Message-ID", "To", "Cc"):
        del msg[name]
    msg["Message-ID"] = mid
    if rcpt.to:
        msg["To"] = ", ".join(rcpt.to)
    if rcpt.cc:
        msg["Cc"] = ", ".join(rcpt.cc)
    msg["X-Reviewbot"] = reviewbot.__version__
    if rcpt.skipped:
        msg["X-Reviewbot-Skipped"] = rcpt.skipped


def check_state(verdicts: list[Verdict]) -> str:
    if not verdicts:
        return "success"
    worst = max((v.finding.severity for v in verdicts), key=lambda s: s.rank)
    return "fail" if worst is Severity.ERROR else "warning"


def check_description(verdicts: list[Verdict]) -> str:
    if not verdicts:
        return "no findings"
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.finding.severity.value] = counts.get(v.finding.severity.value, 0) + 1
    parts = [f"{counts[s]} {s}" for s in ("error", "warning", "check") if s in counts]
    n = len(verdicts)
    old = sum(1 for v in verdicts if v.status in ("still", "repeat"))
    tail = f", {old} from an earlier version" if old else ""
    return f"{n} finding{'s' if n != 1 else ''} ({', '.join(parts)}){tail}"


def check_payload(pw: Patchwork, lst: str, patch_msgid: str, state: str, description: str,
                  reply: str | None) -> bytes:
    rid = (reply or "").strip("<>")
    url = pw.target_url.format(reply_id=rid or patch_msgid, message_id=patch_msgid, list=lst) if pw.target_url else ""
    return json.dumps({
        "msgid": patch_msgid, "state": state, "context": pw.context,
        "description": description[:255], "target_url": url,
    }, sort_keys=True).encode()


def address_ok(addr: str) -> bool:
    try:
        Address(addr_spec=addr)
    except (ValueError, IndexError):
        return False
    return True
