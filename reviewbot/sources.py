"""Turn what the user names on the command line into raw messages.

An input is a file, a Maildir directory or ``-`` (standard input).  A file
may hold one mail (``git format-patch`` output, an ``.eml``), an mbox of
many (mboxo or mboxrd), or a bare diff; any of them may be gzip-compressed.
Every problem becomes an :class:`InputError` and the next input is read:
this module never raises on bad input.
"""

from __future__ import annotations

import os
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

STDIN_NAME = "<stdin>"

# "From addr Mon Sep 17 00:00:00 2001": the date git, mutt, public-inbox and
# Python's mailbox write after the envelope sender.
_CTIME_SEPARATOR = re.compile(
    rb"From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) +[A-Z][a-z]{2} +\d+ +\d+:\d+(?::\d+)? "
)
_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_MBOXRD_QUOTED = re.compile(rb"(?m)^>(>*From )")
_DIFF_INSIDE = re.compile(rb"(?m)^(?:diff --git |--- \S[^\n]*\n\+\+\+ \S)")
_DIFF_AT_TOP = (b"diff --git ", b"diff -", b"Index: ", b"--- ")
# git format-patch writes this fixed date and does not quote ">From".
_FORMAT_PATCH_DATE = b" Mon Sep 17 00:00:00 2001"
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f\v\x1b") + b"\x7f"
_SNIFF = 1 << 16


@dataclass(frozen=True)
class RawMessage:
    """The bytes of one message and where they came from."""

    source: str  # "path", "path#7" (1-based in an mbox), "dir/cur/name", "<stdin>"
    data: bytes


@dataclass(frozen=True)
class InputError:
    """An input, or one message of it, that could not be read."""

    source: str
    message: str  # one line, e.g. "cannot read: No such file or directory"

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def read_inputs(
    paths: Sequence[str], stdin: BinaryIO | None = None
) -> Iterator[RawMessage | InputError]:
    """Yield the messages of every input in order; ``-`` or no path is stdin."""
    for path in paths or ["-"]:
        if path == "-":
            yield from _read_stdin(stdin)
        elif os.path.isdir(path):
            yield from _read_maildir(path)
        else:
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                yield InputError(path, f"cannot read: {exc.strerror or exc}")
                continue
            yield from messages_in(path, data)


def messages_in(source: str, data: bytes) -> Iterator[RawMessage | InputError]:
    """Decompress, sniff and split the content of one input."""
    if data[:2] == b"\x1f\x8b":
        import gzip  # here: a run on plain files does not pay for the import

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            yield InputError(source, f"corrupt gzip data: {_one_line(exc)}")
            return
    problem = _not_text(data)
    if problem:
        yield InputError(source, problem)
        return
    start = _skip_blank_lines(data)
    head = data[start : start + 200]
    if head.startswith(b"From ") and _is_first_separator(data, start):
        yield from _split_mbox(source, data, start)
    elif head.startswith(_DIFF_AT_TOP) and _DIFF_INSIDE.search(data):
        yield RawMessage(source, _wrap_diff(source, data))
    elif _HEADER_LINE.match(head):
        yield RawMessage(source, data[start:])
    elif _DIFF_INSIDE.search(data):
        yield RawMessage(source, _wrap_diff(source, data))
    else:
        yield InputError(source, "not a mail, an mbox or a diff")


def _read_stdin(stdin: BinaryIO | None) -> Iterator[RawMessage | InputError]:
    stream = stdin if stdin is not None else sys.stdin.buffer
    try:
        data = stream.read()
    except (OSError, ValueError) as exc:
        yield InputError(STDIN_NAME, f"cannot read: {_one_line(exc)}")
        return
    yield from messages_in(STDIN_NAME, data)


def _read_maildir(path: str) -> Iterator[RawMessage | InputError]:
    """Messages of cur/ and new/, oldest first (Maildir names start with a time)."""
    subdirs = [d for d in ("cur", "new") if os.path.isdir(os.path.join(path, d))]
    if not subdirs:
        yield InputError(path, "is a directory but not a Maildir (no cur/ or new/)")
        return
    entries = []
    for sub in subdirs:
        try:
            names = os.listdir(os.path.join(path, sub))
        except OSError as exc:
            yield InputError(os.path.join(path, sub), f"cannot read: {exc.strerror or exc}")
            continue
        entries.extend((name, sub) for name in names if not name.startswith("."))
    for name, sub in sorted(entries):
        source = os.path.join(path, sub, name)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            yield InputError(source, f"cannot read: {exc.strerror or exc}")
            continue
        yield from messages_in(source, data)


def _not_text(data: bytes) -> str:
    """Why ``data`` is not worth parsing as mail, or "" when it is text."""
    if not data.strip():
        return "empty file"
    sample = data[:_SNIFF]
    if b"\x00" in sample:
        return "binary data, not a mail or a diff"
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    if controls * 20 > len(sample):
        return "binary data, not a mail or a diff"
    return ""


def _skip_blank_lines(data: bytes) -> int:
    pos = 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0 or data[pos:end].strip():
            return pos
        pos = end + 1


def _line_at(data: bytes, pos: int) -> bytes:
    end = data.find(b"\n", pos)
    return data[pos:] if end < 0 else data[pos : end + 1]


def _is_first_separator(data: bytes, pos: int) -> bool:
    """The first line of a file is an mbox separator if a header follows it."""
    line = _line_at(data, pos)
    return bool(_HEADER_LINE.match(data, pos + len(line)))


def _is_separator(data: bytes, pos: int) -> bool:
    """A ``From `` line after the first: a ctime date, or a blank line before
    and a header field after (so "From the spec, ..." in a commit message
    of an unquoted format-patch file does not split it)."""
    if _CTIME_SEPARATOR.match(data, pos):
        return True
    blank_before = data.endswith(b"\n\n", 0, pos) or data.endswith(b"\n\r\n", 0, pos)
    return blank_before and bool(_HEADER_LINE.match(data, pos + len(_line_at(data, pos))))


def _split_mbox(source: str, data: bytes, start: int) -> Iterator[RawMessage | InputError]:
    starts = [start]
    pos = start
    while True:
        pos = data.find(b"\nFrom ", pos)
        if pos < 0:
            break
        pos += 1
        if _is_separator(data, pos):
            starts.append(pos)
    many = len(starts) > 1
    for index, begin in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(data)
        separator = _line_at(data, begin)
        body = data[begin + len(separator) : end]
        name = f"{source}#{index + 1}" if many else source
        if not body.strip():
            yield InputError(name, "empty message in mbox")
            continue
        if body.endswith(b"\n\n") or body.endswith(b"\r\n\r\n"):
            body = body[:-2] if body.endswith(b"\r\n") else body[:-1]  # mbox's blank line
        if b">From " in body and _FORMAT_PATCH_DATE not in separator:
            body = _MBOXRD_QUOTED.sub(rb"\1", body)
        yield RawMessage(name, body)


def _wrap_diff(source: str, data: bytes) -> bytes:
    """Give a bare diff the headers of a mail whose subject is its file name."""
    name = os.path.basename(source) or source
    subject = re.sub(r"[\r\n]+", " ", name).encode("utf-8", "surrogateescape")
    return b"Subject: " + subject + b"\n\n" + data


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
