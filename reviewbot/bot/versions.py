"""Findings across versions of a series: what to say, and what not again.

A finding's fingerprint is its rule, its file and the text of the lines it
is about (whitespace folded), so it survives moved line numbers and
reordered patches.  For version N the findings of the earlier versions are
recomputed with today's rules (so a rule added since v1 does not make an
old finding look new in v3), and each finding of vN is:

- ``new``: never seen before: said;
- ``still``: present in v(N-1) too: "still present since vM" is said once,
  and never again in later versions (``repeat``);
- ``back``: present in an older version, gone in v(N-1), back now: said,
  with that history.

Findings of v(N-1) that vN no longer has were fixed: nothing is said.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from ..model import Patch
from ..rule import Finding

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Verdict:
    finding: Finding
    fingerprint: str
    status: str  # new | still | repeat | back
    since: int | None = None  # still: the first version; back: the last version that had it

    @property
    def to_say(self) -> bool:
        return self.status in ("new", "still", "back")

    def note(self) -> str:
        if self.status == "still":
            return f"(still present since v{self.since})"
        if self.status == "back":
            return f"(this was in v{self.since}, went away, and is back)"
        return ""


def flagged_text(patch: Patch, f: Finding) -> str:
    fc = patch.file(f.path) if f.path else None
    if fc is None or f.line is None:
        return _DIGITS.sub("#", f.message)
    end = f.end_line if f.end_line is not None and f.end_line >= f.line else f.line
    lines = [ln.text for h in fc.hunks for ln in h.lines if ln.new is not None and f.line <= ln.new <= end]
    return "\n".join(" ".join(t.split()) for t in lines) or _DIGITS.sub("#", f.message)


def fingerprints(pairs: Iterable[tuple[Patch, Finding]]) -> list[str]:
    """One fingerprint per finding; the k-th equal one gets ``#k``."""
    seen: Counter[str] = Counter()
    out = []
    for patch, f in pairs:
        base = hashlib.sha256(f"{f.rule.code}\x00{f.path}\x00{flagged_text(patch, f)}".encode()).hexdigest()[:24]
        seen[base] += 1
        out.append(f"{base}#{seen[base]}")
    return out


def judge(
    current: Sequence[tuple[Finding, str]],
    earlier: Sequence[tuple[int, frozenset[str]]],
    said_still: frozenset[str],
) -> list[Verdict]:
    """``earlier``: (version, fingerprints) of earlier versions, nearest first.
    ``said_still``: fingerprints already announced as still present."""
    out = []
    for f, fp in current:
        if earlier and fp in earlier[0][1]:
            since = earlier[0][0]
            for version, fps in earlier[1:]:
                if fp not in fps:
                    break
                since = version
            status = "repeat" if fp in said_still else "still"
            out.append(Verdict(f, fp, status, since))
            continue
        back = next((v for v, fps in earlier[1:] if fp in fps), None)
        out.append(Verdict(f, fp, "back", back) if back is not None else Verdict(f, fp, "new"))
    return out


def said_still(rows: Iterable[Mapping[str, object]] | Iterable[object]) -> frozenset[str]:
    """Fingerprints whose "still present" note was said in an earlier version."""
    return frozenset(
        getattr(r, "fingerprint") for r in rows
        if getattr(r, "status") == "still" and getattr(r, "said")
    )
