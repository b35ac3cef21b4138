"""Code moved or realigned in the same patch that adds a feature.

## What it does
Finds patches that mix preparatory changes with new code: a definition or
block of code *moved* (removed in one place and added, unchanged or
nearly so, in another file or another hunk), existing lines *realigned*
(only their whitespace changed), or a name *renamed* consistently (its
definition and its uses), next to code that is new.  It lists every
refactoring piece: what moved from where to where, what changed on the
way (``BIT(18)`` -> ``BIT_ULL(18)``), which lines were only realigned,
which names changed.  In a series, it names an earlier preparatory patch
that refactors the same files, where the pieces could go.
``reviewbot anatomy`` shows the pieces line by line and ``reviewbot
split`` writes the two patches.

It stays quiet when the move or the realignment is the whole patch, when
lines are re-indented because the patch wraps them in a new block, when a
line's whitespace changes as part of a statement, a struct or an
initializer the patch edits anyway, when only comments change, when
statements are swapped inside one hunk or one function, when the "moved"
lines are idioms (``return ret;``, ``}``, ``if (ret)``), members of a
struct the patch removes, or look-alike table entries diff paired across
an insertion, and when a renamed function or struct changes anyway.

## Why is this bad?
"Refactor first. Add new features second."  A reviewer has to check a
move line by line against its origin to see that nothing changed; buried
in a feature, that check is hard and a changed value (``BIT`` became
``BIT_ULL``) slips through.  A preparatory patch that only moves code is
reviewed in seconds and bisects cleanly; the feature patch then shows
only the feature.

## Example
```diff
diff --git a/drivers/hwmon/foo.h b/drivers/hwmon/foo.h
--- a/drivers/hwmon/foo.h
+++ b/drivers/hwmon/foo.h
@@ -10,6 +10,9 @@
 #define FOO_REG_CONFIG		0x01
 #define FOO_REG_STATUS		0x02
 
+#define FOO_STATUS_MASK		GENMASK(7, 4)
+#define FOO_STATUS_ALARM	BIT(3)
+
 struct foo_data {
 	struct regmap *regmap;
 };
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -20,8 +20,6 @@
 
 #include "foo.h"
 
-#define FOO_STATUS_MASK		GENMASK(7, 4)
-
 static int foo_read_status(struct foo_data *data, u32 *val)
 {
 	return regmap_read(data->regmap, FOO_REG_STATUS, val);
@@ -40,6 +38,9 @@ static int foo_read_alarm(struct foo_data *data, bool *alarm)
 	ret = foo_read_status(data, &val);
 	if (ret)
 		return ret;
+	if (val & FOO_STATUS_ALARM)
+		dev_warn(data->dev, "alarm raised\\n");
+	*alarm = !!(val & FOO_STATUS_ALARM);
 	return 0;
 }
 
```

## Use instead
Move ``FOO_STATUS_MASK`` in a patch of its own, then add the feature:
```diff
diff --git a/drivers/hwmon/foo.h b/drivers/hwmon/foo.h
--- a/drivers/hwmon/foo.h
+++ b/drivers/hwmon/foo.h
@@ -11,6 +11,7 @@
 #define FOO_REG_STATUS		0x02
 
 #define FOO_STATUS_MASK		GENMASK(7, 4)
+#define FOO_STATUS_ALARM	BIT(3)
 
 struct foo_data {
 	struct regmap *regmap;
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -38,6 +38,9 @@ static int foo_read_alarm(struct foo_data *data, bool *alarm)
 	ret = foo_read_status(data, &val);
 	if (ret)
 		return ret;
+	if (val & FOO_STATUS_ALARM)
+		dev_warn(data->dev, "alarm raised\\n");
+	*alarm = !!(val & FOO_STATUS_ALARM);
 	return 0;
 }
 
```

## References
- Dave Hansen on "[PATCH v8 16/21] x86/virt/tdx: Reject updates during
  concurrent TD build" (30 Apr 2026): "Refactor first. Add new features
  second."
- Documentation/process/submitting-patches.rst, "Separate your changes".
- Shared corpus (hwmon, platform-driver-x86, edac, hyperv; 2296 patch
  mails), first version: 65 findings, 56 true, 4 false, 5 unsure.  The
  four false ones are quiet now (fixtures in ``quiet/``): struct members
  inlined while their struct is removed
  (<1653478022-26621-1-git-send-email-ssengar@linux.microsoft.com>), an
  initializer realigned after losing a member (lenovo-yogabook,
  <20230429181551.98201-10-hdegoede@redhat.com>), a comment-space tweak
  beside a kcalloc conversion (comments are their own kind now, hsmp 9/9),
  look-alike table entries diff paired across a long insertion
  (<20250113084337.24763-8-vadimp@nvidia.com>).  Also gone: two more
  comment-only tweaks, a table restyled entry by entry beside new entries
  (max20830), a line realigned with what was left after removing the lines
  around it (hsmp 6/9).
- Renames count as refactoring (``renamed`` pieces of two lines or more:
  the definition and a use).  Re-measured: 74 findings; 57 of the first
  version's and 17 new, all from renames.  Read: 71 true, 0 false, 3
  unsure (96% true): e.g. ``BD12780_PMON_DEFCONFIG`` renamed to
  ``BD127X0_PMON_DEFCONFIG`` while adding the BD12790
  (<8ca875d21f2d9a4d53a87b47a5e6efab48266178.1781591132.git.mazziesaccount@gmail.com>),
  ``hv_dev`` renamed on 8 lines inside a feature
  (<20240726225910.1912537-8-romank@linux.microsoft.com>); unsure: renames
  inside driver conversions (regmap, MFD) and a notifier rework.
- The TDX module update series v8 (21 patches): one finding, on 16/21,
  the patch of the reference review, naming 01/21 (a pure move in
  arch/x86/include/asm/tdx.h) as the preparatory patch the moves could
  join; 01/21 (a pure move) stays quiet.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.anatomy import Anatomy, Piece, PieceKind
from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB401",
    name="refactor-mixed-with-feature",
    severity=Severity.WARNING,
    summary="code moved, realigned or renamed in the same patch that adds new code",
    scope="lines",
)

MIN_FEATURE_LINES = 2  # added lines of real new code that make it a feature patch

LEAD = (
    "Refactor first. Add new features second: this patch mixes preparatory "
    "changes with the new feature. Move these into a patch of their own before this one:"
)


def describe(piece: Piece) -> str:
    """One bullet of the message."""
    if piece.kind is PieceKind.WHITESPACE:
        return f"{piece.name} realigned only (whitespace) at {piece.dst}"
    if piece.kind is PieceKind.RENAMED:
        paths = sorted({loc.path for loc in piece.added})
        where = piece.dst if len(paths) == 1 else f"{piece.dst} and in {len(paths) - 1} more file{'s' if len(paths) > 2 else ''}"
        n = len(piece.added)
        return f"{piece.name} renamed ({n} line{'s' if n != 1 else ''}, {where})"
    text = f"{piece.name} moved from {piece.src} to {piece.dst}"
    if piece.edits:
        shown = "; ".join(str(e) for e in piece.edits[:3])
        more = len(piece.edits) - 3
        text += f" (changed: {shown}{f'; and {more} more' if more > 0 else ''})"
    return text


def message(pieces: tuple[Piece, ...], home: str = "") -> str:
    """The finding; ``home`` names an earlier preparatory patch of the series."""
    lead = LEAD
    if home:
        lead = LEAD[: -len(" before this one:")] + f" before this one, or into {home}:"
    return "\n".join([lead, *(f"  - {describe(p)}" for p in pieces)])


def preparatory_patch(ctx: PatchContext, pieces: tuple[Piece, ...]) -> str:
    """An earlier patch of the series that only refactors (by its anatomy
    or its title) the files of every one of these pieces, and comes after
    the patches that added the lines they move: where they would belong.
    "" when there is none."""
    if ctx.series is None or len(ctx.series.patches) < 2:
        return ""
    from reviewbot.blame import anatomy_of, earlier, for_context

    blame = for_context(ctx)
    mine = {id(loc.line) for p in pieces for loc in p.removed}
    after = max((b.origin.index for b in blame.removed(ctx.patch) if id(b.line) in mine), default=0) if blame else 0
    total = ctx.series.total or len(ctx.series.patches)
    for slot, p in earlier(ctx.series, ctx.patch):
        files = {fc.path for fc in p.files}
        if slot <= after or not all(files & {loc.path for loc in (*q.removed, *q.added)} for q in pieces):
            continue
        if anatomy_of(ctx, p).is_pure_refactor or declares_refactor(p.subject.title):
            counter = p.subject.counter or slot
            shared = sorted(files & {loc.path for q in pieces for loc in (*q.removed, *q.added)})
            return (
                f'{counter:0{len(str(total))}d}/{total} ("{p.subject.title}"), '
                f"which already prepares {shared[0]}{' and more' if len(shared) > 1 else ''}"
            )
    return ""


def _ordered(anatomy: Anatomy) -> tuple[Piece, ...]:
    order = {fc.path: i for i, fc in enumerate(anatomy.patch.files)}

    def key(p: Piece):
        first = p.added[0]
        return (p.kind is PieceKind.WHITESPACE, order.get(first.path, 0), first.number)

    return tuple(sorted((p for p in anatomy.refactors if p.separable), key=key))


# A title that says the patch is the refactoring ("x86/foo: Move X to Y",
# "Factor out a helper", "Clean up style") announces what a reviewer would
# ask for.  Only the leading verb of the summary counts.
_REFACTOR_TITLE = re.compile(
    r"(?i)^(move[sd]?|moving|relocate[sd]?|refactor\w*|factor(s|ed)? out|extract(s|ed)? (\w+ )?(helper|function)s?"
    r"|split(s|ting)?|reorgani[sz]e[sd]?|consolidate[sd]?|clean(s|ed)? ?up|cleanups?|restructure[sd]?"
    r"|reorder(s|ed)?|inline[sd]?|de-?duplicate[sd]?|rename[sd]?|simplif(y|ies|ied)|unif(y|ies|ied)"
    r"|generali[sz]e[sd]?|fix (\w+ )?(style|whitespace|indentation|alignment|checkpatch))\b(?!-)"
)
_FEATURE_TITLE = re.compile(r"(?i)\b(add(s|ed|ing)?|introduce[sd]?|implement(s|ed)?|enable[sd]?)\b")


def declares_refactor(title: str) -> bool:
    """The summary starts with a refactoring verb and announces no feature."""
    summary = re.sub(r"^\([^)]*\)\s*", "", title.rsplit(": ", 1)[-1].strip())  # hwmon: (foo) Move ...
    return bool(_REFACTOR_TITLE.match(summary)) and not _FEATURE_TITLE.search(summary)


def check(ctx: PatchContext) -> Iterator[Hit]:
    if declares_refactor(ctx.patch.subject.title or ctx.patch.mail.subject):
        return
    from reviewbot.blame import anatomy_of

    anatomy = anatomy_of(ctx, ctx.patch)
    pieces = _ordered(anatomy)
    if not pieces or len(anatomy.feature_lines()) < MIN_FEATURE_LINES:
        return
    # anchor: the first hunk (in patch order) that adds a refactor line
    order = {fc.path: i for i, fc in enumerate(ctx.patch.files)}
    first = min(
        (loc for p in pieces for loc in p.added),
        key=lambda loc: (order.get(loc.path, 0), loc.number),
    )
    hunk = ctx.patch.file(first.path).hunks[first.hunk]
    in_hunk = [loc.number for p in pieces for loc in p.added if loc.path == first.path and loc.hunk == first.hunk]
    last_changed = max(ln.new for ln in hunk.added if ln.new is not None)
    yield Hit(first.path, min(in_hunk), message(pieces, preparatory_patch(ctx, pieces)), end_line=max(last_changed, max(in_hunk)))
