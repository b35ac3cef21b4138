"""An if/else/for/while/do body over several lines without braces.

## What it does
Finds the body of an ``if``, ``else``, ``for``, ``while`` or ``do`` that
has no braces but is not a single line: a nested ``if``/loop, a statement
split over several lines, or a statement with a comment line above it.

It stays quiet where checkpatch already speaks: an ``if``/``else`` chain
in which some arms have braces and others do not ("braces {} should be
used on all arms of this statement").

Off by default: the ``tip`` profile (and ``kvm-x86``) turns it on.

## Why is this bad?
"Brackets should be omitted only if the statement which follows 'if',
'for', 'while' etc. is truly a single line" (maintainer-tip, Bracket
rules).  Without braces the extent of a multi-line body rests on
indentation alone: the reader has to parse the nested statement to find
where the outer one ends, and a line added later at the same indentation
silently falls out of the body.  coding-style.rst asks the same of loops
that contain more than a single simple statement.

## Example
```c path=kernel/sched/core.c
static void foo_all(struct foo *foo, int end)
{
	int i;

	for (i = 0; i < end; i++)
		if (foo[i].ready)
			do_something(&foo[i]);
}
```

## Use instead
```c path=kernel/sched/core.c
static void foo_all(struct foo *foo, int end)
{
	int i;

	for (i = 0; i < end; i++) {
		if (foo[i].ready)
			do_something(&foo[i]);
	}
}
```

## References
- Documentation/process/maintainer-tip.rst, "Bracket rules";
  Documentation/process/coding-style.rst, section 3 ("use braces when a
  loop contains more than a single simple statement").
- Corpus: "Please use braces for multiline blocks."
  <ed106e77-ef3f-4789-d0be-6c16f6405004@linux.intel.com>
  (platform-driver-x86).
- Corpus findings (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86)) with the rule forced on every file (``--select
  RB505``): 479 in 242 patch mails, most of them ``if (IS_ERR(x)) return
  dev_err_probe(dev, ..., "...")`` over two lines, which only tip-style
  maintainers ask to brace; 50 read at random after dropping trailing
  comments on the ``if`` line: 50 bodies over several lines as tip's rule
  describes them.  With the built-in profiles: 20 (18 tip, 2 kvm-x86).
"""

from __future__ import annotations

from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB505",
    name="multi-line-body-without-braces",
    severity=Severity.CHECK,
    summary="an if/else/for/while body over several lines without braces (tip's bracket rule)",
    default=False,
)

_CONTROL = {"if_statement": "if", "for_statement": "for", "while_statement": "while",
            "do_statement": "do", "switch_statement": "switch"}


def _arms(node):
    """(keyword node, body) of an if/else if/else chain."""
    while node is not None and node.type == "if_statement":
        cons = node.child_by_field_name("consequence")
        if cons is not None:
            yield node, cons
        alt = node.child_by_field_name("alternative")
        if alt is None:
            return
        inner = [c for c in alt.named_children if c.type != "comment"]
        if len(inner) != 1:
            return
        if inner[0].type == "if_statement":
            node = inner[0]
            continue
        yield alt, inner[0]
        return


def _first_row(owner, body) -> int:
    """The first row of the body, counting comment lines of their own right
    above it (not a comment at the end of the ``if (...)`` line)."""
    row = body.start_point[0]
    sib = body.prev_named_sibling
    while sib is not None and sib.type == "comment" and sib.parent == owner:
        before = sib.prev_sibling
        if before is not None and before.end_point[0] == sib.start_point[0]:
            break  # a trailing comment of the line before
        row = min(row, sib.start_point[0])
        sib = sib.prev_named_sibling
    return row


def _why(unit, owner, body) -> str | None:
    if body.type in ("compound_statement", "expression_statement") and unit.text(body).strip() == ";":
        return None
    if body.type == "compound_statement" or body.has_error:
        return None
    first, last = _first_row(owner, body), body.end_point[0]
    if first == last:
        return None
    lines = last - first + 1
    if body.type in _CONTROL:
        return f"it is {'an' if body.type == 'if_statement' else 'a'} {_CONTROL[body.type]} statement over {lines} lines"
    if first < body.start_point[0]:
        return "it is a comment line and a statement"
    return f"it is one statement split over {lines} lines"


def check(ctx: PatchContext) -> Iterator[Hit]:
    for unit, node in ctx.nodes(*_CONTROL):
        if node.type == "switch_statement":
            continue
        if node.type == "if_statement":
            parent = node.parent
            if parent is not None and parent.type == "else_clause":
                continue  # reviewed with the chain it belongs to
            arms = list(_arms(node))
            braced = [b.type == "compound_statement" for _, b in arms]
            if any(braced) and not all(braced):
                continue  # checkpatch: braces {} should be used on all arms of this statement
        else:
            body = node.child_by_field_name("body")
            arms = [(node, body)] if body is not None else []
        for owner, body in arms:
            why = _why(unit, owner, body)
            if why is None:
                continue
            line, end = unit.line(owner), unit.end_line(body)
            if line is None or end is None or not any(unit.is_added(n) for n in range(line, end + 1)):
                continue
            keyword = "else" if owner.type == "else_clause" else _CONTROL[owner.type]
            yield Hit(
                path=unit.path,
                line=line,
                end_line=end,
                message=f"Put the body of this {keyword} in braces: {why}, not a single line.",
            )
