"""A macro the patch defines while another definition of it stays in place.

## What it does

Flags an added ``#define NAME`` when the patch shows another definition of
``NAME`` that it keeps: a context line ``#define NAME`` in another file the
patch touches, or a second definition in the same hunk (or new file) that is
not an ``#if``/``#else`` alternative of the first.  That is the trace of a
definition moved to a header whose old copy was not removed, or of a
definition pasted twice.

Quiet for the idioms that define a name twice on purpose: ``#undef NAME``
before the new definition, an ``#ifndef NAME`` / ``#if !defined(NAME)``
default, ``#ifdef`` alternatives, two ``.c`` files (separate translation
units), different ``arch/`` trees, ``tools/`` copies of kernel headers, and
names that every file defines for itself (``pr_fmt``, ``DRV_NAME``,
``TRACE_SYSTEM``, ...).

## Why is this bad?

Two definitions that agree are a maintenance trap: the next change updates
one of them and the other silently wins wherever it is included first.
Two that differ give a "redefined" warning -- an error with ``W=1``/
``-Werror`` -- or, worse, different values in different files.  A move is
only a move when the old line goes.

## Example

```diff
diff --git a/drivers/misc/foo.h b/drivers/misc/foo.h
index 1111111..2222222 100644
--- a/drivers/misc/foo.h
+++ b/drivers/misc/foo.h
@@ -1,3 +1,4 @@
 #define FOO_CTRL	0x00
+#define FOO_STATUS_MASK	GENMASK(7, 4)
 #define FOO_DATA	0x04

diff --git a/drivers/misc/foo.c b/drivers/misc/foo.c
index 3333333..4444444 100644
--- a/drivers/misc/foo.c
+++ b/drivers/misc/foo.c
@@ -10,3 +10,4 @@
 #include "foo.h"

 #define FOO_STATUS_MASK	GENMASK(3, 0)
+#define FOO_TIMEOUT_MS	100
```

## Use instead

```diff
diff --git a/drivers/misc/foo.h b/drivers/misc/foo.h
index 1111111..2222222 100644
--- a/drivers/misc/foo.h
+++ b/drivers/misc/foo.h
@@ -1,3 +1,4 @@
 #define FOO_CTRL	0x00
+#define FOO_STATUS_MASK	GENMASK(3, 0)
 #define FOO_DATA	0x04

diff --git a/drivers/misc/foo.c b/drivers/misc/foo.c
index 3333333..4444444 100644
--- a/drivers/misc/foo.c
+++ b/drivers/misc/foo.c
@@ -10,4 +10,4 @@
 #include "foo.h"

-#define FOO_STATUS_MASK	GENMASK(3, 0)
+#define FOO_TIMEOUT_MS	100
```

A file gets at most five remarks; the fifth says how many more there are.

## References

- C11 6.10.3p2: a macro may only be redefined with an identical
  replacement list; GCC warns "... redefined" otherwise.
- The reference patch (TDX v8 16/21) moves ``TDX_SEAMCALL_STATUS_MASK``
  and ``TDX_FEATURES0_NO_RBP_MOD`` to ``asm/tdx.h`` and removes the old
  lines: no finding; with the old lines kept, two (tested).
- Precision, mail corpus (4 lists, 2,296 patch mails reviewed) and the TDX v8
  series: 2 findings, 2 true (``SMB_REG_HC2`` pasted twice in a new
  i2c-eio.c; ``HWDD_GET_CAP`` twice in thinkpad_acpi.c).  The first draft
  also flagged a stable backport of "minmax: make generic MIN() and MAX()
  macros available" whose driver copy sits under ``#ifndef MIN``: now quiet.
- Precision, Linux 6.1 source, the 3,333 files that define a name twice,
  each reviewed as a new file: 970 findings in 412 files; a random 50 read:
  50 true (the same name defined twice in one branch, no ``#undef`` or
  ``#include`` between; mostly identical values in register headers).
  Drafts flagged ``#if 0`` blocks, defines inside comments and sibling
  ``#ifdef CONFIG_...`` groups (18,500 findings): now quiet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from reviewbot.defines import logical_lines, parse_define, strip_comments
from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB302",
    name="redefined-macro",
    severity=Severity.WARNING,
    summary="a macro defined while another definition of it stays in place",
)

# names each file (or trace header) defines for itself
_PER_FILE = frozenset({
    "pr_fmt", "dev_fmt", "fmt", "DRV_NAME", "DRIVER_NAME", "DRV_VERSION", "DRIVER_VERSION",
    "DRIVER_DESC", "DRIVER_AUTHOR", "MODULE_NAME", "KBUILD_MODNAME",
    "TRACE_SYSTEM", "TRACE_SYSTEM_VAR", "TRACE_INCLUDE_PATH", "TRACE_INCLUDE_FILE",
    "CREATE_TRACE_POINTS", "DEFINE_EVENT", "TRACE_EVENT",
})
_DIRECTIVE = re.compile(r"^\s*#\s*(\w+)\s*(.*)$")
_ARCH = re.compile(r"^arch/([^/]+)/")


@dataclass(frozen=True)
class Occurrence:
    name: str
    value: str
    path: str
    line: int  # new-side
    kind: str  # '+' or ' '
    hunk: int  # index of the hunk in its file
    pos: int  # index of the logical line in the hunk's post-image
    cond: tuple[tuple[int, int], ...]  # (#if group, branch) from outer to inner, in this hunk
    guarded: bool  # #undef NAME before it, or inside #ifndef NAME / #ifdef NAME


@dataclass(frozen=True)
class _HunkScan:
    occurrences: tuple[Occurrence, ...]
    barriers: tuple[int, ...]  # #else/#elif/#endif of a group opened before the hunk; #include
    undefs: dict  # name -> positions of #undef NAME


def _uncomment(text: str, in_comment: bool) -> tuple[str, bool]:
    """The code of a line (comments blanked) and whether a comment is open
    at its end: a ``#define`` inside ``/* ... */`` is no definition."""
    out = []
    i = 0
    while i < len(text):
        if in_comment:
            j = text.find("*/", i)
            if j < 0:
                return "".join(out), True
            in_comment, i = False, j + 2
            out.append(" ")
            continue
        j = text.find("/*", i)
        k = text.find("//", i)
        if k >= 0 and (j < 0 or k < j):
            out.append(text[i:k])
            return "".join(out), False
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        in_comment, i = True, j + 2
    return "".join(out), in_comment


def _names_tested(expr: str) -> set[str]:
    """Names an #if/#ifdef/#ifndef condition tests."""
    return set(re.findall(r"[A-Za-z_]\w*", expr)) - {"defined"}


@dataclass
class _Group:
    id: int
    branch: int
    tested: set[str]  # names the conditions test
    default: bool  # #ifndef X / #if !defined(X): what it holds are defaults
    include_guard: bool = False  # #ifndef X followed by #define X
    dead: bool = False  # #if 0


def scan_hunk(path: str, hunk_index: int, lines) -> _HunkScan:
    occ: list[Occurrence] = []
    barriers: list[int] = []
    undefs: dict[str, list[int]] = {}
    stack: list[_Group] = []
    groups = 0
    opened: _Group | None = None  # the group whose first line comes next
    after_undef: set[str] = set()  # #undef right before (blank/comment lines aside)
    in_comment = False
    for pos, (first, text) in enumerate(logical_lines(lines)):
        if in_comment or "/" in text:
            text, in_comment = _uncomment(text, in_comment)
        if "#" not in text:  # code (most lines): it only ends what an #undef or #if began
            if (after_undef or opened is not None) and strip_comments(text):
                after_undef, opened = set(), None
            continue
        m = _DIRECTIVE.match(text)
        if not m:
            if strip_comments(text):
                after_undef, opened = set(), None
            continue
        word, rest = m.group(1), strip_comments(m.group(2))
        if word in ("if", "ifdef", "ifndef"):
            groups += 1
            default = word == "ifndef" or (word == "if" and re.search(r"!\s*defined", rest) is not None)
            opened = _Group(groups, 0, _names_tested(rest), default, dead=word == "if" and rest.strip() == "0")
            stack.append(opened)
            after_undef = set()
            continue
        if word in ("else", "elif", "endif"):
            if not stack:
                barriers.append(pos)
            elif word == "endif":
                stack.pop()
            else:
                stack[-1].branch += 1
                stack[-1].tested |= _names_tested(rest)
                stack[-1].dead = False
            after_undef, opened = set(), None
            continue
        if word == "include":
            barriers.append(pos)  # X-macros: #define X(a) ...; #include "list.h"; #undef there
            after_undef, opened = set(), None
            continue
        if word == "undef":
            name = rest.split()[0] if rest.split() else ""
            undefs.setdefault(name, []).append(pos)
            after_undef, opened = {name}, None
            continue
        parsed = parse_define(text) if word == "define" else None
        if parsed is None:
            after_undef, opened = set(), None
            continue
        name, _params, value = parsed
        if opened is not None and opened.default and opened.tested == {name}:
            opened.include_guard = True
        guarded = name in after_undef or any(
            name in g.tested or (g.default and not g.include_guard) for g in stack
        )
        dead = any(g.dead for g in stack) or value == name  # #if 0; #define FOO FOO (enum)
        if first.kind in "+ " and first.new is not None and not dead:
            occ.append(Occurrence(
                name=name, value=value, path=path, line=first.new, kind=first.kind,
                hunk=hunk_index, pos=pos,
                cond=tuple((g.id, g.branch) for g in stack),
                guarded=guarded,
            ))
        after_undef, opened = set(), None
    return _HunkScan(tuple(occ), tuple(barriers), undefs)


def _separate(a: str, b: str) -> bool:
    """Files whose definitions never meet in one translation unit."""
    if a.endswith(".c") and b.endswith(".c"):
        return True
    if a.startswith("tools/") != b.startswith("tools/"):
        return True
    arch_a, arch_b = _ARCH.match(a), _ARCH.match(b)
    if arch_a and arch_b and arch_a.group(1) != arch_b.group(1):
        return True
    return False


def _scans(ctx: PatchContext) -> Iterable[tuple[str, int, _HunkScan]]:
    """The scans of the hunks with a preprocessor line (the others define nothing)."""
    for fc in ctx.patch.files:
        if fc.is_deleted or fc.is_binary:
            continue
        if not fc.path.endswith((".c", ".h", ".S")):
            continue
        for i, hunk in enumerate(fc.hunks):
            post = hunk.post_image()
            if any("#" in ln.text for ln in post):
                yield fc.path, i, scan_hunk(fc.path, i, post)


def _conflict(a: Occurrence, b: Occurrence, scans: dict) -> bool:
    """``b`` is a definition that stays in place next to the added ``a``."""
    if a.guarded or b.guarded:
        return False
    if a.path != b.path:
        return not _separate(a.path, b.path)
    if a.hunk != b.hunk:
        return False  # what lies between two hunks (an #else?) is not in the patch
    if a.cond != b.cond:
        # #ifdef CONFIG_A ... #endif #ifdef CONFIG_B ...: which configurations
        # hold both is not for us to say; only the same branch is certain
        return False
    lo, hi = sorted((a.pos, b.pos))
    scan = scans[(a.path, a.hunk)]
    if any(lo < p < hi for p in scan.barriers):
        return False
    if any(lo < p < hi for p in scan.undefs.get(a.name, ())):
        return False
    return True


def _show(value: str) -> str:
    return f"'{value}'" if value else "empty"


MAX_PER_FILE = 5  # a generated header that repeats 1000 names needs one remark, not 1000


def _norm(value: str) -> str:
    return " ".join(value.split())


def check(ctx: PatchContext) -> Iterator[Hit]:
    scans = {(path, i): s for path, i, s in _scans(ctx)}
    by_name: dict[str, list[Occurrence]] = {}
    for s in scans.values():
        for o in s.occurrences:
            by_name.setdefault(o.name, []).append(o)
    order = {fc.path: i for i, fc in enumerate(ctx.patch.files)}
    found: list[tuple[Occurrence, Occurrence]] = []
    for name, occs in by_name.items():
        if len(occs) < 2 or name in _PER_FILE:
            continue
        occs.sort(key=lambda o: (order.get(o.path, 0), o.hunk, o.pos))
        for i, a in enumerate(occs):
            if a.kind != "+":
                continue
            # the other definition: a kept one anywhere, or an added one before this
            other = next(
                (b for j, b in enumerate(occs) if j != i and (b.kind == " " or j < i) and _conflict(a, b, scans)),
                None,
            )
            if other is not None:
                found.append((a, other))
    found.sort(key=lambda p: (order.get(p[0].path, 0), p[0].line))
    per_file: dict[str, int] = {}
    for a, b in found:
        n = per_file[a.path] = per_file.get(a.path, 0) + 1
        if n > MAX_PER_FILE:
            continue
        state = "kept" if b.kind == " " else "also added"
        if _norm(a.value) == _norm(b.value):
            values = f"both {_show(a.value)}"
        else:
            values = f"{_show(b.value)} there, {_show(a.value)} here"
        more = sum(1 for x, _ in found if x.path == a.path) - MAX_PER_FILE
        tail = f" ({more} more in this file)" if n == MAX_PER_FILE and more > 0 else ""
        yield Hit(a.path, a.line, f"{a.name} is defined here and at {b.path}:{b.line} ({state}): {values}{tail}")
