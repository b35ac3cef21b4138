"""A comparison used unparenthesized as an operand of `&`, `|` or `^`.

## What it does
Finds `x & MASK == VAL`, `x | FLAG != 0`, `x ^ M < N` and the mirrored
`x == VAL & MASK`: a bitwise operator with an unparenthesized comparison
as one operand.  The message shows how C groups the expression, what was
probably meant, and the values of the constants when the patch defines
them.

## Why is this bad?
In C the comparison operators bind tighter than `&`, `^` and `|`, so
`x & MASK == VAL` means `x & (MASK == VAL)`: the mask is compared with the
value, and `x` is ANDed with the 0 or 1 that comparison gives.  That is
almost never what the author meant.  It compiles; only `-Wparentheses`
warns, when it is on and when the file is built in the submitter's
configuration.

## Example
```c
#define STATUS_MASK	GENMASK(7, 4)
#define STATUS_READY	0x10

static bool foo_ready(u32 status)
{
	return status & STATUS_MASK == STATUS_READY;
}
```

## Use instead
```c
#define STATUS_MASK	GENMASK(7, 4)
#define STATUS_READY	0x10

static bool foo_ready(u32 status)
{
	return (status & STATUS_MASK) == STATUS_READY;
}
```

## References
- C11 6.5.9 / 6.5.10: equality operators bind tighter than bitwise AND;
  gcc's `-Wparentheses` ("suggest parentheses around comparison in operand
  of '&'").
- Kernel corpus (`reviewbot check --select RB201` over linux-hwmon,
  platform-driver-x86, linux-edac and linux-hyperv: 2298 patches
  reviewed): 1 finding, 1 true, precision 100% --
  `resource->caps.flags & POWER_METER_CAN_NOTIFY == 0` in
  acpi_power_meter.c (the test is always 0).  No finding on context lines
  either, nor in the TDX v8 series.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.consteval import Scope
from reviewbot.rule import Hit, PatchContext, Rule, Severity
from ._cfacts import binary_op as _op

RULE = Rule(
    code="RB201",
    name="masked-compare-precedence",
    severity=Severity.ERROR,
    summary="`x & MASK == VAL` parses as `x & (MASK == VAL)`: the comparison binds tighter",
)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)

_BITWISE = frozenset({"&", "|", "^"})
_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})


def _one_line(text: str, limit: int = 60) -> str:
    text = " ".join(_COMMENT.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _looks_like_cast(node) -> bool:
    """``(TYPE) & x == y``: tree-sitter cannot tell a cast of an address
    from a bitwise AND when TYPE is a macro or typedef it does not know."""
    if node.type != "parenthesized_expression":
        return False
    inner = [c for c in node.named_children if c.type != "comment"]
    return len(inner) == 1 and inner[0].type in ("identifier", "type_identifier", "primitive_type")


def _values(unit, scope: Scope, nodes) -> list[str]:
    """``NAME = value`` for the named constants among ``nodes``."""
    out = []
    for n in nodes:
        text = unit.text(n)
        if n is None or n.type in ("number_literal", "char_literal"):
            continue
        v = scope.evaluate(text)
        if v is not None:
            shown = f"{v.value:#x}" if v.value >= 2 else str(v)
            out.append(f"{_one_line(text, 40)} = {shown}")
    return out


def _message(unit, scope: Scope, node, cmp, side: str) -> str:
    op = _op(node)
    cop = _op(cmp)
    a, b = cmp.child_by_field_name("left"), cmp.child_by_field_name("right")
    at, bt = _one_line(unit.text(a), 40), _one_line(unit.text(b), 40)
    if side == "right":
        x = _one_line(unit.text(node.child_by_field_name("left")), 40)
        parsed = f"{x} {op} ({at} {cop} {bt})"
        meant = f"({x} {op} {at}) {cop} {bt}"
    else:
        y = _one_line(unit.text(node.child_by_field_name("right")), 40)
        parsed = f"({at} {cop} {bt}) {op} {y}"
        meant = f"{at} {cop} ({bt} {op} {y})"
    msg = f"`{_one_line(unit.text(node))}` parses as `{parsed}`; probably meant `{meant}`"
    folded = scope.evaluate(unit.text(cmp))
    other = node.child_by_field_name("left" if side == "right" else "right")
    values = _values(unit, scope, (other, a, b) if side == "right" else (a, b, other))
    if folded is not None:
        detail = f"`{at} {cop} {bt}` is always {folded.value}"
        if values:
            detail += f" ({', '.join(values)})"
        msg += f": {detail}"
    elif values:
        msg += f" ({', '.join(values)})"
    return msg


def check(ctx: PatchContext) -> Iterator[Hit]:
    scopes: dict[str, Scope] = {}
    for unit, node in ctx.nodes("binary_expression"):
        if _op(node) not in _BITWISE:
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        lcmp, rcmp = _op(left) in _COMPARE, _op(right) in _COMPARE
        if lcmp == rcmp:
            continue  # neither, or `a == b & c == d`: a bitwise AND of two truth values
        if left is not None and _looks_like_cast(left):
            continue
        scope = scopes.get(unit.path)
        if scope is None:
            scope = scopes[unit.path] = ctx.scope(unit.path)
        cmp, side = (right, "right") if rcmp else (left, "left")
        yield Hit(unit.path, unit.line(node), _message(unit, scope, node, cmp, side), end_line=unit.end_line(node))
