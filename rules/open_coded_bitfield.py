"""A register field read or written with a shift and a mask instead of FIELD_GET()/FIELD_PREP().

## What it does
Finds added code that extracts or builds a bit field by hand, with a
constant shift and a constant mask:

- ``(reg >> 8) & 0xff`` and ``(reg & FOO_MASK) >> FOO_SHIFT``: a field read,
  ``FIELD_GET()``;
- ``(val << 4) & 0xf0`` and ``(val & 0xf) << 4``: a field value,
  ``FIELD_PREP()``.

The shift is a number or an upper-case constant; the mask a number, an
upper-case constant or ``GENMASK()``/``BIT()``.  Left alone: shifts by a
variable, expressions of constants only, single-bit tests (``(x >> 5) &
1``: that is ``BIT()``'s business), the sign-extension idiom
``((s16)((w & 0x7ff) << 5)) >> 5``, values cut into bytes
(``buf[1] = (v >> 8) & 0xff``, ``outb((v >> 8) & 0xff, port)``,
``sum += (v >> 24) & 0xff``: ``put_unaligned_be16()`` and friends), bits
of one value moved around next to other bits of it (``(x & 0xff) | ((x &
0x300) << 1)``), and shifts by ``PAGE_SHIFT`` (an address to a page frame
number).

## Why is this bad?
The field is described twice, as a mask and as a shift, and the two can
disagree (a ``_SHIFT`` define next to a mask that does not start there is
a classic).  ``FIELD_GET(FOO_MASK, reg)`` says it once, with the mask
defined as ``GENMASK(h, l)`` from the data sheet, checks at compile time
that the value fits, and reads as what it is.  Reviewers ask for it with
"Use FIELD_GET()", "Add named define + use FIELD_GET()", "drop any _SHIFT
defines"; checkpatch does not.

## Example
```c path=drivers/platform/x86/foo.c
static u8 foo_port_status(u32 status)
{
	return (status >> 8) & 0xf;
}
```

## Use instead
```c path=drivers/platform/x86/foo.c
#define FOO_PORT_STATUS	GENMASK(11, 8)

static u8 foo_port_status(u32 status)
{
	return FIELD_GET(FOO_PORT_STATUS, status);
}
```

## References
- include/linux/bitfield.h (FIELD_GET(), FIELD_PREP(), and why).
- Corpus replies (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86)): 12 comments in 7 review mails ask for
  FIELD_GET()/FIELD_PREP()/GENMASK(), 8 of them (5 mails) under a shift
  and a mask, e.g. Ilpo Jarvinen "Use named define + FIELD_GET()" under
  ``*acc_mode = ((buffer.output[3] >> 8) & 0xFF);``
  <3e99b429-835e-07e1-358f-f67128cb2e87@linux.intel.com> (RB508 flags
  that very line), "Define these as fields using GENMASK() and use
  FIELD_GET() here." <22f766d6-9010-3e87-f05b-bfd9b5888881@linux.intel.com>,
  "Use FIELD_GET/PREP() and drop any _SHIFT defines."
  <b6ee6eb5-0db0-88fc-af53-598edfa56020@linux.intel.com>, "Add flags field
  define & use FIELD_PREP()" <8d082896-116a-878d-e5dc-5df07feca377@linux.intel.com>,
  and on linux-hyperv "i believe FIELD_PREP if preferrable in such cases"
  <PH0PR11MB590230F0CEBE8B1DEAA15F82F0152@PH0PR11MB5902.namprd11.prod.outlook.com>.
- Corpus findings (``--select RB508``): 99 in 47 patch mails; 50 read at
  random: 48 field reads or field values, 2 unsure (RGB bytes packed into
  a color word): 96%.  Before leaving out bit tests, byte splitting,
  PAGE_SHIFT and bit reshuffles there were 179.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity
from ._cfacts import binary_op as _op

RULE = Rule(
    code="RB508",
    name="open-coded-bitfield",
    severity=Severity.CHECK,
    summary="a bit field read or built with a shift and a mask instead of FIELD_GET()/FIELD_PREP()",
)

_UPPER = re.compile(r"^[A-Z][A-Z0-9_]*$")
_MASK_CALLS = frozenset({"GENMASK", "GENMASK_ULL", "BIT", "BIT_ULL"})


def _bare(node):
    while node is not None and node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def _const(unit, node, mask: bool) -> bool:
    node = _bare(node)
    if node is None:
        return False
    if node.type == "number_literal":
        return mask or unit.text(node).strip().rstrip("uUlL") not in ("0",)
    if node.type == "identifier":
        name = unit.text(node)
        return bool(_UPPER.match(name)) and not (not mask and name.endswith("PAGE_SHIFT"))
    if mask and node.type == "call_expression":
        fn = node.child_by_field_name("function")
        return fn is not None and unit.text(fn) in _MASK_CALLS
    return False


def _is_one(unit, node) -> bool:
    node = _bare(node)
    return node is not None and node.type == "number_literal" and \
        unit.text(node).strip().rstrip("uUlL").lower() in ("1", "0x1", "0x01", "0b1")


def _in_shift(node) -> bool:
    """Inside another shift (through parentheses and casts): the
    ``((s16)((w & 0x7ff) << 5)) >> 5`` sign extension idiom."""
    parent = node.parent
    while parent is not None:
        if parent.type in ("parenthesized_expression", "cast_expression"):
            parent = parent.parent
        elif parent.type == "argument_list" and parent.named_child_count == 1 and parent.parent is not None \
                and (parent.parent.child_by_field_name("function") or parent).type == "parenthesized_expression":
            parent = parent.parent.parent  # '(s16)(x)' parses as a call of '(s16)'
        else:
            break
    return _op(parent) in (">>", "<<")


_BYTE_MASKS = frozenset({0xFF, 0xFFFF, 0xFFFFFFFF})


def _number(unit, node) -> int | None:
    node = _bare(node)
    if node is None or node.type != "number_literal":
        return None
    try:
        return int(unit.text(node).strip().rstrip("uUlL"), 0)
    except ValueError:
        return None


def _byte_split(unit, node) -> bool:
    """``(v >> 8) & 0xff`` going into a byte buffer, an I/O call or a sum:
    a value cut into bytes (put_unaligned_*(), upper_8_bits()), not a field."""
    op = _op(node)
    left, right = _bare(node.child_by_field_name("left")), _bare(node.child_by_field_name("right"))
    if op != "&":
        return False
    for shift, mask in ((left, right), (right, left)):
        amount = _number(unit, shift.child_by_field_name("right")) if _op(shift) in (">>", "<<") else None
        if amount is None or _number(unit, mask) not in _BYTE_MASKS:
            continue
        parent = node.parent
        while parent is not None and parent.type in ("parenthesized_expression", "cast_expression"):
            parent = parent.parent
        if parent is None:
            return False
        if parent.type == "argument_list":
            return True
        if parent.type == "assignment_expression":
            target = parent.child_by_field_name("left")
            op_node = parent.child_by_field_name("operator")
            return (target is not None and target.type == "subscript_expression") or \
                (op_node is not None and op_node.type in ("+=", "|=", "^="))
    return False


def _masked_value(unit, node) -> str | None:
    """'x' of 'x & MASK' (either side), spaces removed."""
    node = _bare(node)
    if _op(node) != "&":
        return None
    a, b = _bare(node.child_by_field_name("left")), _bare(node.child_by_field_name("right"))
    for value, mask in ((a, b), (b, a)):
        if _const(unit, mask, True) or (mask is not None and mask.type == "unary_expression"):
            return "".join(unit.text(value).split())
    return None


def _reshuffle(unit, node, value) -> bool:
    """``(x & 0xff) | ((x & 0x300) << 1)``: bits of one value moved around
    next to other bits of it, not a field read or written."""
    parent = node.parent
    while parent is not None and parent.type == "parenthesized_expression":
        node, parent = parent, parent.parent
    if _op(parent) != "|":
        return False
    mine = "".join(unit.text(value).split())
    for side in (parent.child_by_field_name("left"), parent.child_by_field_name("right")):
        if side is None or side == node:
            continue
        stack = [side]
        while stack:
            n = stack.pop()
            if _masked_value(unit, n) == mine:
                return True
            if _op(_bare(n)) == "|":
                stack.extend((_bare(n).child_by_field_name("left"), _bare(n).child_by_field_name("right")))
    return False


def _shape(unit, node):
    """('FIELD_GET'|'FIELD_PREP', value node) or None."""
    op = _op(node)
    left, right = _bare(node.child_by_field_name("left")), _bare(node.child_by_field_name("right"))
    if op == "&":
        for shift, mask in ((left, right), (right, left)):
            sop = _op(shift)
            if _is_one(unit, mask):
                continue  # a bit test: BIT() / test_bit(), not a field
            if sop in (">>", "<<") and _const(unit, mask, True) and _const(unit, shift.child_by_field_name("right"), False):
                value = shift.child_by_field_name("left")
                if not _const(unit, value, True):
                    return ("FIELD_GET" if sop == ">>" else "FIELD_PREP"), value
    elif op in (">>", "<<") and _op(left) == "&" and _const(unit, right, False):
        a, b = _bare(left.child_by_field_name("left")), _bare(left.child_by_field_name("right"))
        for value, mask in ((a, b), (b, a)):
            if _const(unit, mask, True) and not _const(unit, value, True) and not _is_one(unit, mask):
                return ("FIELD_GET" if op == ">>" else "FIELD_PREP"), value
    return None


def check(ctx: PatchContext) -> Iterator[Hit]:
    for unit, node in ctx.nodes("binary_expression"):
        if node.has_error:
            continue
        shape = _shape(unit, node)
        if shape is None or _in_shift(node) or _byte_split(unit, node) or _reshuffle(unit, node, shape[1]):
            continue
        line = unit.line(node)
        if line is None or not unit.is_added(line):
            continue
        helper, value = shape
        text = " ".join(unit.text(node).split())
        what = "read" if helper == "FIELD_GET" else "value"
        yield Hit(
            path=unit.path,
            line=line,
            end_line=unit.end_line(node),
            message=f"Use {helper}() with a GENMASK() field define for this field {what}: '{text}' "
            f"spells the field as a shift and a mask.",
        )
