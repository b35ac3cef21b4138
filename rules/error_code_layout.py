"""An error code that does not look like its siblings: missing `ULL`, or bits outside the family's mask.

## What it does
Looks at each added `#define CODE <literal>` that sits in a block of
codes of its family (`#define` lines with a shared name prefix, comments
and single blank lines between them) and flags:

- a literal wider than 32 bits without the `ULL` suffix that at least two
  siblings of the block use (`0x8000051200000000` among
  `0x8000020300000000ULL` codes), or with `UL`, which is 32 bits on 32-bit
  builds;
- a code with bits outside the mask its family is compared under, when
  every sibling of the block fits that mask: with TDX codes compared under
  `TDX_SEAMCALL_STATUS_MASK` (0xffffffff00000000), a new
  `0x8000051200000001ULL` can never match.  The family and its mask are
  learned as RB203 learns them (the patch, its series, `--tree`).

## Why is this bad?
A 64-bit code without `ULL` is an `unsigned long` on x86-64 but not in
a 32-bit or assembler context, and it breaks the pattern readers and
scripts rely on.  A code with detail bits set where the family keeps only
the status class never equals `(status & MASK)`, so the error path written
for it is dead; the compiler sees nothing wrong.

## Example
```c path=arch/x86/include/asm/tdx.h
/*
 * TDX module SEAMCALL leaf function error codes
 */
#define TDX_SUCCESS			0ULL
#define TDX_RND_NO_ENTROPY		0x8000020300000000ULL
#define TDX_OPERAND_BUSY		0x8000020000000000ULL
#define TDX_UPDATE_COMPAT_SENSITIVE	0x8000051200000000
```

## Use instead
```c path=arch/x86/include/asm/tdx.h
/*
 * TDX module SEAMCALL leaf function error codes
 */
#define TDX_SUCCESS			0ULL
#define TDX_RND_NO_ENTROPY		0x8000020300000000ULL
#define TDX_OPERAND_BUSY		0x8000020000000000ULL
#define TDX_UPDATE_COMPAT_SENSITIVE	0x8000051200000000ULL
```

## References
- Dave Hansen's review of the TDX v8 series: status codes are 64-bit
  values whose lower 32 bits carry operand details.
- Corpus (2298 patch mails, with and without `--tree` linux-source-6.12):
  0 findings -- no patch there adds such a code; the rule is checked on
  the TDX fixtures and the v8 16/21 variants.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.consteval import evaluate
from reviewbot.defines import parse_define
from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB304",
    name="error-code-layout",
    severity=Severity.WARNING,
    summary="a 64-bit error code without the ULL its siblings use, or with bits outside its family's mask",
)

_LITERAL = re.compile(r"^\(?\s*(0[xX][0-9a-fA-F]+|[0-9]+)([uUlL]*)\s*\)?$")


def _words(name: str) -> tuple[str, ...]:
    return tuple(w for w in name.split("_") if w)


def _blocks(lines):
    """Runs of object-like #define lines (comments and single blank lines inside)."""
    block: list = []
    blank = 0
    for ln in lines:
        s = ln.text.strip()
        if not s:
            blank += 1
            if blank > 1 and block:
                yield block
                block = []
            continue
        if s.startswith(("/*", "*", "//")):
            if blank and block and s.startswith(("/*", "//")):
                yield block  # a comment after a blank line starts a new section
                block = []
            blank = 0
            continue
        parsed = parse_define(ln.text) if s.startswith("#") and not ln.text.endswith("\\") else None
        if parsed is None or parsed[1] is not None:
            if block:
                yield block
            block, blank = [], 0
            continue
        blank = 0
        block.append((ln, parsed[0], parsed[2]))
    if block:
        yield block


def _by_first_word(block) -> dict[tuple[str, ...], list]:
    """The defines of a block by their first word (none or one), masks and
    shifts left out: the candidates for a name's family."""
    out: dict[tuple[str, ...], list] = {}
    for ln, n, v in block:
        o = _words(n)
        if "MASK" not in o and "SHIFT" not in o:
            out.setdefault(o[:1], []).append((ln, n, v))
    return out


def _siblings(by_first: dict[tuple[str, ...], list], name: str):
    """Defines of the block that share the first word of ``name`` and one more
    word than any other prefix would (the family)."""
    return [s for s in by_first.get(_words(name)[:1], ()) if s[1] != name]


def check(ctx: PatchContext) -> Iterator[Hit]:
    families = None
    for fc in ctx.patch.files:
        if fc.is_deleted or fc.is_binary or not fc.path.endswith((".h", ".c")):
            continue
        for hunk in fc.hunks:
            if not any(ln.kind == "+" and "define" in ln.text for ln in hunk.lines):
                continue  # adds no #define
            for block in _blocks(hunk.post_image()):
                by_first = None
                for ln, name, value in block:
                    if ln.kind != "+" or ln.new is None:
                        continue
                    m = _LITERAL.match(value)
                    if not m:
                        continue
                    if by_first is None:
                        by_first = _by_first_word(block)
                    sibs = _siblings(by_first, name)
                    if len(sibs) < 2:
                        continue  # both checks below compare with two siblings at least
                    hit = _suffix(fc.path, ln, name, value, m, sibs)
                    if hit is not None:
                        yield hit
                        continue
                    if families is None:
                        families = _families(ctx)
                    if not families.families and not families.misfits:
                        continue
                    hit = _layout(ctx, fc.path, ln, name, value, sibs, families)
                    if hit is not None:
                        yield hit


def _suffix(path, ln, name, value, m, sibs) -> Hit | None:
    v = evaluate(m.group(1))
    if v is None or v.unsigned < (1 << 32):
        return None
    suffix = m.group(2).upper()
    if suffix in ("ULL", "LLU"):
        return None
    with_ull = [n for _l, n, sv in sibs if re.search(r"[0-9a-fA-F](ULL|ull|LLU|llu)\b", sv)]
    if len(with_ull) < 2:
        return None
    shown = f"`{m.group(1)}{m.group(2)}`"
    why = "UL is 32 bits on 32-bit builds" if suffix == "UL" else "without a suffix its type depends on the target"
    return Hit(path, ln.new,
               f"{name} = {shown} needs 64 bits but has no ULL suffix ({why}); its siblings "
               f"{', '.join(with_ull[:3])}{' ...' if len(with_ull) > 3 else ''} use ULL: write `{m.group(1)}ULL`")


def _families(ctx: PatchContext):
    from . import unmasked_status_compare as rb203

    words = set()
    for fc in ctx.patch.files:
        for h in fc.hunks:
            for ln in h.added:
                parsed = parse_define(ln.text) if "define" in ln.text else None
                if parsed is not None and _words(parsed[0]):
                    words.add(_words(parsed[0])[0])
    return rb203._Learned(ctx, words)


def _layout(ctx, path, ln, name, value, sibs, learned) -> Hit | None:
    v = evaluate(value)
    if v is None or v.unsigned == 0:
        return None
    w = _words(name)
    for fam in (*learned.families, *learned.misfits):
        if fam.helper or name == fam.mask_name:
            continue
        bad = v.unsigned & ~fam.mask
        if not bad:
            continue
        if name in fam.compared or name in fam.members:
            prefix = w[:1]  # compared under the mask itself: its block siblings are the family
        elif fam.prefix and w[: len(fam.prefix)] == fam.prefix:
            prefix = fam.prefix
        elif path in fam.homes and fam.prefix[:1] == w[:1]:
            prefix = w[:1]  # defined beside codes of the family
        else:
            continue
        values = []
        for _l, n, sv in sibs:
            if n == fam.mask_name or _words(n)[: len(prefix)] != prefix:
                continue
            s = evaluate(sv)
            if s is None:
                return None
            values.append((n, s.unsigned))
        fitting = [n for n, s in values if not s & ~fam.mask]
        if len(fitting) < 2 or not any(s for _n, s in values) or any(s & ~fam.mask for _n, s in values):
            continue
        seen = next((x for ss in fam.members.values() for x in ss if x.const == name), None) or fam.seen()[0]
        return Hit(
            path, ln.new,
            f"{name} = {v.unsigned:#x} has bits {bad:#x} outside {fam.mask_name} = {fam.mask:#x}, "
            f"the mask its family is compared under ({seen.where}); its siblings "
            f"{', '.join(fitting[:3])} fit it: `(x & {fam.mask_name}) == {name}` can never be true",
        )
    return None
