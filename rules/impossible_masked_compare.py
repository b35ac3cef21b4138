"""A masked value compared with a constant the mask can never produce.

## What it does
Finds comparisons of a masked expression with a constant that has bits
outside the mask, `(x & MASK) == VAL` where `VAL & ~MASK != 0`, and the
OR form `(x | FLAGS) == VAL` where `FLAGS & ~VAL != 0`, and
`FIELD_GET(MASK, x) == VAL` where `VAL` does not fit the field; also `!=`,
either operand order, and `case` labels of a `switch (x & MASK)`.  The values
come from literals and from the `#define`s the patch shows (added and
context lines), evaluated with the C types of an x86-64 kernel; when a
value is unknown or ambiguous the rule says nothing.

## Why is this bad?
`x & MASK` only has bits of `MASK`, so it never equals a value with other
bits set: the `==` is always false and the `!=` always true.  The branch
is dead or always taken, and nothing warns: the compiler accepts it.
Usually the status code and the mask disagree about where a field lives
(a status code defined with its detail bits, a field value defined
unshifted), as when a TDX status code is compared after masking with
`TDX_SEAMCALL_STATUS_MASK`.

## Example
```c
#define TDX_SEAMCALL_STATUS_MASK	0xFFFFFFFF00000000ULL
#define TDX_UPDATE_COMPAT_SENSITIVE	0x8000051200000001ULL

static int tdx_shutdown_status(u64 err)
{
	if ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE)
		return -EBUSY;
	return err ? -EIO : 0;
}
```

## Use instead
```c
#define TDX_SEAMCALL_STATUS_MASK	0xFFFFFFFF00000000ULL
#define TDX_UPDATE_COMPAT_SENSITIVE	0x8000051200000000ULL

static int tdx_shutdown_status(u64 err)
{
	if ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE)
		return -EBUSY;
	return err ? -EIO : 0;
}
```

## References
- Dave Hansen's review of "[PATCH v8 16/21] x86/virt/tdx: Reject updates
  during concurrent TD build" (how status codes are masked and compared).
- Kernel corpus (`reviewbot check --select RB202` over linux-hwmon,
  platform-driver-x86, linux-edac and linux-hyperv: 2298 patches
  reviewed): 0 findings, so no false positive; precision not measurable
  there.  Of 67 added comparisons of a masked value, 23 have both values
  known (all possible: correctly quiet).  The TDX v8 series (21 patches):
  0 findings; its 16/21 with a detail bit set in
  TDX_UPDATE_COMPAT_SENSITIVE: 1 finding, true.
- With the series' defines in sight (and with `--tree` linux-source-6.12,
  the same): 3 findings, 3 true -- the AEST series (linux-edac, v6 11/16)
  switches on `regs->err_status & ERR_STATUS_UET` (bits 21:20, defined in
  another patch) with unshifted `case ERR_STATUS_UET_UEU:` (1) .. (3).
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.consteval import Scope, Value
from reviewbot.rule import Hit, PatchContext, Rule, Severity
from ._cfacts import binary_op as _op

RULE = Rule(
    code="RB202",
    name="impossible-masked-compare",
    severity=Severity.ERROR,
    summary="masked value compared with a constant that has bits outside the mask: always false (or true)",
)
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)

_COMPARE = {"==": "false", "!=": "true"}


def _strip(node):
    """The expression inside any number of parentheses."""
    while node is not None and node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


def _terms(node, op: str) -> list:
    """The operands of a chain of ``op`` (through parentheses)."""
    out = []
    stack = [node]
    while stack:
        n = _strip(stack.pop())
        if _op(n) == op:
            stack.append(n.child_by_field_name("right"))
            stack.append(n.child_by_field_name("left"))
        else:
            out.append(n)
    return out


def _snip(text: str, limit: int = 72) -> str:
    text = " ".join(_COMMENT.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hex(v: int) -> str:
    return f"{v:#x}"


_LITERAL = re.compile(r"(0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+)[uUlL]*\Z")


def _named(text: str, value: Value | int) -> str:
    """``NAME = 0xf0``, or just the literal when the text is a number."""
    v = value.value if isinstance(value, Value) else value
    text = _snip(text, 48)
    if _LITERAL.match(text):
        return text
    return f"{text} = {_hex(v)}"


class _Mask:
    """``x & M1 & M2`` or ``x | F1 | F2``: the constant part of it."""

    def __init__(self, op: str, known: list[tuple[str, Value]]):
        self.op = op
        self.known = known
        value = known[0][1].value
        for _, v in known[1:]:
            value = value & v.value if op == "&" else value | v.value
        self.value = value

    def describe(self) -> str:
        if len(self.known) == 1:
            return _named(*self.known[0])
        joined = f" {self.op} ".join(_snip(t, 32) for t, _ in self.known)
        return f"{joined} = {_hex(self.value)}"

    def impossible(self, c: int) -> int:
        """The bits that make ``masked == c`` impossible (0: possible)."""
        if self.op == "&":
            return c & ~self.value
        return self.value & ~c


def _field_get(unit, node, scope: Scope) -> _Mask | None:
    """``FIELD_GET(M, x)``: its bits are those of ``FIELD_MAX(M)``."""
    fn = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    if fn is None or args is None or unit.text(fn) != "FIELD_GET":
        return None
    argv = [a for a in args.named_children if a.type != "comment"]
    if len(argv) != 2:
        return None
    mtext = unit.text(argv[0])
    m = scope.evaluate(mtext)
    if m is None or m.value <= 0 or scope.evaluate(unit.text(argv[1])) is not None:
        return None
    shift = (m.value & -m.value).bit_length() - 1
    return _Mask("&", [(f"FIELD_MAX({_snip(mtext, 40)})", Value(m.value >> shift, m.bits, m.signed))])


def _mask(unit, node, scope: Scope) -> _Mask | None:
    node = _strip(node)
    if node is not None and node.type == "call_expression":
        return _field_get(unit, node, scope)
    op = _op(node)
    if op not in ("&", "|"):
        return None
    known: list[tuple[str, Value]] = []
    unknown = 0
    for term in _terms(node, op):
        text = unit.text(term)
        v = scope.evaluate(text)
        if v is None:
            unknown += 1
        elif v.value < 0:
            return None  # sign extension depends on the other operand's type
        else:
            known.append((text, v))
    if not known or not unknown:
        return None  # nothing constant, or all constant (a deliberate compile-time check)
    return _Mask(op, known)


def _message(expr: str, always: str, mask: _Mask, ctext: str, c: Value, bad: int) -> str:
    if mask.op == "&":
        why = f"{_named(ctext, c)} has bits {bad:#x} outside {mask.describe()}"
    else:
        why = f"{mask.describe()} sets bits {bad:#x} that {_named(ctext, c)} does not have"
    return f"`{_snip(expr)}` is always {always}: {why}"


def _compares(ctx: PatchContext, scopes) -> Iterator[Hit]:
    for unit, node in ctx.nodes("binary_expression"):
        op = _op(node)
        if op not in _COMPARE:
            continue
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        for masked, other in ((left, right), (right, left)):
            scope = scopes(unit.path)
            mask = _mask(unit, masked, scope)
            if mask is None:
                continue
            ctext = unit.text(other)
            c = scope.evaluate(ctext)
            if c is None or c.value < 0:
                continue
            bad = mask.impossible(c.value)
            if bad:
                msg = _message(unit.text(node), _COMPARE[op], mask, ctext, c, bad)
                yield Hit(unit.path, unit.line(node), msg, end_line=unit.end_line(node))
            break


def _cases(ctx: PatchContext, scopes) -> Iterator[Hit]:
    for unit, node in ctx.nodes("switch_statement"):
        cond = node.child_by_field_name("condition")
        body = node.child_by_field_name("body")
        if cond is None or body is None:
            continue
        scope = scopes(unit.path)
        mask = _mask(unit, cond, scope)
        if mask is None or mask.op != "&":
            continue
        for case in body.named_children:
            if case.type != "case_statement":
                continue
            value = case.child_by_field_name("value")
            if value is None:
                continue  # default:
            ctext = unit.text(value)
            c = scope.evaluate(ctext)
            if c is None or c.value < 0:
                continue
            bad = mask.impossible(c.value)
            if bad:
                msg = (
                    f"`case {_snip(ctext, 48)}:` is never reached in `switch {_snip(unit.text(cond), 48)}`: "
                    f"{_named(ctext, c)} has bits {bad:#x} outside {mask.describe()}"
                )
                line = unit.line(case)
                yield Hit(unit.path, line, msg, end_line=line)


def check(ctx: PatchContext) -> Iterator[Hit]:
    cache: dict[str, Scope] = {}

    def scopes(path: str) -> Scope:
        s = cache.get(path)
        if s is None:
            s = cache[path] = ctx.scope(path)
        return s

    yield from _compares(ctx, scopes)
    yield from _cases(ctx, scopes)
