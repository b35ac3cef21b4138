"""A declaration that declares pointers and non-pointers together.

## What it does
Finds a declaration the patch adds whose declarators mix pointers and
non-pointers: ``struct foo *a, b;``, ``char *name, buf[16];``,
``u64 *map, val;``.  Declarations of only pointers (``struct page *p,
*q;``) or only non-pointers (``int ret, cpu;``) are fine.  Function
pointers are left alone.

## Why is this bad?
The ``*`` binds to the declarator, not to the type, but the eye reads
``struct tdx_sys_info_version *old, new;`` as two pointers.  ``new`` is a
whole structure on the stack, and the next reader takes ``new.x`` for a
typo or ``old = new`` for a pointer copy.  Reviewers ask to split such
declarations, one type per line.

## Example
```c path=arch/x86/virt/vmx/tdx/tdx.c
int tdx_module_refresh_version(void)
{
	struct tdx_sys_info_version *old, new;
	int ret;

	ret = get_tdx_sys_info_version(&new);
	old = &tdx_sysinfo.version;
	return ret;
}
```

## Use instead
```c path=arch/x86/virt/vmx/tdx/tdx.c
int tdx_module_refresh_version(void)
{
	struct tdx_sys_info_version *old;
	struct tdx_sys_info_version new;
	int ret;

	ret = get_tdx_sys_info_version(&new);
	old = &tdx_sysinfo.version;
	return ret;
}
```

## References
- ``reference/tdx-module-update-v8.mbox``: "x86/virt/tdx: Update
  tdx_sysinfo.version after a module update" adds
  ``struct tdx_sys_info_version *old, new;``; RB501 flags it.
- The request is common in review but rarely written as a one-line
  comment: the corpus replies (``/work/shared/corpus``) ask four times to
  put a declaration on a line of its own, none of them about pointers.
- Corpus findings (``reviewbot check --select RB501``, 2298 patch mails):
  see the closing note of the maintainer-profiles issue; every finding read:
  precision 100% as "what the rule says is there" (a mixed declaration),
  severity CHECK because many maintainers accept ``int *p, n;``.
"""

from __future__ import annotations

from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB501",
    name="mixed-pointer-declarators",
    severity=Severity.CHECK,
    summary="one declaration declares pointers and non-pointers (struct foo *a, b;)",
)


def _kind(declarator) -> str | None:
    """'pointer', 'plain', or None for what the rule leaves alone."""
    node = declarator
    if node.type == "init_declarator":
        node = node.child_by_field_name("declarator")
    if node is None:
        return None
    if node.type == "pointer_declarator":
        return "pointer"
    if node.type in ("identifier", "array_declarator", "field_identifier", "bitfield_clause"):
        return "plain"
    return None  # function declarators, parenthesized declarators, macros


def _name(unit, declarator) -> str:
    node = declarator
    while node is not None and node.type not in ("identifier", "field_identifier"):
        nxt = node.child_by_field_name("declarator")
        if nxt is None:
            break
        node = nxt
    return unit.text(node) if node is not None else unit.text(declarator)


def check(ctx: PatchContext) -> Iterator[Hit]:
    for unit, node in ctx.nodes("declaration", "field_declaration"):
        declarators = node.children_by_field_name("declarator")
        if len(declarators) < 2:
            continue
        if any(d.has_error for d in declarators):
            continue
        kinds = [_kind(d) for d in declarators]
        if None in kinds or "pointer" not in kinds or "plain" not in kinds:
            continue
        line, end = unit.line(node), unit.end_line(node)
        if line is None or not unit.is_added(line):
            continue
        if unit.line_text(line).lstrip().startswith(("*", "/*", "//")) or not unit.text(node).endswith(";"):
            continue  # prose of a comment the hunk starts in, parsed as C
        plain = [_name(unit, d) for d, k in zip(declarators, kinds) if k == "plain"]
        names = ", ".join(f"'{n}'" for n in plain)
        what = "is not a pointer" if len(plain) == 1 else "are not pointers"
        yield Hit(
            path=unit.path,
            line=line,
            end_line=end,
            message=f"Split this declaration: {names} {what} but {'reads' if len(plain) == 1 else 'read'} "
            f"like {'one' if len(plain) == 1 else 'them'} after the '*' of the pointer before; "
            "declare pointers and non-pointers on separate lines.",
        )
