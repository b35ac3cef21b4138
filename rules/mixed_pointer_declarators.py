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
- Corpus (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86), ``reviewbot check --select RB501``): 22 findings in 21
  patch mails, all read: all 22 are mixed declarations as described; 12
  put a structure or union by value beside a pointer (the case that
  misleads: ``struct hv_message msg_copy, *msg;``,
  ``union acpi_object *out, *item, req;``), 10 mix scalars
  (``int *irqs, err, i;``, ``bool *field_ptr, field_enabled;``), which
  some maintainers accept: hence CHECK.
- The corpus replies ask four times to put something on a line of its
  own, none of them about such a declaration: the request comes from the
  maintainer-profile issue, not from this corpus.
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
