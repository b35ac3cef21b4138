"""A raw status compared with a code that the code base compares under a mask.

## What it does
Learns status families from the code itself: wherever a value is compared
with a constant under a named mask, `(err & TDX_SEAMCALL_STATUS_MASK) ==
TDX_OPERAND_BUSY`, or through a helper that masks,
`hv_result(status) == HV_STATUS_INVALID_PARAMETER` (a helper is a function
or macro whose body returns its argument `& MASK`), the constant belongs to
a family that is only meaningful under that mask.  The family is the
constants compared so, plus the constants that share their name prefix
(two words at least, or one word and the header that defines them).

It then flags an added `x == CODE`, `x != CODE` or `case CODE:` of a
`switch (x)` where `CODE` is a nonzero code of such a family, its value
fits the mask, and `x` is a raw status: the result of a call declared to
return a 64-bit value, a 64-bit variable last assigned from such a call
(or from a call when the variable is 64-bit), or a value that the same
function masks elsewhere.  `x` is not raw when it was masked or went
through the helper.

The conventions come from the patch (added, context and removed lines),
the other patches of its series, and with `--tree`, the headers of
`include/` and `arch/ARCH/include/` and the files beside the touched ones.
The message names the mask or helper and where it was seen.

## Why is this bad?
Status words carry more than the status: TDX SEAMCALL results hold the
status class in the upper 32 bits and operand details in the lower 32, a
Hyper-V hypercall result holds the status in bits 15:0 and the count of
completed repetitions above.  A raw compare is true only when all the
other bits happen to be zero, so the branch is silently skipped on the
error it was written for.  The compiler cannot know; reviewers ask for the
mask again and again.

## Example
```c path=arch/x86/virt/vmx/tdx/tdx.c
#define TDX_SEAMCALL_STATUS_MASK	0xFFFFFFFF00000000ULL
#define TDX_OPERAND_BUSY		0x8000020000000000ULL
#define TDX_OPERAND_INVALID		0xC000010000000000ULL

u64 seamcall(u64 fn, struct tdx_module_args *args);

static int tdx_reclaim(struct tdx_module_args *args)
{
	u64 err = seamcall(TDH_PHYMEM_PAGE_RECLAIM, args);

	if ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_OPERAND_BUSY)
		return -EBUSY;
	if (err == TDX_OPERAND_INVALID)
		return -EINVAL;
	return err ? -EIO : 0;
}
```

## Use instead
```c path=arch/x86/virt/vmx/tdx/tdx.c
#define TDX_SEAMCALL_STATUS_MASK	0xFFFFFFFF00000000ULL
#define TDX_OPERAND_BUSY		0x8000020000000000ULL
#define TDX_OPERAND_INVALID		0xC000010000000000ULL

u64 seamcall(u64 fn, struct tdx_module_args *args);

static int tdx_reclaim(struct tdx_module_args *args)
{
	u64 err = seamcall(TDH_PHYMEM_PAGE_RECLAIM, args);

	if ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_OPERAND_BUSY)
		return -EBUSY;
	if ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_OPERAND_INVALID)
		return -EINVAL;
	return err ? -EIO : 0;
}
```

## References
- Dave Hansen's review of "[PATCH v8 16/21] x86/virt/tdx: Reject updates
  during concurrent TD build": TDX status codes are compared under
  `TDX_SEAMCALL_STATUS_MASK`.
- include/asm-generic/mshyperv.h: `hv_result()`, `hv_result_success()`.
- Corpus (linux-hwmon, platform-driver-x86, linux-edac, linux-hyperv:
  2298 patch mails): without a tree 0 findings (a patch rarely shows the
  family's mask or helper); with `--tree` linux-source-6.12, 4 findings,
  4 true (`status == HV_STATUS_TIME_OUT` on raw hv_do_*hypercall*()
  results in the SEV-SNP RFC; the merged version uses
  `hv_result_success()`).  The other raw compares of HV_STATUS_ codes in
  the corpus were rightly quiet: values already masked, or truncated to
  `int` (RB305's findings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from reviewbot.macros import MacroContext, Seen
from reviewbot.rule import Hit, PatchContext, Rule, Severity

from . import _cfacts as cf

RULE = Rule(
    code="RB203",
    name="unmasked-status-compare",
    severity=Severity.WARNING,
    summary="raw status compared with a code its family compares under a mask or helper",
)


def _words(name: str) -> tuple[str, ...]:
    return tuple(w for w in name.split("_") if w)


def _lcp(names) -> tuple[str, ...]:
    names = [_words(n) for n in names]
    if not names:
        return ()
    first = names[0]
    k = len(first)
    for w in names[1:]:
        j = 0
        while j < min(k, len(w)) and first[j] == w[j]:
            j += 1
        k = j
    return first[:k]


@dataclass
class Family:
    via: str  # mask name, or "helper()"
    mask_name: str  # the mask (the helper's mask for a helper)
    mask: int
    members: dict[str, list[Seen]]
    prefix: tuple[str, ...]
    homes: set[str]  # files that define members
    helper: bool
    compared: set[str] = field(default_factory=set)  # every constant compared so, fitting or not

    def seen(self) -> list[Seen]:
        out = [s for ss in self.members.values() for s in ss]
        order = {"patch": 0, "series": 1, "tree": 2}
        return sorted(out, key=lambda s: (order.get(s.origin, 3), s.path, s.line or 0))


class _Learned:
    def __init__(self, ctx: PatchContext, words: set[str] | None = None) -> None:
        """``words``: learn only the families of constants whose first
        word is one of these (None: all)."""
        self.ctx = ctx
        self.words = words
        self.macros = ctx.macros if ctx.macros is not None else MacroContext(ctx.patch, memo=ctx.memo)
        self.scopes: dict[str, object] = {}
        self.helpers = self.macros.mask_helpers()
        self.families: list[Family] = []
        self.misfits: list[Family] = []
        self._home: dict[str, str | None] = {}
        self._learn()

    def scope(self, path):
        s = self.scopes.get(path)
        if s is None:
            s = self.scopes[path] = self.ctx.scope(path)
        return s

    def home(self, name: str) -> str | None:
        """The file that defines ``name``."""
        if name not in self._home:
            where = None
            for d in self.ctx.defines:
                if d.name == name and d.kind != "-":
                    where = d.path
            if where is None:
                d = self.macros.define(name)
                where = d.path if d is not None else None
            self._home[name] = where
        return self._home[name]

    def value(self, name: str, path: str | None = None):
        v = self.scope(path).evaluate(name)
        return v.unsigned if v is not None else None

    def _learn(self) -> None:
        by_via: dict[str, dict[str, list[Seen]]] = {}
        for s in self.macros.compares():
            by_via.setdefault(s.via, {}).setdefault(s.const, []).append(s)
        for via, members in by_via.items():
            if self.words is not None and not any(_words(c)[:1] and _words(c)[0] in self.words for c in members):
                continue
            helper = via.endswith("()")
            mask_name = self.helpers.get(via[:-2], (None,))[0] if helper else via
            if mask_name is None:
                continue
            mask = self.value(mask_name)
            if mask is None or mask == 0 or mask == (1 << 64) - 1 or mask == (1 << 32) - 1 and not helper:
                continue
            # members: codes that fit the mask and are not the mask itself
            good = {}
            for const, seen in members.items():
                v = self.value(const)
                if v is None or v & ~mask:
                    continue
                good[const] = seen
            if not good:
                # codes compared under the mask that do not fit it (RB202's
                # findings) still tell which family the mask belongs to
                self.misfits.append(Family(via, mask_name, mask, members, (), set(), helper))
                continue
            names = list(good)
            prefix = _lcp(names) if len(names) > 1 else _words(names[0])[:-1]
            homes = {h for h in (self.home(n) for n in names) if h}
            self.families.append(Family(via, mask_name, mask, good, prefix, homes, helper, set(members)))

    def family_of(self, name: str, value: int, path: str) -> Family | None:
        words = _words(name)
        for fam in self.families:
            if value & ~fam.mask:
                continue
            if name == fam.mask_name:
                continue
            if name in fam.members:
                return fam
            if not fam.prefix or words[: len(fam.prefix)] != fam.prefix:
                continue
            if len(fam.prefix) >= 2:
                return fam
            home = self.home(name)
            if home is not None and home in fam.homes:
                return fam
        return None


def _masked_or_helped(unit, node, learned: _Learned) -> bool:
    """``x & SOMETHING`` or ``helper(x)`` (through parentheses and casts)."""
    node = cf.strip(node)
    while node is not None and node.type == "cast_expression":
        node = cf.strip(node.child_by_field_name("value"))
    if node is None:
        return True
    if cf.binary_op(node) in ("&", ">>", "|", "^"):
        return True
    name = cf.call_name(unit, node)
    return name is not None and name in learned.helpers


def _raw(unit, x, fn, learned: _Learned) -> str | None:
    """Why ``x`` holds a raw status, or None when it may be masked already."""
    x = cf.strip(x)
    if x is None or _masked_or_helped(unit, x, learned):
        return None
    text = " ".join(unit.text(x).split())
    if fn is not None and _masked_elsewhere(unit, fn, text, learned):
        return f"`{text}` is masked elsewhere in this function"
    if x.type == "call_expression":
        name = cf.call_name(unit, x)
        rt = learned.macros.return_type(name) if name else None
        if cf.type_bits(rt) == 64:
            return f"{name}() returns {rt}"
        return None
    if x.type != "identifier" or fn is None:
        return None
    typ = cf.local_types(unit, fn, learned.ctx.memo).get(text)
    bits = cf.type_bits(typ)
    if bits != 64:
        return None
    before = [(pos, rhs) for pos, rhs in cf.assignments(unit, fn, text) if pos < x.start_byte]
    if not before:
        return None
    _pos, rhs = before[-1]
    rhs = cf.strip(rhs)
    name = cf.call_name(unit, rhs) if rhs is not None else None
    if name is None or name in learned.helpers:
        return None
    return f"{text} ({typ}) holds the result of {name}()"


def _masked_elsewhere(unit, fn, text: str, learned: _Learned) -> bool:
    body = fn.child_by_field_name("body")
    if body is None:
        return False
    for node in cf.descendants(body, frozenset({"binary_expression", "call_expression"})):
        if node.type == "binary_expression" and cf.binary_op(node) == "&":
            for side in ("left", "right"):
                a, b = node.child_by_field_name(side), node.child_by_field_name("right" if side == "left" else "left")
                if a is not None and b is not None and " ".join(unit.text(cf.strip(a)).split()) == text:
                    fam_masks = {f.mask_name for f in learned.families}
                    if unit.text(cf.strip(b)) in fam_masks:
                        return True
        elif node.type == "call_expression":
            name = cf.call_name(unit, node)
            if name in learned.helpers:
                args = node.child_by_field_name("arguments")
                real = [a for a in args.named_children if a.type != "comment"] if args is not None else []
                if len(real) == 1 and " ".join(unit.text(cf.strip(real[0])).split()) == text:
                    return True
    return False


def _advice(fam: Family, x: str, op: str, code: str) -> str:
    if fam.helper:
        return f"`{fam.via[:-2]}({x}) {op} {code}`"
    return f"`({x} & {fam.mask_name}) {op} {code}`"


def _where(fam: Family) -> str:
    seen = fam.seen()
    first = seen[0]
    what = f"`{fam.via}` with {first.const}" if fam.helper else f"under {fam.mask_name} with {first.const}"
    more = f" and {len(seen) - 1} more place{'s' if len(seen) > 2 else ''}" if len(seen) > 1 else ""
    return f"{what} at {first.where}{more}"


def _message(unit, fam: Family, x, op: str, code: str, value: int, why: str) -> str:
    xt = " ".join(unit.text(cf.strip(x)).split())
    mask = f"{fam.mask_name} = {fam.mask:#x}"
    via = f"{fam.via} (which masks with {mask})" if fam.helper else mask
    return (
        f"`{xt} {op} {code}` compares the raw status: {code} = {value:#x} is a code of a family "
        f"compared through {via} ({_where(fam)}), and {why}; "
        f"other bits of the status make it unequal: use {_advice(fam, xt, op, code)}"
    )


def _const_side(unit, node):
    left, right = cf.strip(node.child_by_field_name("left")), cf.strip(node.child_by_field_name("right"))
    for c, x in ((right, left), (left, right)):
        if c is not None and c.type == "identifier" and cf.CONSTANT.match(unit.text(c)):
            if x is not None and not (x.type == "identifier" and cf.CONSTANT.match(unit.text(x))):
                return unit.text(c), x
    return None, None


def _candidates(ctx: PatchContext):
    """(unit, node, x, op, code, line) of each added raw compare with a constant."""
    for unit, node in ctx.nodes("binary_expression", "switch_statement"):
        if node.type == "binary_expression":
            if cf.binary_op(node) not in ("==", "!=") or not unit.touches_added(node):
                continue
            code, x = _const_side(unit, node)
            if code is not None:
                yield unit, node, x, cf.binary_op(node), code, unit.line(node)
            continue
        cond = node.child_by_field_name("condition")
        body = node.child_by_field_name("body")
        if cond is None or body is None:
            continue
        for case in body.named_children:
            if case.type != "case_statement" or not unit.is_added(unit.line(case)):
                continue
            value = case.child_by_field_name("value")
            if value is not None and value.type == "identifier" and cf.CONSTANT.match(unit.text(value)):
                yield unit, case, cond, "==", unit.text(value), unit.line(case)


def check(ctx: PatchContext) -> Iterator[Hit]:
    cands = list(_candidates(ctx))
    if not cands:
        return
    learned = _Learned(ctx, {_words(c[4])[0] for c in cands if _words(c[4])})
    if not learned.families:
        return
    for unit, node, x, op, code, line in cands:
        yield from _judge(unit, node, x, op, code, learned, line)


def _judge(unit, node, x, op: str, code: str, learned: _Learned, line) -> Iterator[Hit]:
    value = learned.value(code, unit.path)
    if not value:
        return  # unknown, or a zero success code
    fam = learned.family_of(code, value, unit.path)
    if fam is None:
        return
    fn = cf.function_of(node)
    why = _raw(unit, x, fn, learned)
    if why is None:
        return
    yield Hit(unit.path, line, _message(unit, fam, x, op, code, value, why), end_line=unit.end_line(node) if node.type == "binary_expression" else line)
