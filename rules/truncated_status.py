"""A 64-bit status squeezed into an `int` or a `u32`.

## What it does
Flags added code that loses the upper half of a 64-bit status:

- `return err;` in a function declared to return a 32-bit type (`int`,
  `u32`, ...) where `err` is a 64-bit local holding a status;
- `ret = seamcall(...)` or `int ret = hv_do_hypercall(...)`: the result of
  a function declared to return a 64-bit type, stored into a 32-bit local,
  when it is a status;
- a 32-bit local compared with a code that does not fit in 32 bits
  (`ret == TDX_OPERAND_BUSY`): always false after the truncation.

A value is a status when the function masks it (`err & MASK`, a mask
helper such as `hv_result()`), compares it with a code wider than 32 bits,
or when its name says so (`err`, `status`, `ret`, `rc`, ...) and it comes
from a call named like a firmware interface (`seamcall`, `hypercall`,
`tdcall`, `*_status`).  Return types come from the patch, its series and,
with `--tree`, the headers.  The message says which bits are lost.

## Why is this bad?
TDX keeps the status class in bits 63:32 of a SEAMCALL result: truncated
to an `int`, `TDX_OPERAND_BUSY` (0x8000020000000000) becomes 0, which every
caller reads as success.  Hyper-V keeps the count of completed repetitions
above bit 32.  The compiler converts silently (`-Wconversion` is not
enabled for the kernel).

## Example
```c path=arch/x86/virt/vmx/tdx/tdx.c
u64 seamcall(u64 fn, struct tdx_module_args *args);

static int tdx_lp_init(void)
{
	struct tdx_module_args args = {};
	int ret;

	ret = seamcall(TDH_SYS_LP_INIT, &args);
	return ret;
}
```

## Use instead
```c path=arch/x86/virt/vmx/tdx/tdx.c
u64 seamcall(u64 fn, struct tdx_module_args *args);

static int tdx_lp_init(void)
{
	struct tdx_module_args args = {};
	u64 err;

	err = seamcall(TDH_SYS_LP_INIT, &args);
	return err ? -EIO : 0;
}
```

## References
- arch/x86/include/asm/tdx.h: TDX status codes are 64-bit (`...ULL`).
- include/asm-generic/hyperv-tlfs.h: hypercall result layout (status in
  15:0, repetitions completed in 43:32).
- Corpus (2298 patch mails): without a tree 6 findings, with `--tree`
  linux-source-6.12 10, all true: `int`/`u16 status =
  hv_do_hypercall(...)` in the Hyper-V root-partition and mshv RFC
  series (upstream declares them `u64` and uses `hv_result()`), and a
  `u64` hypercall status returned from an `int` function.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Iterator

from reviewbot.macros import MacroContext
from reviewbot.rule import Hit, PatchContext, Rule, Severity

from . import _cfacts as cf

RULE = Rule(
    code="RB305",
    name="truncated-status",
    severity=Severity.WARNING,
    summary="a 64-bit status returned as or stored into a 32-bit type: its upper bits are lost",
)

_STATUS_VAR = re.compile(r"^(err|error|status|stat|ret|rc|res|result|hv_status|hvstatus|fw_status|sts|hret|r)$|"
                         r"(_status|_err|_ret|_rc)$", re.I)
_STATUS_CALL = re.compile(r"seamcall|hypercall|hvcall|tdcall|tdvmcall|_status$|smccc|firmware_call|fw_call", re.I)


def _status_use(unit, fn, name: str, helpers, scope) -> str | None:
    """How ``fn`` treats ``name`` as a status (mask, helper, wide code), or None."""
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    for node in cf.descendants(body, frozenset({"binary_expression", "call_expression"})):
        if node.type == "call_expression":
            cname = cf.call_name(unit, node)
            if cname in helpers:
                args = node.child_by_field_name("arguments")
                real = [a for a in args.named_children if a.type != "comment"] if args is not None else []
                if len(real) == 1 and unit.text(cf.strip(real[0])) == name:
                    return f"passed to {cname}()"
            continue
        op = cf.binary_op(node)
        if op not in ("&", "==", "!="):
            continue
        left, right = cf.strip(node.child_by_field_name("left")), cf.strip(node.child_by_field_name("right"))
        for a, b in ((left, right), (right, left)):
            if a is None or b is None or unit.text(a) != name:
                continue
            if b.type != "identifier" or not cf.CONSTANT.match(unit.text(b)):
                continue
            v = scope.evaluate(unit.text(b))
            if v is None:
                continue
            if v.unsigned >> 32:
                return f"{'masked with' if op == '&' else 'compared with'} {unit.text(b)} = {v.unsigned:#x}"
    return None


def _a(word: str) -> str:
    return "an" if word[:1] in "aeiouAEIOU" else "a"


class _Facts:
    def __init__(self, ctx: PatchContext) -> None:
        self.ctx = ctx
        self.macros = ctx.macros if ctx.macros is not None else MacroContext(ctx.patch)
        self._scopes: dict[str, object] = {}

    @cached_property
    def helpers(self) -> dict[str, tuple[str, str]]:
        # scans the series (and the tree): only once a candidate gets this far
        return self.macros.mask_helpers()

    def scope(self, path):
        s = self._scopes.get(path)
        if s is None:
            s = self._scopes[path] = self.ctx.scope(path)
        return s

    def returns64(self, name: str | None) -> str | None:
        if not name:
            return None
        rt = self.macros.return_type(name)
        return rt if cf.type_bits(rt) == 64 else None


def check(ctx: PatchContext) -> Iterator[Hit]:
    # each kind of node is first tested on its own (cheap), then in its function
    facts = _Facts(ctx)
    for unit, node in ctx.nodes("return_statement", "assignment_expression", "init_declarator", "binary_expression"):
        if not unit.is_added(unit.line(node)):
            continue
        if node.type == "return_statement":
            yield from _returned(unit, node, facts)
        elif node.type == "binary_expression":
            yield from _compared(unit, node, facts)
        else:
            yield from _stored(unit, node, facts)


def _returned(unit, node, facts: _Facts) -> Iterator[Hit]:
    expr = next((c for c in node.named_children if c.type != "comment"), None)
    expr = cf.strip(expr)
    if expr is None or expr.type != "identifier":
        return
    fn = cf.function_of(node)
    if fn is None:
        return
    rt = cf.return_type(unit, fn)
    rbits = cf.type_bits(rt)
    if rbits is None or rbits > 32 or rt in ("bool", "_Bool"):
        return
    name = unit.text(expr)
    typ = cf.local_types(unit, fn, facts.ctx.memo).get(name)
    if cf.type_bits(typ) != 64:
        return
    before = [(p, v) for p, v in cf.assignments(unit, fn, name) if p < node.start_byte]
    if not before:
        return
    _p, rhs = before[-1]
    call = cf.call_name(unit, rhs) if rhs is not None else None
    if call is None or call in facts.helpers:
        return
    why = _status_use(unit, fn, name, facts.helpers, facts.scope(unit.path))
    if why is None and not (_STATUS_VAR.search(name) and _STATUS_CALL.search(call)):
        return
    why = why or f"the result of {call}()"
    fname = cf.function_name(unit, fn) or "this function"
    yield Hit(
        unit.path, unit.line(node),
        f"`return {name};` truncates a 64-bit status to {rt}: {name} is {typ} ({why}) and "
        f"{fname}() returns {rt}, so bits 63:32 are lost (a status with only high bits set "
        f"reads as 0, success); return an errno or keep the type {typ}",
        end_line=unit.end_line(node),
    )


def _narrow(typ: str | None) -> int | None:
    """The bits of ``typ`` when it is an integer of 32 bits or less (not bool)."""
    bits = cf.type_bits(typ)
    return bits if bits is not None and bits <= 32 and typ not in ("bool", "_Bool") else None


def _stored(unit, node, facts: _Facts) -> Iterator[Hit]:
    if node.type == "assignment_expression":
        op = node.child_by_field_name("operator")
        if op is not None and unit.text(op) != "=":
            return
        left, rhs = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or left.type != "identifier":
            return
        fn = cf.function_of(node)
        if fn is None:
            return
        typ = cf.local_types(unit, fn, facts.ctx.memo).get(unit.text(left))
    else:
        left = node.child_by_field_name("declarator")
        rhs = node.child_by_field_name("value")
        if left is None or left.type != "identifier":
            return
        decl = node.parent
        t = decl.child_by_field_name("type") if decl is not None else None
        typ = " ".join(unit.text(t).split()) if t is not None else None
        fn = None  # looked up below, once the call qualifies
    bits = _narrow(typ)
    if bits is None:
        return
    rhs = cf.strip(rhs)
    call = cf.call_name(unit, rhs) if rhs is not None else None
    rt = facts.returns64(call)
    if rt is None or call in facts.helpers:
        return
    if fn is None:
        fn = cf.function_of(node)
        if fn is None:
            return
    name = unit.text(left)
    why = _status_use(unit, fn, name, facts.helpers, facts.scope(unit.path))
    if why is None and not _STATUS_CALL.search(call):
        return
    detail = f"; {name} is {why}" if why else ""
    yield Hit(
        unit.path, unit.line(node),
        f"{call}() returns {rt} but its status is stored into {name}, {_a(typ)} {typ}: bits 63:{bits} are lost{detail}; "
        f"declare {name} as {rt}",
        end_line=unit.end_line(node),
    )


def _compared(unit, node, facts: _Facts) -> Iterator[Hit]:
    if cf.binary_op(node) not in ("==", "!="):
        return
    left, right = cf.strip(node.child_by_field_name("left")), cf.strip(node.child_by_field_name("right"))
    for a, b in ((left, right), (right, left)):
        if a is None or b is None or a.type != "identifier" or b.type != "identifier":
            continue
        if not cf.CONSTANT.match(unit.text(b)) or cf.CONSTANT.match(unit.text(a)):
            continue
        fn = cf.function_of(node)
        if fn is None:
            return
        typ = cf.local_types(unit, fn, facts.ctx.memo).get(unit.text(a))
        bits = cf.type_bits(typ)
        if bits is None or bits > 32:
            continue
        v = facts.scope(unit.path).evaluate(unit.text(b))
        if v is None or not v.unsigned >> 32 or v.bits != 64 or v.signed and v.value < 0:
            continue
        always = "false" if cf.binary_op(node) == "==" else "true"
        yield Hit(
            unit.path, unit.line(node),
            f"`{' '.join(unit.text(node).split())}` is always {always}: {unit.text(a)} is {typ} "
            f"but {unit.text(b)} = {v.unsigned:#x} needs 64 bits; the status was truncated when it was stored",
            end_line=unit.end_line(node),
        )
        return
