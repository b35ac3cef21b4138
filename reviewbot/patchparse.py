"""Split a patch mail into commit message, notes, trailers and a parsed diff.

A body is read as git format-patch writes it::

    commit message            -> Patch.message (trailers from its last paragraph)
    ---
    changelog, diffstat       -> Patch.notes
    diff --git a/x b/x        -> Patch.files, one FileChange per file
    ...
    --                        signature: ends the diff
    2.43.0

The diff is cut into one piece per file and each piece is checked by
``unidiff`` (its hunks are read here, by unidiff's rules), so one
whitespace-damaged file costs that file only; its problem is reported by
:func:`parse_patch_checked`.  ``message`` is kept as sent, including
git's in-body ``From:`` line when the author differs from the sender.
"""

from __future__ import annotations

import io
import re
from typing import Sequence

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from .model import FileChange, Hunk, Line, Mail, Patch
from .subject import parse_subject

_DIFF_START = re.compile(r"\n(?:diff --git |--- [^\n]*\n\+\+\+ [^\n]*\n@@ -\d)")
_SEPARATOR = re.compile(r"(?m)\n---[ \t]*$")  # searched in "\n" + text: a literal start is found fast
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_SCISSORS = re.compile(r"(?m)^[ \t]*(?:-+ *)?(?:>8|8<)(?: *-+)?[ \t]*$")
_TRAILER = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*:[ \t]+(\S.*?)\s*")
_HUNK_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
# What unidiff takes for a hunk header, for a blank line in a hunk and for a
# "No newline" marker (its RE_HUNK_HEADER, RE_HUNK_EMPTY_BODY_LINE and
# RE_NO_NEWLINE_MARKER): _hunks must see the same hunks as unidiff.
_UNIDIFF_HUNK_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))?\ @@[ ]?(.*)")
_UNIDIFF_EMPTY_LINE = re.compile(r"[\r\n]{1,2}")
_NO_NEWLINE_MARKER = "\\ No newline at end of file"
_DIFF_LINE_START = (" ", "+", "-", "\\", "@@", "diff ", "\n")
_KNOWN_TRAILERS = frozenset(
    {"fixes", "link", "closes", "cc", "bug", "change-id", "message-id", "patchwork-id"}
)
_KERNEL_TOP = frozenset(
    "arch block certs crypto Documentation drivers fs include init io_uring ipc "
    "kernel lib LICENSES mm net rust samples scripts security sound tools usr virt "
    "MAINTAINERS Makefile Kconfig CREDITS COPYING README .mailmap .clang-format "
    ".gitignore".split()
)


_UNIDIFF_REASONS = (
    ("Target without source", "its +++ line does not match its diff --git line"),
    ("Unexpected hunk found", "a hunk comes before any file name"),
)


class PatchError(ValueError):
    """The mail carries a diff but no file of it can be parsed (one line)."""


def parse_patch(mail: Mail) -> Patch | None:
    """The patch in ``mail``, or None when its body holds no diff."""
    return parse_patch_checked(mail)[0]


def parse_patch_checked(mail: Mail) -> tuple[Patch | None, tuple[str, ...]]:
    """Like :func:`parse_patch`, plus one line per file that had to be skipped."""
    body = mail.body
    start = diff_start(body)
    if start < 0:
        return None, ()
    message, notes = split_message(body[:start])
    files, problems = parse_diff(body[start:])
    if not files:
        raise PatchError(f"diff does not parse: {problems[0] if problems else 'no file in it'}")
    patch = Patch(
        mail=mail,
        subject=parse_subject(mail.subject),
        message=message,
        notes=notes,
        trailers=parse_trailers(message),
        files=tuple(files),
    )
    return patch, tuple(f"skipped a file, {p}" for p in problems)


def diff_start(body: str) -> int:
    """Offset of the first line of the diff in ``body``, or -1.

    A ``diff -u`` line right before a ``---``/``+++``/``@@`` header belongs
    to the diff.  Quoted diffs (``> diff --git``) are not diffs.
    """
    if "diff --git " not in body and "\n+++ " not in body:
        return -1
    match = _DIFF_START.search("\n" + body)
    if not match:
        return -1
    start = match.start()  # of the newline before the line, in body's offsets
    if body.startswith("--- ", start):
        previous = body.rfind("\n", 0, max(start - 1, 0)) + 1
        if body.startswith(("diff ", "Index: "), previous):
            return previous
    return start


def split_message(head: str) -> tuple[str, str]:
    """Commit message and notes: what stands before and after the first ``---``.

    A scissors line (``-- >8 --``) before the ``---`` drops what precedes
    it, as ``git am --scissors`` does.
    """
    separator = _SEPARATOR.search("\n" + head)  # offsets in head: start as is, end - 1
    cut = separator.start() if separator else len(head)
    scissors = None
    if ">8" in head or "8<" in head:
        for scissors in _SCISSORS.finditer(head, 0, cut):
            pass
    start = scissors.end() if scissors else 0
    notes = head[separator.end() - 1 :].strip("\n") if separator else ""
    return head[start:cut].strip("\n"), notes


def parse_trailers(message: str) -> tuple[tuple[str, str], ...]:
    """``Key: value`` lines of the last paragraph of ``message``.

    The paragraph counts when every line is a trailer, or one of them is a
    well-known one (``*-by``, Fixes, Link, Cc, ...); other lines in it, such
    as ``[maintainer: fixed typo]``, are skipped, and indented lines continue
    the trailer above them.
    """
    paragraph = _PARAGRAPH_BREAK.split(message.rstrip())[-1].split("\n")
    found: list[list[str]] = []
    known = plain = 0
    for line in paragraph:
        match = _TRAILER.fullmatch(line)
        if match:
            key = match.group(1)
            known += key.lower().endswith("-by") or key.lower() in _KNOWN_TRAILERS
            found.append([key, match.group(2)])
        elif line[:1] in (" ", "\t") and found and line.strip():
            found[-1][1] += " " + line.strip()
        else:
            plain += 1
    if not found or (plain and not known):
        return ()
    return tuple((key, value) for key, value in found)


def parse_diff(text: str) -> tuple[list[FileChange], list[str]]:
    """FileChanges of every file that parses, and one line per file that does not."""
    files: list[FileChange] = []
    problems: list[str] = []
    for chunk in _split_files(text):
        piece = _lines(chunk)
        if _has_signature_line(chunk):
            piece = _cut_signature(piece)
        if not any(line.startswith(("@@ ", "diff ", "--- ", "Binary files")) for line in piece):
            continue
        try:
            files.extend(_file_changes(piece))
        except (UnidiffParseError, ValueError, IndexError, TypeError) as exc:
            problems.append(_diagnose(piece, exc))
    return files, problems


def _lines(text: str) -> list[str]:
    """Lines with their newline; only "\\n" ends a line (kernel files hold ^L)."""
    return io.StringIO(text, newline="\n").readlines() or [text]


def _split_files(text: str) -> list[str]:
    """The text of each file: from each ``diff --git``, else from each ``---``/``+++``."""
    if text.startswith("diff --git ") or "\ndiff --git " in text:
        starts = [0]
        at = text.find("\ndiff --git ")
        while at >= 0:
            starts.append(at + 1)
            at = text.find("\ndiff --git ", at + 1)
        return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]
    lines = _lines(text)
    starts = []
    for i in range(len(lines) - 1):
        if lines[i].startswith("--- ") and lines[i + 1].startswith("+++ "):
            while i > 0 and lines[i - 1].startswith(("diff ", "Index: ", "====")):
                i -= 1
            starts.append(i)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = starts[1:] + [len(lines)]
    return ["".join(lines[a:b]) for a, b in zip(starts, bounds) if b > a]


def _has_signature_line(text: str) -> bool:
    """Whether a line of ``text`` is ``--`` or ``-- ``: only then can :func:`_cut_signature` cut."""
    framed = f"\n{text}\n"
    return "\n-- \n" in framed or "\n--\n" in framed


def _cut_signature(piece: list[str]) -> list[str]:
    """Drop a ``-- `` signature and what follows it (``2.43.0``, a list footer).

    A ``-- `` line is also what a removed ``- `` line looks like, so it only
    counts when the next line is not a diff line.
    """
    for i, line in enumerate(piece):
        if line.startswith("--") and line.rstrip("\n") in ("-- ", "--"):
            following = piece[i + 1] if i + 1 < len(piece) else ""
            if not following.startswith(_DIFF_LINE_START):
                return piece[:i]
    return piece


def _file_changes(piece: list[str]) -> list[FileChange]:
    """The files of one piece.

    unidiff reads the file headers and checks the structure, in its cheap
    ``metadata_only`` mode; the hunks are read by :func:`_hunks`, with
    unidiff's rules.  When nothing but hunks, blank lines and "No newline"
    markers follow the first hunk, unidiff reads the piece only up to the
    end of that hunk: the rest cannot change what it makes of the file.
    """
    try:
        hunks, needed = _hunks(piece)
    except UnidiffParseError:
        PatchSet(piece, metadata_only=True)  # raises, with unidiff's account of the problem
        raise RuntimeError("unidiff accepts a hunk refused here") from None
    patch_set = PatchSet(piece[:needed], metadata_only=True)
    counts = [len(patched) for patched in patch_set]
    if sum(counts) != (len(hunks) if needed == len(piece) else 1):
        raise RuntimeError(f"unidiff found {sum(counts)} hunks in {needed} lines, not as read here")
    if needed < len(piece):
        counts[-1] += len(hunks) - 1  # the hunks after the first one are the last file's
    header = _header(piece)
    out = []
    taken = 0
    for patched, count in zip(patch_set, counts):
        old, new = _paths(header, patched)
        binary = bool(patched.is_binary_file) or any(
            line.startswith(("GIT binary patch", "Binary files")) for line in header
        )
        file_hunks = tuple(hunks[taken : taken + count])
        taken += count
        out.append(FileChange(old, new, file_hunks, header if len(patch_set) == 1 else (), binary))
    return out


def _header(piece: list[str]) -> tuple[str, ...]:
    """The lines before the first hunk, as sent, without newlines."""
    out: list[str] = []
    for line in piece:
        if line.startswith(("@@ ", "GIT binary patch")):
            break
        out.append(line.rstrip("\n"))
    while out and not out[-1].strip():
        out.pop()
    return tuple(out)


def _hunks(piece: list[str]) -> tuple[list[Hunk], int]:
    """The hunks of ``piece`` in order, and how many of its lines unidiff needs.

    Outside hunks, a line that matches unidiff's hunk header starts a hunk,
    read by :func:`_hunk`.  unidiff needs the whole piece, unless only hunks,
    blank lines and "No newline" markers follow the first hunk; then it
    needs the lines up to the end of the first hunk.  A hunk that unidiff
    would refuse raises UnidiffParseError.
    """
    hunks: list[Hunk] = []
    first_end = 0
    plain = True
    i, end = 0, len(piece)
    while i < end:
        line = piece[i]
        i += 1
        header = _UNIDIFF_HUNK_HEADER.match(line)
        if header:
            hunk, i = _hunk(piece, i, header)
            hunks.append(hunk)
            first_end = first_end or i
        elif first_end and line != "\n" and not line.startswith(_NO_NEWLINE_MARKER):
            plain = False
    return hunks, (first_end if first_end and plain else end)


def _hunk(piece: list[str], i: int, header: re.Match[str]) -> tuple[Hunk, int]:
    """The hunk whose body starts at ``piece[i]``, and the index after it.

    The body is read as unidiff reads it: up to the line where both sides
    reach the header's counts (past them, the hunk is refused); ``\\``
    lines count on neither side and are dropped.
    """
    old, old_count, new, new_count, section = header.groups()
    old_start, new_start = int(old), int(new)
    old_len = 1 if old_count is None else int(old_count)
    new_len = 1 if new_count is None else int(new_count)
    old_no, new_no = old_start, new_start
    old_end, new_end = old_start + old_len, new_start + new_len
    lines: list[Line] = []
    end = len(piece)
    for i in range(i, len(piece)):
        line = piece[i]
        kind = line[:1]
        if kind == "+":
            lines.append(Line("+", line[1:].rstrip("\n"), None, new_no))
            new_no += 1
        elif kind == "-":
            lines.append(Line("-", line[1:].rstrip("\n"), old_no, None))
            old_no += 1
        elif kind == " ":
            lines.append(Line(" ", line[1:].rstrip("\n"), old_no, new_no))
            old_no += 1
            new_no += 1
        elif kind != "\\":
            empty = _UNIDIFF_EMPTY_LINE.match(line)  # "\n", or "\r" and what follows it
            if not empty:
                raise UnidiffParseError(f"Hunk diff line expected: {line}")
            lines.append(Line(" ", empty.group().rstrip("\n"), old_no, new_no))
            old_no += 1
            new_no += 1
        if old_no >= old_end and new_no >= new_end:
            if old_no > old_end or new_no > new_end:
                raise UnidiffParseError("Hunk is longer than expected")
            end = i + 1
            break
    else:
        if old_no < old_end or new_no < new_end:
            raise UnidiffParseError("Hunk is shorter than expected")
    return Hunk(old_start, old_len, new_start, new_len, section.strip(), tuple(lines)), end


def _paths(header: Sequence[str], patched) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    """Old and new path: from ``---``/``+++``, else rename/copy lines, else git's header."""
    old = new = ""
    created = deleted = False
    for line in header:
        if line.startswith("--- "):
            old = line[4:]
        elif line.startswith("+++ "):
            new = line[4:]
        elif line.startswith(("rename from ", "copy from ")):
            old = old or "a/" + line.split(" ", 2)[2]
        elif line.startswith(("rename to ", "copy to ")):
            new = new or "b/" + line.split(" ", 2)[2]
        elif line.startswith("new file mode"):
            created = True
        elif line.startswith("deleted file mode"):
            deleted = True
    old = old or patched.source_file or ""
    new = new or patched.target_file or ""
    old_path = None if created else _clean_path(old)
    new_path = None if deleted else _clean_path(new)
    if old_path is None and new_path is None:
        raise ValueError("file names missing")
    return old_path, new_path


def _clean_path(raw: str) -> str | None:
    path = raw.split("\t", 1)[0].strip()
    if len(path) >= 2 and path[0] == path[-1] == '"':
        path = path[1:-1]
    if path == "/dev/null" or not path:
        return None
    first, _, rest = path.partition("/")
    if rest and (len(first) == 1 or first not in _KERNEL_TOP):
        return rest  # a/ and b/, or the "linux-6.1.orig/" of a plain diff -p1
    return path


def _diagnose(piece: list[str], exc: Exception) -> str:
    """A one-line account of why unidiff refused ``piece``."""
    header = _header(piece)
    path = next(
        (p for p in (_clean_path(line[4:]) for line in header if line.startswith(("+++ ", "--- "))) if p),
        None,
    )
    if path is None and header and header[0].startswith("diff --git "):
        path = _clean_path(header[0].split(" ")[-1])
    where = path or "the diff"
    for i, line in enumerate(piece):
        match = _HUNK_HEADER.match(line)
        if not match:
            continue
        problem = _count_hunk(piece, i + 1, match)
        if problem:
            return f"hunk {match.group(0)} in {where} {problem}"
    reason = " ".join(str(exc).split())
    for start, text in _UNIDIFF_REASONS:
        if reason.startswith(start):
            reason = text
    return f"{where}: {reason[:120]}"


def _count_hunk(piece: list[str], first: int, header: re.Match[str]) -> str:
    old_left = int(header.group(2) or 1)
    new_left = int(header.group(4) or 1)
    for line in piece[first:]:
        if old_left <= 0 and new_left <= 0:
            return ""
        kind = line[:1]
        if kind in (" ", "\n", ""):
            old_left, new_left = old_left - 1, new_left - 1
        elif kind == "-":
            old_left -= 1
        elif kind == "+":
            new_left -= 1
        elif kind == "\\":
            continue
        elif line.startswith("@@"):
            return "is truncated"
        else:
            return f"has a line that is not a diff line (whitespace damage?): {line.rstrip()[:60]!r}"
        if old_left < 0 or new_left < 0:
            return "has more lines than its header counts"
    if old_left > 0 or new_left > 0:
        return "is truncated"
    return ""
