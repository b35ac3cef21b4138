"""Local variable declarations not in reverse fir tree (reverse xmas tree) order.

## What it does
Looks at the declarations at the top of a function body, group by group
(a blank line starts a new group), and finds a line the patch adds that
breaks the longest-line-first order: it is longer than the declaration
line above it, or shorter than the one below.

It stays quiet

- when the group was out of order before the patch (the context lines
  alone are not sorted): the function does not follow the convention;
- when the longer line must come later: its initializer uses a variable
  declared on the shorter line (``struct device *dev = &pdev->dev;`` before
  ``struct foo *priv = dev_get_drvdata(dev);``);
- for ``__free()`` declarations, whose order is their cleanup order, and
  for declarations over several lines.

Off by default: the profiles that ask for it turn it on (``tip``,
``netdev`` as WARNING; ``kvm-x86``, where it is "preferred", as CHECK).

## Why is this bad?
The tip tree and netdev order local variables longest line first::

	struct long_struct_name *descriptive_name;
	unsigned long foo, bar;
	unsigned int tmp;
	int ret;

"The above is faster to parse than the reverse ordering" (maintainer-tip),
and netdev maintainers ask for it on every patch that breaks it.  In those
trees a new declaration added at the wrong place is a respin.

## Example
```c path=arch/x86/virt/vmx/tdx/tdx.c
int tdx_module_shutdown(void)
{
	struct tdx_sys_info_handoff handoff = {};
	struct tdx_module_args args = {};
	u64 err;
	int ret, cpu;

	ret = get_tdx_sys_info_handoff(&handoff);
	return ret;
}
```

## Use instead
```c path=arch/x86/virt/vmx/tdx/tdx.c
int tdx_module_shutdown(void)
{
	struct tdx_sys_info_handoff handoff = {};
	struct tdx_module_args args = {};
	int ret, cpu;
	u64 err;

	ret = get_tdx_sys_info_handoff(&handoff);
	return ret;
}
```

## References
- Documentation/process/maintainer-tip.rst, "Variable declarations";
  Documentation/process/maintainer-netdev.rst, "Local variable ordering
  ("reverse xmas tree", "RCS")"; Documentation/process/maintainer-kvm-x86.rst:
  "isn't strictly required, though it is still preferred".
- Corpus replies asking for it (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86)): 7 comments under a quoted added
  line, e.g. Borislav Petkov on linux-edac "The EDAC tree preferred
  ordering of variable declarations at the beginning of a function is
  reverse fir tree order" <Y4DbXaan258cZK+q@zn.tnic>, Ilpo Jarvinen
  "Reverse xmas-tree order."
  <b8e7c1d5-354c-5ebb-93f0-c4b8fcc23d43@linux.intel.com>,
  <CAH-L+nPGGhgDFge0Ov4rX_7vUyLN8uu51cks80=kt38h22N7zQ@mail.gmail.com> (RCT).
- Corpus findings with the rule forced on every file (``--select
  RB503``): 692 in 287 patch mails; 50 read at random: 50 true breaks of
  the longest-first order between two lines that do not depend on each
  other.  With the built-in profiles (no ``--select``): 63, 58 in tip
  files, 3 in netdev files (WARNING), 2 in kvm-x86 files (CHECK).
- ``reference/tdx-module-update-v8.mbox``, v8 16/21 adds ``u64 err;``
  above ``int ret, cpu;`` in a sorted block (tdx.c:1243).
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB503",
    name="reverse-xmas-tree",
    severity=Severity.CHECK,
    summary="local declarations not ordered longest line first (where the profile asks for it)",
    default=False,
)


def _code(text: str) -> str:
    """The declaration without indentation and trailing comment."""
    s = text.strip()
    for mark in ("/*", "//"):
        i = s.find(mark)
        if i > 0:
            s = s[:i].rstrip()
    return s


def _declared(unit, decl) -> set[str]:
    names = set()
    for d in decl.children_by_field_name("declarator"):
        node = d
        while node is not None and node.type != "identifier":
            node = node.child_by_field_name("declarator")
        if node is not None:
            names.add(unit.text(node))
    return names


def _uses(unit, decl, names: set[str]) -> bool:
    """Whether the initializers of ``decl`` read one of ``names``."""
    for d in decl.children_by_field_name("declarator"):
        if d.type != "init_declarator":
            continue
        value = d.child_by_field_name("value")
        if value is not None and set(re.findall(r"\b\w+\b", unit.text(value))) & names:
            return True
    return False


def _groups(unit, body):
    """Runs of single-line declarations at the top of a function body,
    split at blank lines: lists of (line, declaration)."""
    group: list = []
    prev_line = None
    for child in body.named_children:
        if child.type == "comment":
            continue
        if child.type != "declaration":
            break
        line, end = unit.line(child), unit.end_line(child)
        if line is None or end is None:
            break
        if line != end or child.has_error:
            if group:
                yield group
            group, prev_line = [], None
            continue  # a declaration over several lines ends the group
        if prev_line is not None and any(not unit.line_text(n).strip() for n in range(prev_line + 1, line)):
            yield group
            group = []
        group.append((line, child))
        prev_line = line
    if group:
        yield group


def _is_function(fn) -> bool:
    """A real function definition (``struct __packed foo {`` parses as one)."""
    d = fn.child_by_field_name("declarator")
    while d is not None and d.type in ("pointer_declarator", "parenthesized_declarator"):
        d = d.child_by_field_name("declarator")
    return d is not None and d.type == "function_declarator"


def _bodies(ctx: PatchContext):
    for unit, fn in ctx.nodes("function_definition"):
        body = fn.child_by_field_name("body")
        if body is not None and _is_function(fn):
            yield unit, body
    for unit, block in ctx.nodes("compound_statement"):
        # a hunk that starts at the '{' of a function (its name only in the
        # @@ line) parses as a block at the top level
        if block.parent is not None and block.parent.type in ("translation_unit", "ERROR") and unit.hunk is not None:
            yield unit, block


def check(ctx: PatchContext) -> Iterator[Hit]:
    for unit, body in _bodies(ctx):
        for group in _groups(unit, body):
            yield from _check_group(unit, group)


def _check_group(unit, group) -> Iterator[Hit]:
    lines = [(line, decl, _code(unit.line_text(line))) for line, decl in group]
    if not any(unit.is_added(line) for line, _, _ in lines):
        return
    old = [len(c) for line, _, c in lines if not unit.is_added(line)]
    if any(a < b for a, b in zip(old, old[1:])):
        return  # not sorted before the patch either
    for (l1, d1, c1), (l2, d2, c2) in zip(lines, lines[1:]):
        if len(c1) >= len(c2):
            continue
        if not (unit.is_added(l1) or unit.is_added(l2)):
            continue
        if "__free(" in c1 or "__free(" in c2 or _uses(unit, d2, _declared(unit, d1)):
            continue
        yield Hit(  # about both lines, whichever of them the patch adds: the same finding in a whole file
            path=unit.path,
            line=l1,
            end_line=l2,
            message=f"Order the declarations longest line first (reverse xmas tree): '{c2}' "
            f"({len(c2)} columns) goes above '{c1}' ({len(c1)}).",
        )
        return  # one finding per group
