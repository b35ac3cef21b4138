"""Collect the ``#define`` lines a patch shows (added, context and removed)."""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from .model import FileChange, Line
from .rule import Define

_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\(([^)]*)\))?(.*)$")
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def strip_comments(text: str) -> str:
    text = _BLOCK_COMMENT.sub(" ", text)
    cut = text.find("//")
    if cut >= 0:
        text = text[:cut]
    # an unterminated comment opener on the define line: drop the rest
    cut = text.find("/*")
    if cut >= 0:
        text = text[:cut]
    return text.strip()


def _logical_lines(lines: Iterable[Line]) -> Iterator[tuple[Line, str]]:
    """Join backslash continuations; yield (first line, joined text)."""
    first: Line | None = None
    parts: list[str] = []
    for ln in lines:
        text = ln.text
        if first is None:
            first = ln
        if text.endswith("\\"):
            parts.append(text[:-1])
            continue
        parts.append(text)
        yield first, " ".join(parts)
        first, parts = None, []
    if first is not None:
        yield first, " ".join(parts)


def parse_define(text: str) -> tuple[str, tuple[str, ...] | None, str] | None:
    m = _DEFINE.match(text)
    if not m:
        return None
    name, paren, params, rest = m.group(1), m.group(2), m.group(3), m.group(4)
    plist = tuple(p.strip() for p in params.split(",") if p.strip()) if paren is not None else None
    return name, plist, strip_comments(rest)


def file_defines(fc: FileChange) -> Iterator[Define]:
    for hunk in fc.hunks:
        post = [ln for ln in hunk.lines if ln.kind != "-"]
        pre = [ln for ln in hunk.lines if ln.kind != "+"]
        for view, kinds in ((post, "+ "), (pre, "-")):
            for first, text in _logical_lines(view):
                if first.kind not in kinds or "define" not in text:
                    continue
                parsed = parse_define(text)
                if parsed is None:
                    continue
                name, params, value = parsed
                yield Define(
                    name=name,
                    value=value,
                    path=fc.path,
                    line=first.new,
                    kind=first.kind,
                    params=params,
                )


def patch_defines(files: Iterable[FileChange]) -> tuple[Define, ...]:
    return tuple(d for fc in files for d in file_defines(fc))
