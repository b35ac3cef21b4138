"""Carry findings of a series forward to the tree at its last commit.

A finding of patch i has the line numbers of patch i's post-image.  Code
scanning and pull-request annotations show the tree at the last commit,
where later patches of the series may have moved those lines, renamed the
file or removed the lines.  ``at_head`` maps each finding through the
hunks of the later patches: shifted lines follow, a renamed file is
followed, and a finding whose first line a later patch removed (or whose
file it deleted) is dropped: the last commit no longer has it.  Nor is a
finding kept that a later patch fixed elsewhere in its file: findings in
files that later patches changed are confirmed by reviewing those files
whole as they are at the last commit.

The mapped result keeps each finding with its patch's mail, but the patch
is replaced by a view that holds just the lines the findings are about, at
their new numbers, so fingerprints are computed from the same text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Callable

from .fingerprint import line_texts
from .model import FileChange, Hunk, Line, Patch, Series
from .result import PatchResult, RunResult
from .rule import Finding


def map_line(fc: FileChange, line: int) -> int | None:
    """Where line ``line`` of the file before ``fc`` is after it; None
    when ``fc`` removes it."""
    shift = 0
    for h in fc.hunks:
        start = h.old_start if h.old_len else h.old_start + 1  # "-10,0": insertion after line 10
        if line < start:
            break
        if line < start + h.old_len:
            return next((ln.new for ln in h.lines if ln.old == line), None)
        shift += h.new_len - h.old_len
    return line + shift


def _forward(f: Finding, later: tuple[Patch, ...]) -> Finding | None:
    path, line, end = f.path, f.line, f.end_line
    for patch in later:
        fc = next((c for c in patch.files if c.old_path == path and path), None)
        if fc is None:
            continue
        if fc.is_deleted:
            return None
        path = fc.path
        if line is not None:
            line = map_line(fc, line)
            if line is None:
                return None
            if end is not None:
                end = map_line(fc, end) or line
                end = end if end >= line else line
    return replace(f, path=path, line=line, end_line=end)


def at_head(result: RunResult, series: Series, head: Callable[[set[str]], Counter] | None = None) -> RunResult:
    """``result`` at the last commit.  ``head(paths)`` gives the fingerprint
    hashes a whole-file review of those files at the last commit finds: a
    line finding in a file a later patch changed is kept only if the last
    commit still has it (a later patch may have fixed it without touching
    its lines, by adding the blank line it asked for)."""
    from .fingerprint import finding_digest

    order = list(series.patches)
    position = {id(p): i for i, p in enumerate(order)}
    out = []
    recheck: list[tuple[int, Finding]] = []  # (index in out, finding) to confirm at the last commit
    for pr in result.patches:
        i = position.get(id(pr.patch))
        later = tuple(order[i + 1 :]) if i is not None else ()
        moved = []
        texts: dict[tuple[str, int], str] = {}
        for f in pr.findings:
            g = _forward(f, later)
            if g is None:
                continue
            moved.append(g)
            if f.line is not None and g.line is not None:
                end = f.end_line if f.end_line is not None and f.end_line >= f.line else f.line
                for k, text in enumerate(line_texts(pr.patch, f.path, f.line, end)):
                    texts[(g.path, g.line + k)] = text
            if f.rule.scope == "lines" and any(c.old_path == f.path for p in later for c in p.files if f.path):
                recheck.append((len(out), g))
        out.append(PatchResult(_view(pr.patch, texts), pr.series, tuple(moved)))
    if head is not None and recheck:
        there = head({g.path for _, g in recheck})
        gone = set()
        for k, g in recheck:
            h = finding_digest(out[k], g)
            if there[h] > 0:
                there[h] -= 1
            else:
                gone.add(id(g))
        out = [replace(pr, findings=tuple(f for f in pr.findings if id(f) not in gone)) for pr in out]
    return replace(result, patches=tuple(out))


def _view(patch: Patch, texts: dict[tuple[str, int], str]) -> Patch:
    """``patch`` with files holding only the given lines (path, line) -> text."""
    by_path: dict[str, list[Line]] = {}
    for (path, n), text in sorted(texts.items()):
        by_path.setdefault(path, []).append(Line(" ", text, None, n))
    files = tuple(
        FileChange(path, path, tuple(Hunk(ln.new, 0, ln.new, 1, "", (ln,)) for ln in lines))
        for path, lines in by_path.items()
    )
    return replace(patch, files=files)
