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


def logical_lines(lines: Iterable[Line]) -> Iterator[tuple[Line, str]]:
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


_IF0 = re.compile(r"^\s*#\s*if\s+0\b")
_IF = re.compile(r"^\s*#\s*if")
_ENDIF = re.compile(r"^\s*#\s*endif\b")
_ELSE = re.compile(r"^\s*#\s*(else|elif)\b")


def _live(logical: Iterable[tuple[Line, str]]) -> Iterator[tuple[Line, str]]:
    """Leave out logical lines that start inside a ``/* comment */`` or an
    ``#if 0`` block: a commented-out #define is not a definition."""
    in_comment = False
    dead = 0  # nesting depth inside an #if 0 (0: live code)
    for first, text in logical:
        starts_in_comment = in_comment
        rest = text
        while True:  # update the comment state over this line
            if in_comment:
                end = rest.find("*/")
                if end < 0:
                    break
                in_comment, rest = False, rest[end + 2 :]
            else:
                start = rest.find("/*")
                if start < 0:
                    break
                in_comment, rest = True, rest[start + 2 :]
        if starts_in_comment:
            continue
        if dead:
            if _IF.match(text):
                dead += 1
            elif _ENDIF.match(text) or (dead == 1 and _ELSE.match(text)):
                dead -= 1
            continue
        if _IF0.match(text):
            dead = 1
            continue
        yield first, text


def file_defines(fc: FileChange) -> Iterator[Define]:
    for hunk in fc.hunks:
        if "define" not in "\n".join([ln.text for ln in hunk.lines]):
            continue  # no line says it, so no logical line does (their parts are joined with spaces)
        post = [ln for ln in hunk.lines if ln.kind != "-"]
        pre = [ln for ln in hunk.lines if ln.kind != "+"]
        for view, kinds in ((post, "+ "), (pre, "-")):
            for first, text in _live(logical_lines(view)):
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
