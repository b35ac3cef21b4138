"""Caps that keep one hostile or broken input from hanging a run.

A review bot reads every mail of a list unattended, so no single message
may cost unbounded time or memory.  Each cap is checked as early as it can
be, and cheaply: the size of a message before it is decoded, the shape of
its diff (files, lines per hunk) before the diff is parsed, and the time
spent parsing its C while tree-sitter runs (tree-sitter's progress callback
cancels the parse).  An input over a cap is reported as a problem naming it
and skipped; the run goes on with the next one.

``Limits()`` holds the defaults; ``reviewbot check --max-message-size``,
``--max-files``, ``--max-hunk-lines`` and ``--parse-timeout`` change them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_message_bytes: int = 20 * MiB  # one raw message, before decoding
    max_files_per_patch: int = 500
    max_hunk_lines: int = 20_000
    parse_seconds: float = 10.0  # parsing and indexing the C of one patch
    max_syntax_nodes: int = 500_000  # syntax nodes indexed for one patch (~40,000 lines of C)
    # One C line of 140,000 characters costs seconds in rules that slice the
    # line per node; kernel C lines stay under a few hundred.
    max_c_line_chars: int = 2_048

    def __post_init__(self) -> None:
        for name in ("max_message_bytes", "max_files_per_patch", "max_hunk_lines", "max_syntax_nodes",
                     "max_c_line_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not self.parse_seconds > 0:
            raise ValueError("parse_seconds must be more than 0")


DEFAULT = Limits()


class LimitExceeded(Exception):
    """An input is over one of the caps; the message (one line) says which."""


def message_problem(size: int, limits: Limits = DEFAULT) -> str:
    """Why a raw message of ``size`` bytes is skipped, or ""."""
    if size > limits.max_message_bytes:
        return f"message of {_size(size)} is over the {_size(limits.max_message_bytes)} limit: skipped"
    return ""


# The starts of files and hunks in a mail body; found with one scan, no split.
_FILE_START = re.compile(r"^diff --git |^\+\+\+ ", re.M)
_HUNK_OR_FILE = re.compile(r"^(?:@@ |diff |--- |-- ?$)", re.M)


def diff_problem(body: str, limits: Limits = DEFAULT) -> str:
    """Why the diff in ``body`` is too big to parse, or "".

    Counted before parsing, so that a hunk of a million lines is refused
    before a million line objects are made.  ``diff --git`` headers count
    files (``+++`` lines for a plain diff); a hunk's lines are counted up
    to the next hunk, file or signature.
    """
    if "diff --git " in body:
        files = body.count("\ndiff --git ") + body.startswith("diff --git ")
    else:
        files = sum(1 for _ in _FILE_START.finditer(body))
    if files > limits.max_files_per_patch:
        return f"diff of {files} files is over the {limits.max_files_per_patch}-file limit: skipped"
    if body.count("\n") <= limits.max_hunk_lines:
        return ""
    start = -1
    for m in _HUNK_OR_FILE.finditer(body):
        if start >= 0:
            lines = body.count("\n", start, m.start()) - 1
            if lines > limits.max_hunk_lines:
                return _hunk_message(lines, limits)
        start = m.start() if m.group(0) == "@@ " else -1
    if start >= 0:
        lines = body.count("\n", start) - 1
        if lines > limits.max_hunk_lines:
            return _hunk_message(lines, limits)
    return ""


def patch_problem(patch, limits: Limits = DEFAULT) -> str:  # type: ignore[no-untyped-def]
    """The same caps checked on a parsed :class:`~reviewbot.model.Patch`."""
    if len(patch.files) > limits.max_files_per_patch:
        return f"diff of {len(patch.files)} files is over the {limits.max_files_per_patch}-file limit: skipped"
    for fc in patch.files:
        for hunk in fc.hunks:
            if len(hunk.lines) > limits.max_hunk_lines:
                return _hunk_message(len(hunk.lines), limits, fc.path)
            if fc.is_c:
                longest = max((len(ln.text) for ln in hunk.lines), default=0)
                if longest > limits.max_c_line_chars:
                    return (f"a line of {longest} characters in {fc.path} is over the "
                            f"{limits.max_c_line_chars}-character limit for C: skipped")
    return ""


def _hunk_message(lines: int, limits: Limits, path: str = "") -> str:
    where = f" in {path}" if path else ""
    return f"hunk of {lines} lines{where} is over the {limits.max_hunk_lines}-line limit: skipped"


_C_TOKEN = re.compile(rb"[A-Za-z0-9_]+|[^\sA-Za-z0-9_]")


class Budget:
    """Time and node budget for the C of one patch.

    ``callback`` is a tree-sitter progress callback: it returns True (cancel)
    once the deadline has passed.  ``count(n)`` is called while the engine
    indexes syntax nodes and raises :class:`LimitExceeded` past either cap.
    """

    def __init__(self, limits: Limits = DEFAULT) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.parse_seconds
        self.nodes = 0
        self.tokens = 0  # an upper bound of the C tokens parsed so far

    def before_parse(self, source: bytes) -> None:
        """Refuse C whose tree would be too big, before tree-sitter builds it
        (its tree costs about 140 bytes a node).  A byte is at most a token,
        so tokens are only counted once the bytes could exceed the cap."""
        cap = self.limits.max_syntax_nodes
        n = len(source)
        if self.tokens + n > cap:
            n = 0  # count, without a list of matches, and stop past the cap
            for n, _ in enumerate(_C_TOKEN.finditer(source), 1):
                if self.tokens + n > cap:
                    break
        self.tokens += n
        if self.tokens > cap:
            raise LimitExceeded(f"its C has over {cap} tokens (the syntax-node limit): skipped")

    def expired(self) -> bool:
        return time.monotonic() > self.deadline

    def callback(self, *_progress) -> bool:  # (byte offset, has_error)
        return time.monotonic() > self.deadline

    def over_time(self) -> LimitExceeded:
        return LimitExceeded(f"parsing its C took over the {self.limits.parse_seconds:g} s limit: skipped")

    def check(self) -> None:
        if self.expired():
            raise self.over_time()

    def count(self, n: int) -> None:
        self.nodes += n
        if self.nodes > self.limits.max_syntax_nodes:
            raise LimitExceeded(
                f"its C has over {self.limits.max_syntax_nodes} syntax nodes (the limit): skipped"
            )
        self.check()


def _size(n: int) -> str:
    if n >= MiB:
        return f"{n / MiB:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} kB"
    return f"{n} bytes"


def parse_size(text: str) -> int:
    """``20M``, ``512k``, ``1G`` or a plain byte count (for the command line)."""
    t = text.strip().upper().removesuffix("B")
    scale = {"K": 1024, "M": MiB, "G": 1024 * MiB}.get(t[-1:], 1)
    if scale != 1:
        t = t[:-1]
    try:
        value = int(float(t) * scale)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (use e.g. 20M, 512k or a byte count)") from None
    if value < 1:
        raise ValueError(f"not a size: {text!r}")
    return value


def add_arguments(parser) -> None:  # type: ignore[no-untyped-def]
    """The ``--max-*`` and ``--parse-timeout`` options of a command."""
    d = DEFAULT
    g = parser.add_argument_group("limits (an input over one is reported and skipped)")
    g.add_argument("--max-message-size", metavar="SIZE", default=None,
                   help=f"largest message to read, e.g. 20M (default: {_size(d.max_message_bytes)})")
    g.add_argument("--max-files", metavar="N", type=int, default=None,
                   help=f"most files in one patch (default: {d.max_files_per_patch})")
    g.add_argument("--max-hunk-lines", metavar="N", type=int, default=None,
                   help=f"most lines in one hunk (default: {d.max_hunk_lines})")
    g.add_argument("--parse-timeout", metavar="SECONDS", type=float, default=None,
                   help=f"time to parse the C of one patch (default: {d.parse_seconds:g})")


def from_args(args) -> Limits:  # type: ignore[no-untyped-def]
    """Limits from the options of :func:`add_arguments`; ValueError on a bad value."""
    changes: dict[str, object] = {}
    if getattr(args, "max_message_size", None) is not None:
        changes["max_message_bytes"] = parse_size(args.max_message_size)
    for option, field in _OPTIONS[1:]:
        value = getattr(args, option, None)
        if value is not None:
            changes[field] = value
    if not changes:
        return DEFAULT
    try:
        return Limits(**changes)  # type: ignore[arg-type]
    except ValueError as exc:
        text = str(exc)
        for option, field in _OPTIONS:
            text = text.replace(field, "--" + option.replace("_", "-"))
        raise ValueError(text) from None


_OPTIONS = (("max_message_size", "max_message_bytes"), ("max_files", "max_files_per_patch"),
            ("max_hunk_lines", "max_hunk_lines"), ("parse_timeout", "parse_seconds"))
