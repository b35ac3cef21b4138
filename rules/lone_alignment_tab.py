"""A tab that aligns a statement with nothing around it.

## What it does
Finds a one-line statement or local declaration the patch adds that has a
tab inside it (``x.y\\t= z;``, ``u64\\tstatus = 0;``), or a run of spaces
(``count  = 0;``), while nothing on the two lines above and below (in the
same paragraph, looking through ``case``/``break;`` lines) starts at the
column the gap reaches, and none of them has a gap of its own.  Tabs that
line up a run of assignments (even one that a long name breaks), struct
members, initializers or ``#define`` values are fine, and so is a tab
before a trailing comment.

## Why is this bad?
A tab inside a line only makes sense as part of a table: it lines the
``=`` up with the ``=`` of the lines around.  On a statement of its own it
aligns with nothing, usually because the line was copied out of an aligned
block, and it leaves an odd gap that every reader stops at.  Reviewers ask
for "a space instead of the tab".

## Example
```c path=arch/x86/virt/vmx/tdx/tdx.c
int tdx_module_refresh_version(void)
{
	struct tdx_sys_info_version new;
	int ret;

	ret = get_tdx_sys_info_version(&new);
	WARN_ON_ONCE(ret);

	/* Major/minor versions should not change across updates. */
	tdx_sysinfo.version.update_version	= new.update_version;
	return 0;
}
```

## Use instead
```c path=arch/x86/virt/vmx/tdx/tdx.c
int tdx_module_refresh_version(void)
{
	struct tdx_sys_info_version new;
	int ret;

	ret = get_tdx_sys_info_version(&new);
	WARN_ON_ONCE(ret);

	/* Major/minor versions should not change across updates. */
	tdx_sysinfo.version.update_version = new.update_version;
	return 0;
}
```

## References
- ``reference/tdx-module-update-v8.mbox``: "x86/virt/tdx: Update
  tdx_sysinfo.version after a module update" adds
  ``tdx_sysinfo.version.update_version\\t= new.update_version;`` alone
  between a comment and ``return 0;``.
- Corpus replies: "Just use space instead of tab." under ``u64\\tstatus =
  0;`` <cabbda89-f89f-aa75-d661-c8d5f6cc5d93@linux.intel.com>; "Nit:
  There's an extra space character after "return"." under
  ``return\\thv_current_partition_type == ...``
  <SN6PR02MB4157F396B9FECAD555520DDED4C52@SN6PR02MB4157.namprd02.prod.outlook.com>;
  "Extra space" under ``(loc_status  >> PORT_POS_OFFSET)``
  <22f766d6-9010-3e87-f05b-bfd9b5888881@linux.intel.com>.  RB502 flags
  the first two patches.
- Corpus findings (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86), ``--select RB502``): 33 in 27 patch mails, all
  read: 31 a stray tab or double space, 2 unsure (``vmsa->efer\\t=
  EFER_SVME;`` alone in its paragraph of a file made of aligned blocks):
  94%.  Before the neighbour rules above (aligned blocks broken by a long
  name, case blocks, statements after a multi-line one) there were 79, a
  third of them lines of aligned blocks.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB502",
    name="lone-alignment-tab",
    severity=Severity.CHECK,
    summary="a tab inside a statement that aligns it with nothing on the lines around",
)

_STATEMENTS = ("expression_statement", "declaration", "return_statement")
_BODIES = frozenset({"compound_statement", "case_statement"})


def code_part(text: str) -> str:
    """The line without its leading indentation, string and character
    literals blanked and comments cut."""
    s = text.lstrip()
    if '"' not in s and "'" not in s and "/" not in s:
        return s.rstrip()  # no literal, no comment: most lines
    out = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in "\"'":
            j = i + 1
            while j < n and s[j] != c:
                j += 2 if s[j] == "\\" else 1
            out.append(c + "_" * max(j - i - 1, 0) + c)
            i = j + 1
            continue
        if s.startswith("/*", i) or s.startswith("//", i):
            break
        out.append(c)
        i += 1
    return "".join(out).rstrip()


_GAP = re.compile(r"\S(\t+| {2,})(?=\S)")


def _aligned(ours: str, col: int, other: str) -> bool:
    """Whether ``other`` has something at visual column ``col`` that the gap
    in ``ours`` lines up with: a token starting there, or the same
    character (the '=' of a '^=')."""
    other = other.expandtabs(8)
    if len(other) <= col or other[col].isspace():
        return False
    return other[col - 1].isspace() or other[col] == ours[col]


_TRANSPARENT = re.compile(r"^\s*(case\b.*:|default\s*:|break;|[{}];?)\s*$")


def _continues(unit, n: int) -> bool:
    """Whether line n continues the statement of the line before it."""
    if unit.row_of(n - 1) is None:
        return False
    before = code_part(unit.line_text(n - 1))
    return bool(before) and not before.startswith("#") and not before.endswith((";", "{", "}", ":"))


def _neighbours(unit, line: int, step: int) -> list[str] | None:
    """The first lines of up to two statements above (step -1) or below
    (+1) in the same paragraph, looking through ``case``/``break;``/brace
    lines; None when the line next to it is not in the patch."""
    out: list[str] = []
    n = line + step
    while len(out) < 2:
        if unit.row_of(n) is None:
            return None if n == line + step else out
        text = unit.line_text(n)
        if not text.strip():
            break
        if not _TRANSPARENT.match(text) and not _continues(unit, n):
            out.append(text)
        n += step
    return out


def check(ctx: PatchContext) -> Iterator[Hit]:
    for unit, node in ctx.nodes(*_STATEMENTS):
        line = unit.line(node)
        if not unit.is_added(line):
            continue
        text = unit.line_text(line)
        inside = text.lstrip()
        if ("\t" not in inside and "  " not in inside) or _GAP.search(text) is None:
            continue  # cheap first: blanking literals and cutting comments makes no gap
        if unit.end_line(node) != line:
            continue
        parent = node.parent
        if parent is None or parent.type not in _BODIES or node.has_error:
            continue
        if inside.startswith(("*", "/*", "//")):
            continue  # a comment the hunk cut
        code = code_part(text)
        m = _GAP.search(code)
        if m is None:
            continue
        indent = text[: len(text) - len(text.lstrip())]
        ours = (indent + code).expandtabs(8)
        col = len((indent + code[: m.end()]).expandtabs(8))
        above, below = _neighbours(unit, line, -1), _neighbours(unit, line, 1)
        if above is None or below is None:
            continue  # a line the patch does not show: cannot tell
        near = above + below
        if any(_aligned(ours, col, t) or _GAP.search(code_part(t)) for t in near):
            continue  # lined up with a neighbour, or one line of an aligned block
        after = code[m.end():].split()[0]
        gap = "the tab" if "\t" in m.group(1) else "the spaces"
        yield Hit(
            path=unit.path,
            line=line,
            message=f"Use a single space instead of {gap} before '{after}': it aligns this statement "
            "with nothing on the lines around it.",
        )
