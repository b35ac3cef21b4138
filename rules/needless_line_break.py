"""A statement split over several lines that fits on one line of 80 columns.

## What it does
Finds a statement, a local declaration, the condition of an ``if`` or
``while``, or a function header the patch adds that is split over several
lines although, joined, it fits in 80 columns (tabs count 8).

Left alone: anything with a comment inside, brace initializers
(``= { ... }``), struct bodies, ``asm()`` operands, a macro loop and its
body (``for_each_cpu(cpu)`` / ``scoped_guard(rcu)`` on a line of their
own), conditions broken after ``&&`` or ``||`` (one condition per line is
a layout of its own), and statements whose split lines are only context
(the patch did not write them).

## Why is this bad?
Line breaks are for lines that would otherwise be too long.  A call or a
condition broken into pieces that fit on one line reads slower, costs a
screen line and invites misaligned continuation lines.  Reviewers ask
"Can be one line", "Excessive line breaks. This is under 80 chars", "Please
get rid of this ugly line break" in every subsystem, and checkpatch says
nothing: it only measures lines that are too long, never lines that are
too short.

## Example
```c path=drivers/hwmon/foo.c
static int foo_read(struct foo_data *data, long *val)
{
	int ret;

	ret = regmap_read(data->regmap,
			  FOO_REG_TEMP, &data->raw);
	if (ret)
		return ret;

	*val = data->raw * 1000;
	return 0;
}
```

## Use instead
```c path=drivers/hwmon/foo.c
static int foo_read(struct foo_data *data, long *val)
{
	int ret;

	ret = regmap_read(data->regmap, FOO_REG_TEMP, &data->raw);
	if (ret)
		return ret;

	*val = data->raw * 1000;
	return 0;
}
```

## References
- Corpus replies (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86)): 10 comments in 8 review mails on code lines (and
  4 more on comments), on all four lists: Borislav Petkov "No need to
  break that line." <Y4DbXaan258cZK+q@zn.tnic> (linux-edac), Jonathan
  Cameron "Excessive line breaks. This is under 80 chars."
  <20221029160353.3999849b@jic23-huawei> and "I'd go slightly long and
  have that one line." <20260528122244.2e408dd3@jic23-huawei>
  (linux-hwmon), Thomas Gleixner "Please get rid of this ugly line
  break." <87cxy55fka.ffs@fw13> (linux-hyperv), Andy Shevchenko "Can be
  one line." / "One line, please."
  <CAHp75VeueLvou3SEtR=EcTi0x+0qpLz7_cvE2KBXHXa_crS8cA@mail.gmail.com> and
  "Now it's exactly 80 characters if located on a single line."
  <aSqtsuyIDtGrXLrx@smile.fi.intel.com>, Thomas Weissschuh "Unnecessary
  linebreaks." <01916112-6553-47d8-b06d-37890461a883@t-8ch.de>.
- Corpus findings (``--select RB507``): 139 in 72 patch mails; 50 read at
  random: 50 calls, assignments, conditions and function headers that
  fit in 80 columns.  Jonathan Cameron's MAX30208_GPIO_SETUP call is
  among them.  Before leaving out macro loops, struct bodies, ``asm()``
  and conditions broken after ``&&``/``||`` there were 166, 13 of 50 of
  them those.
"""

from __future__ import annotations

from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB507",
    name="needless-line-break",
    severity=Severity.CHECK,
    summary="a statement split over several lines that fits on one line of 80 columns",
)

LIMIT = 80
_STATEMENTS = ("expression_statement", "return_statement", "declaration")
_BODIES = frozenset({"compound_statement", "case_statement"})
# brace initializers, struct/union/enum bodies and asm operands keep their lines
_NOT_JOINED = frozenset({"initializer_list", "field_declaration_list", "enumerator_list", "gnu_asm_expression"})


def width(text: str) -> int:
    """Columns a line takes, tabs to the next multiple of 8."""
    return len(text.expandtabs(8))


def joined(lines: list[str]) -> str:
    """The lines as one: the first keeps its indentation, the others are
    stripped and joined with one space (none after '(' or before ')')."""
    out = lines[0].rstrip()
    for ln in lines[1:]:
        piece = ln.strip()
        if not piece:
            continue
        if out.endswith(("(", "[")) or piece.startswith((")", "]", ",", ";")):
            out += piece
        else:
            out += " " + piece
    return out


def _span(ctx, unit, node, first_row: int, last_row: int) -> Iterator[Hit]:
    if last_row <= first_row:
        return
    lines = []
    for row in range(first_row, last_row + 1):
        n = unit.rows[row] if row < len(unit.rows) else None
        if n is None:
            return
        lines.append((n, unit.line_text(n)))
    texts = [t for _, t in lines]
    if any("/*" in t or "//" in t or t.rstrip().endswith("\\") for t in texts):
        return
    if any(t.rstrip().endswith(("&&", "||")) for t in texts[:-1]):
        return  # one condition per line: a layout of its own, often on purpose
    first = texts[0].strip()
    if first.endswith(")") and first.count("(") == first.count(")") and not first.startswith(("if", "while", "}")):
        return  # 'for_each_cpu(cpu)' / 'scoped_guard(rcu)' and its body: a macro loop, not one statement
    if not any(unit.is_added(n) for n, _ in lines[1:]) and not unit.is_added(lines[0][0]):
        return
    one = joined(texts)
    if width(one) > LIMIT:
        return
    yield Hit(
        path=unit.path,
        line=lines[0][0],
        end_line=lines[-1][0],
        message=f"Put this on one line: joined it takes {width(one)} columns, within {LIMIT}.",
    )


def _string_split(unit, node) -> bool:
    """Concatenated string literals: "a" "b" split on purpose is another
    rule's business (never break format strings)."""
    return any(n.type == "concatenated_string" for n in _descendants(node))


def _descendants(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.named_children)


def check(ctx: PatchContext) -> Iterator[Hit]:
    for unit, node in ctx.nodes(*_STATEMENTS):
        first_row, last_row = node.start_point[0], node.end_point[0]
        if last_row <= first_row:
            continue  # on one line already (most statements)
        parent = node.parent
        if parent is None or parent.type not in _BODIES or node.has_error:
            continue
        hits = list(_span(ctx, unit, node, first_row, last_row))
        if not hits:
            continue
        # walking the subtree costs more than reading the lines: last
        if any(n.type in _NOT_JOINED for n in _descendants(node)) or _string_split(unit, node):
            continue
        yield from hits
    for unit, node in ctx.nodes("if_statement", "while_statement"):
        cond = node.child_by_field_name("condition")
        if cond is None or cond.has_error:
            continue
        # "if (" through the closing parenthesis of the condition
        yield from _span(ctx, unit, node, node.start_point[0], cond.end_point[0])
    for unit, node in ctx.nodes("function_definition"):
        decl = node.child_by_field_name("declarator")
        if decl is None or decl.has_error:
            continue
        if node.start_point[0] < decl.start_point[0]:
            continue  # the return type on a line of its own: a style of its own
        yield from _span(ctx, unit, node, node.start_point[0], decl.end_point[0])
