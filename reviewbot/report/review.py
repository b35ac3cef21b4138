"""The reviewer's reply mail: one RFC 5322 message per patch with findings.

The body follows what kernel maintainers do: quote the file and hunk
headers, quote only the lines a comment is about (with a few lines of
context), mark trimmed lines with ``> ...``, and put the comment right
under the quote.  To stdout the mails form an mbox; with ``output_dir``
each mail is written to its own ``NNNN-<slug>.eml`` file.
"""

from __future__ import annotations

import email.errors
import email.policy
import hashlib
import os
import re
import time
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import TextIO

import reviewbot

from ..model import FileChange, Hunk, Line, Mail
from ..result import PatchResult, RunResult
from ..rule import Finding
from . import ordered_findings

DEFAULT_FROM = "reviewbot <reviewbot@localhost>"
CONTEXT = 3  # lines quoted before the first line a comment is about
# Headers are not folded below RFC 5322's hard limit: Python folds a Subject
# of 70-78 characters by moving all of it to a continuation line, which
# parsers (Python's own) then read back with a leading space.
FILE_POLICY = email.policy.SMTP.clone(max_line_length=998)  # .eml files: CRLF
STDOUT_POLICY = FILE_POLICY.clone(linesep="\n")
_REPLY = re.compile(r"\s*re\s*:", re.IGNORECASE)
_MBOX_FROM = re.compile(r"^(>*From )", re.MULTILINE)


def render(
    result: RunResult,
    out: TextIO,
    *,
    output_dir: str | None = None,
    now: datetime | None = None,
    from_addr: str = DEFAULT_FROM,
) -> None:
    now = _aware(now or datetime.now(timezone.utc))
    mails = [(pr, build_mail(pr, now=now, from_addr=from_addr)) for pr in result.patches if pr.findings]
    if output_dir is None:
        sender = parseaddr(from_addr)[1] or "reviewbot@localhost"
        for _, msg in mails:
            out.write(mbox_entry(msg, sender, now))
        return
    os.makedirs(output_dir, exist_ok=True)
    for i, (pr, msg) in enumerate(mails, 1):
        path = os.path.join(output_dir, f"{i:04d}-{slug(pr.patch.mail.subject)}.eml")
        with open(path, "wb") as fh:
            fh.write(msg.as_bytes(policy=FILE_POLICY))
        out.write(path + "\n")


def build_mail(pr: PatchResult, *, now: datetime, from_addr: str = DEFAULT_FROM) -> EmailMessage:
    mail = pr.patch.mail
    msg = EmailMessage(policy=STDOUT_POLICY)
    msg["From"] = from_addr
    author = _address(*parseaddr(mail.from_))
    if author:
        msg["To"] = author
    skip = {a.addr_spec.lower() for a in (author, _address(*parseaddr(from_addr))) if a}
    cc = _recipients(mail, skip)
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = reply_subject(mail.subject)
    msg["Date"] = _aware(now)
    msg["Message-ID"] = message_id(pr)
    if mail.message_id:
        msg["In-Reply-To"] = f"<{mail.message_id}>"
    refs = list(dict.fromkeys(r for r in (*mail.references, mail.message_id) if r))
    if refs:
        msg["References"] = " ".join(f"<{r}>" for r in refs)
    msg.set_content(review_body(pr), charset="utf-8", cte="8bit")
    return msg


def reply_subject(subject: str) -> str:
    return subject if _REPLY.match(subject) else f"Re: {subject}"


def message_id(pr: PatchResult) -> str:
    """Deterministic: the same findings on the same patch give the same id,
    so a bot that runs twice can tell it already answered."""
    mail = pr.patch.mail
    key = [mail.message_id or f"{mail.source} {mail.subject}"]
    key += [f"{f.rule.code} {f.path}:{f.line}-{f.end_line}" for f in ordered_findings(pr)]
    digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:16]
    return f"<reviewbot-{digest}@localhost>"


def mbox_entry(msg: EmailMessage, sender: str, now: datetime) -> str:
    # as_bytes keeps the 8bit body as is (as_string would base64 it)
    text = msg.as_bytes(policy=STDOUT_POLICY).decode("utf-8")
    text = _MBOX_FROM.sub(r">\1", text)
    if not text.endswith("\n"):
        text += "\n"
    return f"From {sender} {time.asctime(now.astimezone(timezone.utc).timetuple())}\n{text}\n"


def slug(subject: str, width: int = 60) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", subject.lower()).strip("-")
    if len(s) > width:  # cut at a word boundary
        s = s[: width + 1].rsplit("-", 1)[0]
    return s or "review"


# --- the body -------------------------------------------------------------


def review_body(pr: PatchResult) -> str:
    mail = pr.patch.mail
    lines = [attribution(mail), ""]
    placed: dict[str, list[Finding]] = {fc.path: [] for fc in pr.patch.files}
    for f in ordered_findings(pr):
        if f.line is not None and f.path in placed:
            placed[f.path].append(f)
        else:  # about the whole patch or file: at the top
            where = f"{f.path}:{f.line}: " if f.line is not None else f"{f.path}: " if f.path else ""
            lines += [*comment(f, where), ""]
    for fc in pr.patch.files:
        findings = placed.pop(fc.path, None)
        if findings:
            lines += quote_file(fc, findings)
    version = getattr(reviewbot, "__version__", "dev")
    lines += ["-- ", f"reviewbot {version} \u2014 reply to this mail if a finding is wrong"]
    return "\n".join(lines) + "\n"


def attribution(mail: Mail) -> str:
    name, addr = parseaddr(mail.from_)
    who = name or addr or "the author"
    return f"On {mail.date}, {who} wrote:" if mail.date else f"{who} wrote:"


def comment(f: Finding, where: str = "") -> list[str]:
    return [*(where + f.message).splitlines(), f"[reviewbot {f.rule.code} {f.rule.name}]"]


def quote_file(fc: FileChange, findings: list[Finding]) -> list[str]:
    out = [_quote(h) for h in (fc.header or _synth_header(fc))]
    by_hunk: dict[int, list[Finding]] = {}
    for f in findings:
        i = next((i for i, h in enumerate(fc.hunks) if h.contains_new(f.line)), None)
        if i is None:  # outside every hunk: comment under the file header
            out += ["", *comment(f, f"Line {f.line}: "), ""]
        else:
            by_hunk.setdefault(i, []).append(f)
    for i, hunk in enumerate(fc.hunks):
        if i in by_hunk:
            out += quote_hunk(hunk, by_hunk[i])
    return out


def quote_hunk(hunk: Hunk, findings: list[Finding]) -> list[str]:
    """The hunk header, then for each finding (in line order) its lines with
    up to CONTEXT lines before them, then the comment.  Lines are quoted
    once; a gap of more than one line is shown as ``> ...``."""
    out = [_quote(hunk.header)]
    index = {ln.new: i for i, ln in enumerate(hunk.lines) if ln.new is not None}
    done = 0  # index of the first line not quoted yet
    for f in findings:
        first = index.get(f.line)
        if first is None:  # e.g. a removed line: the hunk header must do
            out += ["", *comment(f), ""]
            continue
        end = max(f.end_line or f.line, f.line)
        last = max(i for n, i in index.items() if f.line <= n <= end)
        start = _skip_fragments(hunk.lines, max(done, first - CONTEXT), first)
        if start == done + 1:  # a one-line gap: quote it rather than "..."
            start = done
        if start > done:
            out.append("> ...")
        out += [_quote_line(ln) for ln in hunk.lines[start : last + 1]]
        done = max(done, last + 1)
        out += ["", *comment(f), ""]
    return out


def _skip_fragments(lines, start: int, first: int) -> int:
    """Do not open a quote on a blank line or in the middle of a comment
    (`` * text``, `` */``): a reviewer quotes whole statements."""
    while start < first and (not lines[start].text.strip() or lines[start].text.lstrip().startswith("*")):
        start += 1
    return start


def _quote_line(ln: Line) -> str:
    return _quote(ln.kind + ln.text)


def _quote(text: str) -> str:
    return "> " + text if text.strip() else ">"


def _synth_header(fc: FileChange) -> tuple[str, ...]:
    old = f"a/{fc.old_path}" if fc.old_path else "/dev/null"
    new = f"b/{fc.new_path}" if fc.new_path else "/dev/null"
    return (f"diff --git a/{fc.old_path or fc.new_path} b/{fc.new_path or fc.old_path}", f"--- {old}", f"+++ {new}")


# --- addresses ------------------------------------------------------------


def _address(name: str, addr: str) -> Address | None:
    if not addr:
        return None
    try:
        return Address(display_name=name, addr_spec=addr)
    except (ValueError, IndexError, email.errors.HeaderParseError):
        return None  # not a usable address: better no header than a broken one


def _recipients(mail: Mail, skip: set[str]) -> tuple[Address, ...]:
    """The patch's To and Cc, deduplicated by address, minus ``skip``."""
    seen = set(skip)
    out = []
    for name, addr in getaddresses([*mail.to, *mail.cc]):
        a = _address(name, addr)
        if a and a.addr_spec.lower() not in seen:
            seen.add(a.addr_spec.lower())
            out.append(a)
    return tuple(out)


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)
