"""Fingerprints: a finding's identity that survives line shifts.

A fingerprint hashes the rule code, the path and the text of the lines the
finding is about (whitespace-normalised), not the line number, so a
finding keeps its fingerprint when code above it moves, across runs and
between ``reviewbot scan`` of a tree and ``reviewbot check --git`` of a
range on top of it.  Identical findings (same rule, path and text) are told
apart by an occurrence number in reading order: ``<hash>:<n>``.
"""

from __future__ import annotations

import hashlib
from typing import Iterator

from .model import Patch
from .result import PatchResult, RunResult
from .rule import Finding

VERSION = "reviewbot/v1"  # the key under which SARIF carries them
_MAX_LINES = 50


def line_texts(patch: Patch, path: str, first: int, last: int) -> list[str]:
    """Post-image text of lines ``first..last`` of ``path`` as far as the
    patch shows them (added and context lines); "" for lines it does not."""
    fc = patch.file(path)
    if fc is None:
        return []
    last = min(last, first + _MAX_LINES - 1)
    want: dict[int, str] = {}
    for hunk in fc.hunks:
        if hunk.new_start > last or hunk.new_start + hunk.new_len <= first:
            continue
        for ln in hunk.lines:
            if ln.new is not None and first <= ln.new <= last:
                want[ln.new] = ln.text
    return [want.get(n, "") for n in range(first, last + 1)]


def digest(f: Finding, texts: list[str]) -> str:
    norm = "\n".join(" ".join(t.split()) for t in texts)
    h = hashlib.sha256(f"{f.rule.code}\0{f.path}\0{norm}".encode("utf-8", "replace"))
    return h.hexdigest()[:20]


def finding_digest(pr: PatchResult, f: Finding) -> str:
    if f.line is None:
        texts = [f.message]  # a finding about the whole file or patch
    else:
        end = f.end_line if f.end_line is not None and f.end_line >= f.line else f.line
        texts = line_texts(pr.patch, f.path, f.line, end)
    return digest(f, texts)


def fingerprinted(result: RunResult) -> Iterator[tuple[PatchResult, Finding, str]]:
    """Every finding in reading order with its ``<hash>:<n>`` fingerprint."""
    from .report import ordered_findings

    seen: dict[str, int] = {}
    for pr in result.patches:
        for f in ordered_findings(pr):
            h = finding_digest(pr, f)
            n = seen.get(h, 0)
            seen[h] = n + 1
            yield pr, f, f"{h}:{n}"
