"""A local variable declaration whose initializer is split over several lines.

## What it does
Finds a local variable declaration the patch adds whose initializer runs
over more than one line:

    struct long_struct_name *descriptive_name = container_of(bar,
                                                    struct long_struct_name,
                                                    member);

Brace initializers (``= { .a = 1, ... }``), string literals and ``__free()``
declarations (which cleanup.h wants initialized where they are declared)
are left alone.

Off by default: the ``tip`` profile (and ``kvm-x86``, which follows tip's
coding style) turns it on.

## Why is this bad?
"Please also refrain from introducing line splits in variable
declarations ... It's way better to move the initialization to a separate
line after the declarations" (maintainer-tip).  A wrapped initializer
breaks the block of declarations in two, hides the next declaration, and
usually is a function call that may fail or depend on state: as a
statement it can be checked and read in order.

## Example
```c path=kernel/sched/core.c
static int foo_bar(struct device *dev)
{
	struct long_struct_name *descriptive_name = container_of(dev,
								  struct long_struct_name,
								  dev);
	struct foobar foo;

	return do_foo(descriptive_name, &foo);
}
```

## Use instead
```c path=kernel/sched/core.c
static int foo_bar(struct device *dev)
{
	struct long_struct_name *descriptive_name;
	struct foobar foo;

	descriptive_name = container_of(dev, struct long_struct_name, dev);
	return do_foo(descriptive_name, &foo);
}
```

## References
- Documentation/process/maintainer-tip.rst, "Variable declarations".
- Corpus findings (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86)) with the rule forced on every file (``--select
  RB504``): 126 in 63 patch mails; 50 read at random: 50 local
  declarations with an initializer over several lines (``container_of()``
  calls above all).  With the built-in profiles: 20, all in tip files.
"""

from __future__ import annotations

from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB504",
    name="split-declaration-initializer",
    severity=Severity.CHECK,
    summary="a local declaration's initializer split over several lines (tip: initialize after the declarations)",
    default=False,
)

_LEFT_ALONE = frozenset({"initializer_list", "string_literal", "concatenated_string", "compound_literal_expression"})


def _name(unit, declarator) -> str:
    node = declarator
    while node is not None and node.type != "identifier":
        node = node.child_by_field_name("declarator")
    return unit.text(node) if node is not None else "it"


def check(ctx: PatchContext) -> Iterator[Hit]:
    for unit, decl in ctx.nodes("declaration"):
        parent = decl.parent
        if parent is None or parent.type not in ("compound_statement", "case_statement"):
            continue
        text = unit.text(decl)
        if "__free(" in text or "__cleanup(" in text or "static " in text.split("=")[0]:
            continue
        for d in decl.children_by_field_name("declarator"):
            if d.type != "init_declarator":
                continue
            value = d.child_by_field_name("value")
            if value is None or value.type in _LEFT_ALONE:
                continue
            if d.start_point[0] == d.end_point[0]:
                continue  # 'name = value' on one line
            line, end = unit.line(decl), unit.end_line(decl)
            if line is None or end is None or not any(unit.is_added(n) for n in range(line, end + 1)):
                continue
            name = _name(unit, d.child_by_field_name("declarator"))
            yield Hit(
                path=unit.path,
                line=line,
                end_line=end,
                message=f"Declare '{name}' here and assign it in a statement after the declarations: "
                "its initializer is split over several lines.",
            )
            break
