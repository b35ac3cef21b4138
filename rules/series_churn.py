"""A later patch of the series rewrites lines an earlier patch just added.

## What it does
Replays the series in order (``reviewbot.blame``) and, at each patch, looks
at the lines it removes that an earlier patch of the same series added as
new code.  It reports the later patch, naming the earlier one and its
lines, when the later patch

- renames what the earlier patch defined (a macro, a function, a
  variable: the definition and its uses);
- gives a macro the earlier patch added another value (a fix that
  belongs in that patch);
- moves at least three lines of the earlier patch's new code elsewhere;
- or rewrites at least five lines, and at least half, of the new code the
  earlier patch added to those files.

It stays quiet on a series that grows code over several patches, which is
normal: lines added next to earlier ones; a line extended in place (an
argument or a condition added, ``B`` becoming ``B,`` before a new enum
constant, ``__maybe_unused`` dropped once the helper has a user, ``return
f();`` becoming ``ret = f();`` before new code); a ``TODO`` or a stub
(``return 0;``) replaced by the real code; a block that mostly adds new
code; scaffolding taken away (an ``#undef`` a later patch no longer
needs); lines diff shows as removed and added again unchanged; edits of
lines the earlier patch had itself only edited or moved (a refactoring
done in steps).  It ignores other authors' patches in the series and
stable backport series (``[PATCH 6.6.y]``, ``commit ... upstream``: their
churn is upstream's history).  Files the series creates are followed
exactly; existing files within and around the hunks (``--tree``: on the
real files).

## Why is this bad?
Every line a reviewer reads in patch M and sees rewritten in patch N was
reviewed for nothing, and the history keeps a state that was never meant
to stay (a wrong value, a name that changes two patches later, code that
is moved again).  Fold the change into patch M, or shape patch M so that
it does not need rewriting: the series gets shorter and each patch shows
its final intent.

## Example
```diff
# [PATCH 1/2] hwmon: (foo) Add alarm support
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -10,6 +10,9 @@
 #define FOO_REG_CONFIG		0x01
 #define FOO_REG_STATUS		0x02
 
+#define FOO_ALARM_LOW		BIT(3)
+#define FOO_ALARM_HIGH		BIT(3)
+
 struct foo_data {
 	struct regmap *regmap;
 };
# [PATCH 2/2] hwmon: (foo) Add fault reporting
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -10,8 +10,9 @@
 #define FOO_REG_CONFIG		0x01
 #define FOO_REG_STATUS		0x02
 
-#define FOO_ALARM_LOW		BIT(3)
-#define FOO_ALARM_HIGH		BIT(3)
+#define FOO_ALARM_LOW		BIT(2)
+#define FOO_ALARM_HIGH		BIT(4)
+#define FOO_FAULT		BIT(7)
 
 struct foo_data {
 	struct regmap *regmap;
```

## Use instead
Get the values right where they are added; the later patch only adds:
```diff
# [PATCH 1/2] hwmon: (foo) Add alarm support
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -10,6 +10,9 @@
 #define FOO_REG_CONFIG		0x01
 #define FOO_REG_STATUS		0x02
 
+#define FOO_ALARM_LOW		BIT(2)
+#define FOO_ALARM_HIGH		BIT(4)
+
 struct foo_data {
 	struct regmap *regmap;
 };
# [PATCH 2/2] hwmon: (foo) Add fault reporting
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -12,6 +12,7 @@
 
 #define FOO_ALARM_LOW		BIT(2)
 #define FOO_ALARM_HIGH		BIT(4)
+#define FOO_FAULT		BIT(7)
 
 struct foo_data {
 	struct regmap *regmap;
```

## References
- Documentation/process/submitting-patches.rst, "Separate your changes":
  each patch should be a logical change that the next one does not undo.
- Shared corpus: 301 series of two patches or more (244 complete, 3582
  file changes followed, 7 lost).  4 findings, all read, all true: an
  ``_ms`` helper renamed to ``_us`` and rewritten one patch after it was
  added (ina238 v2 and v3 3/3), ``BD12780_PMON_DEFCONFIG`` of 3/7 renamed
  to ``BD127X0_PMON_DEFCONFIG`` in 6/7
  (<8ca875d21f2d9a4d53a87b47a5e6efab48266178.1781591132.git.mazziesaccount@gmail.com>),
  ``struct cpuid_tsc_info`` of 09/51 moved to a header by 10/51
  (<20260701193212.749551-11-seanjc@google.com>).  The first version
  (any two rewritten lines) gave 227, mostly stable backports, step by
  step refactorings and series that grow their code.
- The TDX module update series v8: quiet.  Eleven of its patches remove
  lines an earlier one added; all of it is growth (tail calls turned into
  ``ret = ...``, ``TODO`` stubs and ``return false;`` placeholders filled
  in, ``__maybe_unused`` dropped, an error path extended).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterator

from reviewbot.anatomy import (
    _DEFINE,
    _define_value,
    _defines,
    _is_ident,
    _is_trivial,
    c_tokens,
    comment_flags,
    comment_style,
    line_key,
)
from reviewbot.blame import Blamed, anatomy_of, author, for_context, series_replays_history
from reviewbot.model import FileChange, Hunk, Line, Patch
from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB402",
    name="series-churn",
    severity=Severity.WARNING,
    summary="a later patch of the series rewrites lines an earlier patch added",
    scope="patch",
)

MIN_LINES = 2  # lines of one earlier patch the later one must touch
MIN_MOVED = 3  # lines of new code moved again
MIN_REWRITE = 5  # lines rewritten, and at least half of what the earlier patch added there
SIMILAR = 0.5  # token similarity of a line edited in place
GROWTH = 2  # a change block adding more than GROWTH x (removed + 1) lines extends the code
_PLACEHOLDER = re.compile(r"(?i)\b(TODO|FIXME|XXX|placeholder|stub|to be (enabled|implemented|added|filled))\b")
_ATTRIBUTES = {"__maybe_unused", "__always_unused", "__unused", "static", "inline", "__init", "__exit", "const"}


@dataclass(frozen=True)
class Churn:
    blamed: Blamed
    how: str  # "changed", "removed", "moved"
    detail: str = ""  # "BIT(3) -> BIT(2)"
    pair: tuple[str, str] | None = None  # with "changed": (old text, new text)


def _blocks(hunk: Hunk) -> list[tuple[list[Line], list[Line], Line | None]]:
    """Change blocks of a hunk: (removed, added, the first line after)."""
    out: list[tuple[list[Line], list[Line], Line | None]] = []
    rem: list[Line] = []
    add: list[Line] = []
    for ln in hunk.lines:
        if ln.kind == " ":
            if rem or add:
                out.append((rem, add, ln))
                rem, add = [], []
            continue
        (rem if ln.kind == "-" else add).append(ln)
    if rem or add:
        out.append((rem, add, None))
    return out


def _code(ln: Line, is_comment: bool) -> bool:
    return bool(ln.text.strip()) and not is_comment and not _is_trivial(ln.text) and not _PLACEHOLDER.search(ln.text)


def _grows(old: list[str], new: list[str]) -> bool:
    """``new`` extends ``old``: tokens only inserted, an attribute dropped,
    or ``return x;`` turned into ``ret = x;``."""
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    ops = [op for op in sm.get_opcodes() if op[0] != "equal"]
    if all(tag == "insert" for tag, *_ in ops):
        return True
    if all(tag == "delete" and set(old[i1:i2]) <= _ATTRIBUTES for tag, i1, i2, _, _ in ops):
        return True
    if old[:1] == ["return"] and len(new) >= 2 and new[1] == "=" and old[1:] == new[2:]:
        return True
    return False


def _edit(old: list[str], new: list[str]) -> str:
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    parts = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        a, b = " ".join(old[i1:i2]), " ".join(new[j1:j2])
        parts.append(f"{a} -> {b}" if a and b else (f"dropped {a}" if a else f"added {b}"))
    return "; ".join(parts[:2])


def churn(patch: Patch, blamed: tuple[Blamed, ...]) -> list[Churn]:
    """The lines of earlier patches ``patch`` really rewrites."""
    mine = {id(b.line): b for b in blamed if b.origin.fresh}
    if not mine:
        return []
    added_keys: dict[str, set[str]] = {}
    for fc in patch.files:
        for h in fc.hunks:
            for ln in h.lines:
                if ln.kind == "+":
                    added_keys.setdefault(fc.path, set()).add(line_key(ln.text, fc.is_c))
    out: list[Churn] = []
    for fc in patch.files:
        style = comment_style(fc.path)
        for h in fc.hunks:
            if not any(id(ln) in mine for ln in h.lines):
                continue
            comments: dict[int, bool] = {}
            for side in "-+":
                lines = [ln for ln in h.lines if ln.kind in (" ", side)]
                comments.update(zip(map(id, lines), comment_flags([ln.text for ln in lines], style)))
            hunk_keys = {line_key(ln.text, fc.is_c) for ln in h.lines if ln.kind == "+"}
            for rem, add, _after in _blocks(h):
                ours = [ln for ln in rem if id(ln) in mine and _code(ln, comments[id(ln)])]
                if not ours:
                    continue
                new_code = [ln for ln in add if _code(ln, comments[id(ln)])]
                old_code = [ln for ln in rem if _code(ln, comments[id(ln)])]
                if len(new_code) > GROWTH * (len(old_code) + 1):
                    continue  # the block mostly adds: replacing a line or two is growing the code
                if not new_code and not any(
                    line_key(ln.text, fc.is_c) in keys for ln in ours for keys in added_keys.values()
                ):
                    continue  # only taken away: scaffolding the series put up for the meantime
                for ln in ours:
                    key = line_key(ln.text, fc.is_c)
                    if key in hunk_keys:
                        continue  # shown removed and added again: unchanged
                    if any(key in keys for path, keys in added_keys.items()):
                        out.append(Churn(mine[id(ln)], "moved"))
                        continue
                    old = c_tokens(ln.text)
                    best, ratio = None, 0.0
                    for a in add:
                        r = difflib.SequenceMatcher(None, old, c_tokens(a.text), autojunk=False).ratio()
                        if r > ratio:
                            best, ratio = a, r
                    if best is not None and ratio >= SIMILAR:
                        new = c_tokens(best.text)
                        if _grows(old, new):
                            continue
                        out.append(Churn(mine[id(ln)], "changed", _edit(old, new), (ln.text, best.text)))
                    else:
                        out.append(Churn(mine[id(ln)], "removed"))
    return out


def _span(lines: list[int]) -> str:
    lines = sorted(set(lines))
    out, start, prev = [], None, None
    for n in lines:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = n
    if start is not None:
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(out)


def _anchor(patch: Patch, b: Blamed) -> tuple[str, int | None, int | None]:
    """The new-side lines of the change block that removes ``b``."""
    fc: FileChange | None = patch.file(b.path)
    if fc is None:
        return b.path, None, None
    for rem, add, after in _blocks(fc.hunks[b.hunk]):
        if b.line in rem:
            nums = [ln.new for ln in add if ln.new is not None]
            if nums:
                return b.path, min(nums), max(nums)
            if after is not None and after.new is not None:
                return b.path, after.new, None
    return b.path, fc.hunks[b.hunk].new_start, None


def label(patch: Patch, slot: int, total: int) -> str:
    counter = patch.subject.counter or slot
    width = len(str(total))
    return f'{counter:0{width}d}/{total} ("{patch.subject.title}")'


def _defined_by(patch: Patch, name: str) -> bool:
    """``patch`` adds the definition of ``name``."""
    return any(
        ln.kind == "+" and _defines(ln.text, name)
        for fc in patch.files if fc.is_c for h in fc.hunks for ln in h.lines
    )


def _renames(items: list[Churn], earlier: Patch, later: Patch) -> dict[str, str]:
    """old -> new for the names ``earlier`` defined that the changed lines
    rename (to a name the later patch did not see before)."""
    out: dict[str, str] = {}
    before = {t for fc in later.files for h in fc.hunks for ln in h.lines if ln.kind != "+" for t in c_tokens(ln.text)}
    # the definition itself must be renamed: "data" in a line is not a rename of every "data"
    redefined = {
        (x, y) for c in items if c.how == "changed" and c.pair
        for x, y in _substitutions(c.pair) if _defines(c.pair[0], x) and _defines(c.pair[1], y)
    }
    for c in items:
        if c.how != "changed" or not c.pair:
            continue
        for x, y in _substitutions(c.pair):
            if (x, y) in redefined and y not in before and x not in out and _defined_by(earlier, x):
                out[x] = y
    return out


def _substitutions(pair: tuple[str, str]) -> list[tuple[str, str]]:
    """Identifiers of the old line replaced one for one in the new line."""
    old, new = c_tokens(pair[0]), c_tokens(pair[1])
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [
        (old[i1], new[j1]) for tag, i1, i2, j1, j2 in sm.get_opcodes()
        if tag == "replace" and i2 - i1 == 1 and j2 - j1 == 1 and _is_ident(old[i1]) and _is_ident(new[j1])
    ]


def _values(items: list[Churn]) -> list[str]:
    """"NAME (old -> new)" for the macros of the earlier patch given another value."""
    out = []
    for c in items:
        if c.how != "changed" or not c.pair:
            continue
        a, b = _DEFINE.match(c.pair[0]), _DEFINE.match(c.pair[1])
        if a and b and a.group(1) == b.group(1):
            va, vb = _define_value(c.pair[0]), _define_value(c.pair[1])
            if va != vb:
                out.append(f"{a.group(1)} ({va} -> {vb})")
    return out


def _fresh_count(patch: Patch, paths: set[str], moved: set[tuple[str, int]]) -> int:
    """Lines of new code ``patch`` adds to ``paths`` (not moved, not trivial)."""
    n = 0
    for fc in patch.files:
        if fc.path not in paths:
            continue
        for h in fc.hunks:
            for ln in h.lines:
                if ln.kind == "+" and ln.new is not None and (fc.path, ln.new) not in moved and _code(ln, False):
                    n += 1
    return n


def check(ctx: PatchContext) -> Iterator[Hit]:
    blame = for_context(ctx)
    if blame is None or series_replays_history(ctx):
        return
    found = churn(ctx.patch, blame.removed(ctx.patch))
    by_patch: dict[int, list[Churn]] = {}
    for c in found:
        by_patch.setdefault(c.blamed.origin.index, []).append(c)
    total = ctx.series.total or len(ctx.series.patches)
    mine = anatomy_of(ctx, ctx.patch)
    for index in sorted(by_patch):
        earlier = blame.patch(index)
        if earlier is None or author(earlier) != author(ctx.patch):
            continue  # another author's patch: theirs to shape
        # code the earlier patch only moved is old code, edited again
        moved_there = {(loc.path, loc.number) for p in anatomy_of(ctx, earlier).moves for loc in p.added}
        items = [c for c in by_patch[index] if (c.blamed.origin.path, c.blamed.origin.line) not in moved_there]
        if len(items) < MIN_LINES:
            continue
        name = label(earlier, index, total)
        short = name.split(" ", 1)[0]
        reasons = []
        renames = _renames(items, earlier, ctx.patch)
        if renames:
            shown = ", ".join(f"{x} to {y}" for x, y in list(renames.items())[:3])
            reasons.append(f"renames {shown}")
        values = _values(items)
        if values:
            reasons.append(f"changes the value of {', '.join(values[:3])}")
        moved = [c for c in items if c.how == "moved" and _mostly_from(mine, c, index, blame, ctx.patch)]
        if len(moved) >= MIN_MOVED:
            reasons.append(f"moves {len(moved)} lines of it")
        rewritten = [c for c in items if c.how in ("changed", "removed")]
        paths = {c.blamed.origin.path for c in rewritten}
        fresh = _fresh_count(earlier, paths, moved_there)
        if len(rewritten) >= MIN_REWRITE and fresh and len(rewritten) * 2 >= fresh:
            reasons.append(f"rewrites {len(rewritten)} of the {fresh} lines of new code it added there")
        if not reasons:
            continue
        where: dict[str, list[int]] = {}
        for c in items:
            where.setdefault(c.blamed.origin.path, []).append(c.blamed.origin.line)
        lines = "; ".join(f"{path}:{_span(nums)}" for path, nums in where.items())
        text = (
            f"Patch {name} added these lines ({lines}) and this patch {' and '.join(reasons)}."
            f" Fold this into patch {short}, or shape patch {short} so it does not need rewriting."
        )
        path, line, end = _anchor(ctx.patch, items[0].blamed)
        yield Hit(path, line, text, end_line=end)


def _mostly_from(anatomy, c: Churn, index: int, blame, patch: Patch) -> bool:
    """What moves with ``c`` is mostly lines of patch ``index``: the later
    patch moves what the earlier one added, not old code that happens to
    hold a few of its lines."""
    origins = {id(b.line): b.origin.index for b in blame.removed(patch)}
    group = None
    for piece in anatomy.moves:
        if any(loc.line is c.blamed.line for loc in piece.removed):
            group = [loc.line for loc in piece.removed]
    if group is None:
        fc = patch.file(c.blamed.path)
        for rem, _add, _after in _blocks(fc.hunks[c.blamed.hunk]) if fc is not None else ():
            if c.blamed.line in rem:
                group = rem
    code = [ln for ln in group or () if _code(ln, False)]
    theirs = sum(1 for ln in code if origins.get(id(ln)) == index)
    return bool(code) and 3 * theirs >= 2 * len(code)
