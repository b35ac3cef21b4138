"""A pure refactoring patch that comes after feature patches on the same files.

## What it does
Looks at every patch of a series whose anatomy (``reviewbot anatomy``) is
refactoring only: code moved, lines realigned, names changed, and no new
code.  When earlier patches of the same series add features to the files
it refactors, it suggests moving it to the front of the series.

It stays quiet when the refactoring touches lines the series itself added
(then it cannot go first; RB402 looks at those), when it only realigns
whitespace (a cleanup may come last), when the earlier patches only
refactor too, when they are another author's, and for stable backport
series (their order is upstream's).

## Why is this bad?
"Refactor first. Add new features second."  A refactoring at the front
of a series is reviewed as what it is (nothing changes) and can be applied
on its own; the feature patches after it then show only the feature.  The
same refactoring after the features means the features were written
against the old code and then reshaped, and the reviewer reads the same
code twice.

## Example
```diff
# [PATCH 1/2] hwmon: (foo) Add alarm attribute
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -40,6 +40,16 @@ static int foo_read_temp(struct foo_data *data, long *val)
 	return 0;
 }
 
+static int foo_read_alarm(struct foo_data *data, long *val)
+{
+	u32 status;
+	int ret;
+
+	ret = foo_read_status(data, &status);
+	*val = !!(status & FOO_STATUS_ALARM);
+	return ret;
+}
+
 static umode_t foo_is_visible(const void *data, enum hwmon_sensor_types type,
 			      u32 attr, int channel)
 {
# [PATCH 2/2] hwmon: (foo) Move register definitions to foo.h
diff --git a/drivers/hwmon/foo.h b/drivers/hwmon/foo.h
--- a/drivers/hwmon/foo.h
+++ b/drivers/hwmon/foo.h
@@ -10,5 +10,8 @@
 #include <linux/regmap.h>
 
+#define FOO_REG_CONFIG		0x01
+#define FOO_REG_STATUS		0x02
+
 struct foo_data {
 	struct regmap *regmap;
 };
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -20,9 +20,6 @@
 
 #include "foo.h"
 
-#define FOO_REG_CONFIG		0x01
-#define FOO_REG_STATUS		0x02
-
 static int foo_read_status(struct foo_data *data, u32 *val)
 {
 	return regmap_read(data->regmap, FOO_REG_STATUS, val);
```

## Use instead
The same two patches, the refactoring first:
```diff
# [PATCH 1/2] hwmon: (foo) Move register definitions to foo.h
diff --git a/drivers/hwmon/foo.h b/drivers/hwmon/foo.h
--- a/drivers/hwmon/foo.h
+++ b/drivers/hwmon/foo.h
@@ -10,5 +10,8 @@
 #include <linux/regmap.h>
 
+#define FOO_REG_CONFIG		0x01
+#define FOO_REG_STATUS		0x02
+
 struct foo_data {
 	struct regmap *regmap;
 };
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -20,9 +20,6 @@
 
 #include "foo.h"
 
-#define FOO_REG_CONFIG		0x01
-#define FOO_REG_STATUS		0x02
-
 static int foo_read_status(struct foo_data *data, u32 *val)
 {
 	return regmap_read(data->regmap, FOO_REG_STATUS, val);
# [PATCH 2/2] hwmon: (foo) Add alarm attribute
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -37,6 +37,16 @@ static int foo_read_temp(struct foo_data *data, long *val)
 	return 0;
 }
 
+static int foo_read_alarm(struct foo_data *data, long *val)
+{
+	u32 status;
+	int ret;
+
+	ret = foo_read_status(data, &status);
+	*val = !!(status & FOO_STATUS_ALARM);
+	return ret;
+}
+
 static umode_t foo_is_visible(const void *data, enum hwmon_sensor_types type,
 			      u32 attr, int channel)
 {
```

## References
- Dave Hansen on "[PATCH v8 16/21] x86/virt/tdx: Reject updates during
  concurrent TD build" (30 Apr 2026): "Refactor first. Add new features
  second."
- Documentation/process/submitting-patches.rst, "Separate your changes".
- Shared corpus: 301 series of two patches or more; 16 of their later
  patches are pure refactorings (most of them touch lines the series
  added, or are stable backports), and 2 findings, both read and true: a
  function renamed "so that its relationship to the early routine is more
  obvious", in the middle of a 47 (51) patch series, after four (five)
  patches that add to arch/x86/kernel/tsc.c, and touching none of their
  lines (<20260529144435.704127-13-seanjc@google.com>).  The TDX module
  update series v8: quiet (its one pure move is 01/21).
"""

from __future__ import annotations

from typing import Iterator

from reviewbot.anatomy import Anatomy, PieceKind
from reviewbot.blame import anatomy_of, author, earlier, for_context, series_replays_history
from reviewbot.model import Patch
from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB403",
    name="refactor-after-feature",
    severity=Severity.CHECK,
    summary="a pure refactoring patch comes after feature patches on the same files",
    scope="patch",
)

MIN_FEATURE = 3  # lines of new code that make an earlier patch a feature patch


def _paths(anatomy: Anatomy) -> set[str]:
    return {loc.path for p in anatomy.refactors for loc in (*p.removed, *p.added)}


def _label(patch: Patch, slot: int, total: int) -> str:
    counter = patch.subject.counter or slot
    return f'{counter:0{len(str(total))}d}/{total} ("{patch.subject.title}")'


def check(ctx: PatchContext) -> Iterator[Hit]:
    blame = for_context(ctx)
    if blame is None or series_replays_history(ctx):
        return
    mine = anatomy_of(ctx, ctx.patch)
    if not mine.is_pure_refactor or not [p for p in mine.pieces if p.separable and p.kind is not PieceKind.WHITESPACE]:
        return  # a whitespace cleanup may come last
    if blame.removed(ctx.patch):
        return  # it reshapes what the series added: it cannot go first (RB402)
    paths = _paths(mine)
    who = author(ctx.patch)
    total = ctx.series.total or len(ctx.series.patches)
    features = []
    for slot, p in earlier(ctx.series, ctx.patch):
        if author(p) != who or not paths & {fc.path for fc in p.files}:
            continue
        a = anatomy_of(ctx, p)
        if len([loc for loc in a.feature_lines() if loc.path in paths]) >= MIN_FEATURE:
            features.append((slot, p))
    if not features:
        return
    shown = [_label(p, slot, total) for slot, p in features[:3]]
    more = len(features) - len(shown)
    if more > 0:
        names = f"{', '.join(shown)} and {more} more"
    else:
        names = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    kinds = []
    if mine.moves:
        kinds.append("moves code")
    if [p for p in mine.refactors if p.kind is PieceKind.WHITESPACE]:
        kinds.append("realigns lines")
    if [p for p in mine.of_kind(PieceKind.RENAMED) if p.separable]:
        kinds.append("renames")
    first = min(
        (loc for p in mine.refactors for loc in p.added),
        key=lambda loc: ([fc.path for fc in ctx.patch.files].index(loc.path), loc.number),
        default=None,
    )
    if first is None:
        return
    text = (
        f"Refactor first. Add new features second: this patch only {' and '.join(kinds)}, "
        f"but comes after {names}, which add{'s' if len(features) == 1 else ''} features to the same files. "
        f"Move it to the front of the series, before {_label(features[0][1], features[0][0], total).split(' ', 1)[0]}."
    )
    yield Hit(first.path, first.number, text)
