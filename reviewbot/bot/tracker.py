"""Which series are ready for review, and which version precedes which.

A series is ready when all its patches arrived, or when the grace period
since its first message ran out (then what arrived is reviewed and the
cover reply says what is missing).  Version N is linked to the newest
earlier version from the same sender that has the same ``change-id:``
(b4), else the same title, else at least half of the same patch titles.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..subject import parse_subject
from .state import SeriesRow, State, StoredMessage


@dataclass(frozen=True)
class Readiness:
    ready: bool
    complete: bool
    present: tuple[int, ...]  # counters that arrived (0 is the cover)
    missing: tuple[int, ...]
    broken: tuple[int, ...]  # patches whose diff did not parse
    deadline: float


def readiness(row: SeriesRow, messages: list[StoredMessage], grace: float, now: float) -> Readiness:
    present = sorted({m.counter or (0 if m.kind == "cover" else 1) for m in messages})
    patches = {m.counter or 1 for m in messages if m.kind in ("patch", "broken")}
    missing = tuple(i for i in range(1, row.total + 1) if i not in patches)
    broken = tuple(sorted({m.counter or 1 for m in messages if m.kind == "broken"}))
    deadline = row.first_received + grace
    return Readiness(
        ready=not missing or now >= deadline,
        complete=not missing,
        present=tuple(present),
        missing=missing,
        broken=broken,
        deadline=deadline,
    )


def norm(title: str) -> str:
    return " ".join(title.lower().split())


def patch_titles(state: State, lst: str, key: str) -> set[str]:
    return {norm(parse_subject(s).title) for s in state.titles(lst, key)}


def find_previous(state: State, row: SeriesRow) -> SeriesRow | None:
    """The version this one supersedes, or None."""
    if row.version <= 1:
        return None
    if row.change_id:
        for cand in state.by_change_id(row.list, row.change_id, row.version):
            if cand.key != row.key:
                return cand
    candidates = [c for c in state.candidates(row.list, row.author, row.version) if c.key != row.key]
    if not candidates:
        return None
    title = norm(row.title)
    for cand in candidates:
        if title and norm(cand.title) == title:
            return cand
    mine = patch_titles(state, row.list, row.key)
    if not mine:
        return None
    for cand in candidates:
        theirs = patch_titles(state, row.list, cand.key)
        if theirs and len(mine & theirs) * 2 >= max(len(mine), len(theirs)):
            return cand
    return None


def chain(state: State, row: SeriesRow, limit: int = 20) -> list[SeriesRow]:
    """Earlier versions, nearest first (following the stored links)."""
    out: list[SeriesRow] = []
    seen = {row.key}
    prev = row.prev
    while prev and prev not in seen and len(out) < limit:
        seen.add(prev)
        got = state.get_series(row.list, prev)
        if got is None:
            break
        out.append(got)
        prev = got.prev
    return out
