"""Series blame: which patch of a series introduced each line.

``SeriesBlame(series)`` replays the patches of a series in order and keeps,
for every file they touch, the lines the series added so far, each with its
``Origin`` (patch, path, line).  Every later patch is then read against
that: which of the lines it removes, and which of its context lines, an
earlier patch of the same series added.

- Files the series creates are known whole: their blame is exact.
- Existing files are known within and around the hunks: a line the series
  did not add is from before the series.  Lines are followed by number:
  each hunk moves the lines below it.  A hunk is placed where its header
  says, checked against the lines already known (the text must match);
  when it does not match (a patch of the series is missing, the patch was
  edited by hand) it is looked for nearby, and when it is not found the
  file is no longer followed ("lost") rather than guessed.
- With a kernel tree (``read_base``: path -> text of the file before the
  series, e.g. ``KernelTree.read``), existing files are known whole too and
  hunks are placed on the real text, like ``patch`` does.  When the tree
  holds another version of a file (a hunk does not apply to it), that file
  is followed around its hunks as without a tree.

Nothing here knows about rules: RB402 (series churn), RB403 (refactor
after feature) and RB401 ask it questions.  ``for_context(ctx)`` computes it
once per series and run (memoised on the engine's ``ctx.memo``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator

from .model import FileChange, Line, Patch, Series

if TYPE_CHECKING:  # pragma: no cover
    from .anatomy import Anatomy
    from .rule import PatchContext

MAX_SHIFT = 400  # lines a hunk is looked for away from where its header says


@dataclass(frozen=True)
class Origin:
    """Where a line of the series came from: patch ``index`` of the series
    (its counter, 1-based) added it as line ``line`` of ``path``."""

    index: int
    path: str
    line: int
    fresh: bool = True  # new code in that patch: not an edit of a line it removed beside it, not a line it removed elsewhere


@dataclass(frozen=True)
class Blamed:
    """A line of a later patch (removed or context) that an earlier patch
    of the series added."""

    path: str  # the path in the later patch
    line: Line  # the line of the later patch (kind '-' or ' ')
    hunk: int  # index of its hunk in the FileChange
    origin: Origin


class _Added:
    """A line the replay added.  Its ``Origin`` (and whether it is fresh,
    which takes comparing it with the lines its hunk removes) is worked out
    only when a later patch blames the line: most lines are never blamed."""

    __slots__ = ("slot", "path", "number", "lines", "index", "gone", "_origin")

    def __init__(self, slot: int, path: str, number: int, lines: tuple[Line, ...], index: int, gone: set[str]) -> None:
        """The line is ``lines[index]`` of its hunk; ``gone``: what its patch removes (normalised)."""
        self.slot, self.path, self.number = slot, path, number
        self.lines, self.index, self.gone = lines, index, gone
        self._origin: Origin | None = None

    @property
    def origin(self) -> Origin:
        if self._origin is None:
            # new code: not taken from a line its patch removes, not an edit of a line removed beside it
            fresh = _norm(self.lines[self.index].text) not in self.gone and not _edits_removed(self.lines, self.index)
            self._origin = Origin(self.slot, self.path, self.number, fresh)
        return self._origin


@dataclass
class _File:
    rows: dict[int, tuple[str, _Added | None]] = field(default_factory=dict)  # position -> (text, who added it)
    whole: bool = False  # every row is known (created by the series, or read from a tree)
    length: int = 0  # with whole: the number of rows
    from_tree: bool = False  # the rows came from a kernel tree (they may be another version)


def _norm(text: str) -> str:
    return " ".join(text.split())


class SeriesBlame:
    def __init__(self, series: Series, read_base: Callable[[str], str | None] | None = None) -> None:
        self.series = series
        self.read_base = read_base
        self.problems: list[str] = []  # files no longer followed, and why
        self._blamed: dict[int, list[Blamed]] = {}  # id(patch) -> removed and context lines from the series
        self._index: dict[int, int] = {}  # id(patch) -> its slot in the series
        self._untrusted: set[str] = set()  # paths whose tree copy the series does not apply to
        while True:
            self.problems = []
            self._blamed = {}
            try:
                self._replay()
                break
            except _TreeMismatch as exc:  # another version of the file: follow its hunks alone
                self._untrusted.add(exc.path)

    # -- questions
    def index(self, patch: Patch) -> int | None:
        """The slot of ``patch`` in the series (None: not one of its patches)."""
        return self._index.get(id(patch))

    def removed(self, patch: Patch) -> tuple[Blamed, ...]:
        """The lines ``patch`` removes that an earlier patch of the series added."""
        return tuple(b for b in self._blamed.get(id(patch), ()) if b.line.kind == "-")

    def context(self, patch: Patch) -> tuple[Blamed, ...]:
        """The context lines of ``patch`` that an earlier patch of the series added."""
        return tuple(b for b in self._blamed.get(id(patch), ()) if b.line.kind == " ")

    def patch(self, index: int) -> Patch | None:
        items = self.series.items
        p = items[index] if 0 < index < len(items) else None
        return p if isinstance(p, Patch) else None

    # -- the replay
    def _replay(self) -> None:
        files: dict[str, _File | None] = {}  # path -> state; None: lost
        for slot, patch in enumerate(self.series.items):
            if slot == 0 or not isinstance(patch, Patch):
                continue
            self._index[id(patch)] = slot
            blamed: list[Blamed] = []
            gone = {_norm(ln.text) for fc in patch.files for h in fc.hunks for ln in h.lines if ln.kind == "-"}
            for fc in patch.files:
                if fc.is_binary:
                    continue
                old = fc.old_path or fc.path
                if fc.is_new:
                    state: _File | None = _File(whole=True)
                elif old in files:
                    state = files[old]
                else:
                    state = self._base(old)
                if state is None:  # lost earlier: not followed any more
                    if fc.new_path:
                        files[fc.new_path] = None
                    continue
                try:
                    new_state = self._apply(state, fc, slot, blamed, gone)
                except _Lost as exc:
                    if state.from_tree:
                        raise _TreeMismatch(old) from exc
                    self.problems.append(f"{fc.path}: patch {slot} does not match the lines known so far ({exc}); not followed further")
                    new_state = None
                if fc.old_path and fc.old_path != fc.new_path:
                    files.pop(fc.old_path, None)
                if fc.new_path:
                    files[fc.new_path] = new_state
            self._blamed[id(patch)] = blamed

    def _base(self, path: str) -> _File:
        text = None
        if self.read_base is not None and path not in self._untrusted:
            text = self.read_base(path)
        if text is None:
            return _File()
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return _File({i + 1: (t, None) for i, t in enumerate(lines)}, whole=True, length=len(lines), from_tree=True)

    def _place(self, state: _File, pre: list[str], want: int, lo: int) -> int | None:
        """Where the pre-image ``pre`` of a hunk sits in ``state``, at or
        after row ``lo``, nearest to ``want``."""
        norm = [_norm(t) for t in pre]

        def fits(pos: int) -> tuple[bool, int]:
            if pos < lo:
                return False, 0
            if state.whole and pos + len(pre) - 1 > state.length:
                return False, 0
            known = 0
            for i, t in enumerate(norm):
                row = state.rows.get(pos + i)
                if row is None:
                    if state.whole:
                        return False, 0
                    continue
                if _norm(row[0]) != t:
                    return False, 0
                known += 1
            return True, known

        ok, _ = fits(want)
        if ok:
            return want
        for d in range(1, MAX_SHIFT + 1):
            for pos in (want - d, want + d):
                ok, known = fits(pos)
                if ok and (state.whole or known):
                    return pos
        return None

    def _apply(self, state: _File, fc: FileChange, slot: int, blamed: list[Blamed], gone: set[str] = frozenset()) -> _File | None:
        placed: list[tuple[int, int, int, int]] = []  # (at, old rows, new rows, hunk index)
        drift = 0
        lo = 1
        for hi, h in enumerate(fc.hunks):
            pre = [ln.text for ln in h.lines if ln.kind != "+"]
            post = sum(1 for ln in h.lines if ln.kind != "-")
            if pre:
                at = self._place(state, pre, h.old_start + drift, lo)
                if at is None:
                    raise _Lost(f"hunk {h.header.split(' @@')[0]} @@")
                drift = at - h.old_start
            else:  # an insertion after row old_start
                at = max(h.old_start + 1 + drift, lo)
            placed.append((at, len(pre), post, hi))
            lo = at + len(pre)
        rows: dict[int, tuple[str, _Added | None]] = {}
        # rows outside the hunks move by what the hunks above them add; the
        # hunks are placed in order without overlapping, so the hunks that
        # end at or above a row are the first ``bisect_right(ends, row)``
        ends = [at + n_old for at, n_old, _, _ in placed]
        shifts = [0]  # shifts[k]: what the first k hunks add
        for _, n_old, n_new, _ in placed:
            shifts.append(shifts[-1] + n_new - n_old)
        for pos, row in state.rows.items():
            k = bisect_right(ends, pos)
            if k < len(placed) and placed[k][0] <= pos:
                continue  # inside hunk k: rewritten below
            rows[pos + shifts[k]] = row
        shift = 0
        for at, n_old, n_new, hi in placed:
            h = fc.hunks[hi]
            old_pos, new_pos = at, at + shift
            for i, ln in enumerate(h.lines):
                if ln.kind == "+":
                    rows[new_pos] = (ln.text, _Added(slot, fc.path, ln.new or new_pos, h.lines, i, gone))
                    new_pos += 1
                    continue
                row = state.rows.get(old_pos)
                added = row[1] if row is not None else None
                if added is not None:
                    blamed.append(Blamed(fc.path, ln, hi, added.origin))
                if ln.kind == " ":
                    rows[new_pos] = (ln.text, added)
                    new_pos += 1
                old_pos += 1
            shift += n_new - n_old
        if fc.is_deleted:
            return None
        return _File(rows, state.whole, state.length + shift if state.whole else 0, state.from_tree)


class _Lost(Exception):
    pass


class _TreeMismatch(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


EDITED = 0.5  # token similarity of an added line to a line removed beside it: an edit of it


def _edits_removed(lines: tuple[Line, ...], index: int) -> bool:
    """The added line ``lines[index]`` edits a line removed before it in
    the same change block (most of their tokens are the same)."""
    from difflib import SequenceMatcher

    from .anatomy import c_tokens

    toks = c_tokens(lines[index].text)
    if not toks:
        return False
    sm = SequenceMatcher(None, autojunk=False)
    sm.set_seq2(toks)  # the matcher keeps what it learns of seq2 across the removed lines
    i = index - 1
    while i >= 0 and lines[i].kind != " ":
        if lines[i].kind == "-":
            sm.set_seq1(c_tokens(lines[i].text))
            # the quick ratios are upper bounds of ratio(): cheap rejections
            if sm.real_quick_ratio() >= EDITED and sm.quick_ratio() >= EDITED and sm.ratio() >= EDITED:
                return True
        i -= 1
    return False


# -- for rules ----------------------------------------------------------------


def _tree_reader(ctx: "PatchContext") -> Callable[[str], str | None] | None:
    macros = getattr(ctx, "macros", None)
    tree = getattr(macros, "tree", None) if macros is not None else None
    read = getattr(tree, "read", None)
    return read if callable(read) else None


def for_context(ctx: "PatchContext") -> SeriesBlame | None:
    """The blame of the series ``ctx.patch`` belongs to, computed once per
    series and run; None when the patch is reviewed alone (or is an extra)."""
    series = ctx.series
    if series is None or len(series.patches) < 2:
        return None
    memo = getattr(ctx, "memo", None)
    read = _tree_reader(ctx)
    make = lambda: SeriesBlame(series, read)  # noqa: E731
    blame = memo.get("blame", series, make) if memo is not None else make()
    if blame.index(ctx.patch) is None:
        return None
    return blame  # type: ignore[return-value]


def anatomy_of(ctx: "PatchContext", patch: Patch) -> "Anatomy":
    """``anatomy.classify(patch)``, once per patch and run."""
    from .anatomy import classify

    memo = getattr(ctx, "memo", None)
    if memo is None:
        return classify(patch)
    return memo.get("anatomy", patch, lambda: classify(patch))  # type: ignore[return-value]


def earlier(series: Series, patch: Patch) -> Iterator[tuple[int, Patch]]:
    """(slot, patch) of the patches before ``patch`` in ``series``, in order."""
    for slot, p in enumerate(series.items):
        if p is patch:
            return
        if slot and isinstance(p, Patch):
            yield slot, p


_BACKPORT_TAG = re.compile(r"(?i)^(\d+\.\d+(\.\d+|\.y)?|stable|autosel|backport)$")
_UPSTREAM = re.compile(r"(?im)^\s*(\[\s*)?(upstream\s+)?commit\s+[0-9a-f]{12,40}\s*(upstream|\])|^\s*\[\s*upstream commit [0-9a-f]{12,40}")
_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>|([^<>\s]+@[^<>\s]+)")


def replays_history(series: Series) -> bool:
    """A stable backport series: its patches replay upstream commits, and
    what one patch rewrites of another is history, not the author's choice."""
    for p in series.patches:
        if any(_BACKPORT_TAG.match(t) for t in p.subject.prefixes) or _UPSTREAM.search(p.message):
            return True
    return False


def series_replays_history(ctx: "PatchContext") -> bool:
    """``replays_history(ctx.series)``, once per series and run (each patch
    of the series asks)."""
    series = ctx.series
    if series is None:
        return False
    memo = getattr(ctx, "memo", None)
    if memo is None:
        return replays_history(series)
    return memo.get("replays_history", series, lambda: replays_history(series))  # type: ignore[return-value]


def author(patch: Patch) -> str:
    """The author's address: git's in-body ``From:``, else the mail's."""
    first = patch.message.lstrip().split("\n", 1)[0]
    text = first[5:] if first.startswith("From:") else patch.mail.from_
    m = _ADDRESS.search(text)
    return (m.group(1) or m.group(2)).lower() if m else text.strip().lower()
