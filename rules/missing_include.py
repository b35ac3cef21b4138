"""A file uses a well-known kernel API without including its header.

## What it does
In a file whose ``#include`` lines reviewbot sees in full (a file the
patch creates, or any file with ``--tree``), finds an added line that uses
one of a fixed set of kernel APIs (``FIELD_GET()``, ``BIT()``,
``ARRAY_SIZE()``, ``struct mutex``, ``kzalloc()``, ``strscpy()``,
``IS_ERR()``, ``U32_MAX``, ``clamp()``, ``msleep()``, ``jiffies``,
``sysfs_emit()``, ``get_unaligned_le32()``, ``guard()``, ...) while the file
includes none of the headers that declare it.  One finding per missing
header, at the first added use.

A header counts when the file includes it directly or through a local
``"header.h"`` that the patch shows.  Umbrella headers that still
provide a symbol (``<linux/kernel.h>`` for ``ARRAY_SIZE()``, ``min()``,
``container_of()``...) count too.  Files outside the kernel proper
(``tools/``, ``scripts/``, ``uapi/`` headers) are left alone.

Off by default: "include what you use" is the habit of some
maintainers (platform-driver-x86 asks on nearly every new driver), not
of all (hwmon asks to drop includes rather than add them).  The
``platform-x86`` profile turns it on.

## Why is this bad?
The file compiles only because some other header happens to pull the
declaration in.  When that header is cleaned up (and the kernel's headers
are being untangled all the time), the build breaks somewhere far away.
"Include what you use": reviewers ask for the header of each API a new
file uses, one comment per missing ``#include``.

## Example
```c path=drivers/platform/x86/foo-wmi.c
#include <linux/module.h>
#include <linux/wmi.h>

#define FOO_LED_ID	GENMASK(7, 4)

static u8 foo_led_id(u32 input)
{
	return FIELD_GET(FOO_LED_ID, input);
}
```

## Use instead
```c path=drivers/platform/x86/foo-wmi.c
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/module.h>
#include <linux/wmi.h>

#define FOO_LED_ID	GENMASK(7, 4)

static u8 foo_led_id(u32 input)
{
	return FIELD_GET(FOO_LED_ID, input);
}
```

## References
- Corpus replies (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86)): the most frequent mechanical request under a
  quoted added line that checkpatch does not make: 24 comments in 16
  review mails ask for a missing ``#include`` ("Add #include
  <linux/bitfield.h>", "Missing #include.", "+ include.", "Include for
  ALIGN()"); 20 comments in 12 mails on platform-driver-x86, 4 in 4 on
  linux-hwmon; 22 by Ilpo Jarvinen, e.g.
  <7863fff5-4de5-4e7a-09b4-fe05ca7765d5@linux.intel.com> (FIELD_GET),
  <3b9b8a5e-2f51-2fe4-5af7-d617eadb8742@linux.intel.com> (BIT, ARRAY_SIZE,
  GENMASK), <6b649ebf-6f03-4050-18bb-788bbb3a664e@linux.intel.com>
  (struct mutex, strcmp, IS_ERR), <b557e1f6-2072-496f-8eaa-d2899d1bded4@linux.intel.com>
  (clamp_val), Andy Shevchenko <aBzAWrgEgmnAnum-@smile.fi.intel.com>,
  Jean Delvare <20210412142744.54c55d06@endymion> (jiffies, linux-hwmon).
- Corpus findings with the rule forced on every file (``--select
  RB506``): 472 in 181 patch mails (new files only, no ``--tree``); 50
  read at random: 50 files that use the API and include none of its
  headers (checked against the file's ``#include`` lines).  With the
  built-in profiles: 112, in platform-x86 files.  Hwmon's files would get
  213: hence off by default.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB506",
    name="missing-include",
    severity=Severity.CHECK,
    summary="a new file uses FIELD_GET(), BIT(), ARRAY_SIZE(), struct mutex... without including their header",
    default=False,
)

# header -> (other headers that provide the same, symbols).  A symbol
# ending in "(" is a function or macro call; "struct x" a type; else a word.
_KERNEL = "linux/kernel.h"
TABLE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "linux/bitfield.h": ((), ("FIELD_GET(", "FIELD_PREP(", "FIELD_MAX(", "FIELD_FIT(", "FIELD_MODIFY(")),
    "linux/bits.h": (("linux/bitops.h", "linux/bitfield.h", "linux/bitmap.h"),
                     ("BIT(", "BIT_ULL(", "GENMASK(", "GENMASK_ULL(", "BIT_MASK(")),
    "linux/array_size.h": ((_KERNEL,), ("ARRAY_SIZE(",)),
    "linux/mutex.h": ((), ("struct mutex", "mutex_lock(", "mutex_unlock(", "mutex_init(", "DEFINE_MUTEX(",
                           "devm_mutex_init(", "mutex_destroy(")),
    "linux/spinlock.h": ((), ("spinlock_t", "spin_lock(", "spin_unlock(", "spin_lock_irqsave(",
                              "spin_unlock_irqrestore(", "spin_lock_init(", "DEFINE_SPINLOCK(")),
    "linux/slab.h": ((), ("kzalloc(", "kmalloc(", "kfree(", "kcalloc(", "kmalloc_array(", "krealloc(",
                          "kvzalloc(", "kvfree(", "kvmalloc(")),
    "linux/string.h": ((), ("kmemdup(", "kstrdup(", "strscpy(", "strlen(", "strcmp(", "strncmp(", "memcpy(",
                            "memset(", "memcmp(", "strchr(", "strstr(", "sysfs_streq(", "strnlen(")),
    "linux/err.h": ((), ("IS_ERR(", "PTR_ERR(", "ERR_PTR(", "IS_ERR_OR_NULL(", "ERR_CAST(", "PTR_ERR_OR_ZERO(")),
    "linux/limits.h": ((_KERNEL,), ("U8_MAX", "U16_MAX", "U32_MAX", "U64_MAX", "S8_MAX", "S16_MAX", "S32_MAX",
                                    "S64_MAX", "S32_MIN", "S16_MIN")),
    "linux/minmax.h": ((_KERNEL,), ("min(", "max(", "min_t(", "max_t(", "clamp(", "clamp_val(", "clamp_t(",
                                    "umin(", "umax(", "min3(", "max3(")),
    "linux/align.h": ((_KERNEL,), ("ALIGN(", "ALIGN_DOWN(", "IS_ALIGNED(", "PTR_ALIGN(")),
    "linux/container_of.h": ((_KERNEL,), ("container_of(", "container_of_const(")),
    "linux/delay.h": ((), ("msleep(", "usleep_range(", "udelay(", "mdelay(", "fsleep(", "ndelay(",
                           "msleep_interruptible(")),
    "linux/jiffies.h": ((), ("jiffies", "msecs_to_jiffies(", "usecs_to_jiffies(", "jiffies_to_msecs(",
                             "time_after(", "time_before(", "time_is_before_jiffies(", "time_is_after_jiffies(")),
    "linux/math.h": ((_KERNEL,), ("DIV_ROUND_UP(", "DIV_ROUND_CLOSEST(", "DIV_ROUND_UP_ULL(", "roundup(",
                                  "rounddown(", "abs(")),
    "linux/sysfs.h": ((), ("sysfs_emit(", "sysfs_emit_at(")),
    "linux/kstrtox.h": ((_KERNEL,), ("kstrtoint(", "kstrtouint(", "kstrtou8(", "kstrtou16(", "kstrtou32(",
                                     "kstrtoul(", "kstrtol(", "kstrtoull(", "kstrtoll(", "kstrtobool(",
                                     "kstrtos32(", "kstrtou64(")),
    "linux/unaligned.h": (("asm/unaligned.h",), ("get_unaligned_le16(", "get_unaligned_le32(",
                                                 "get_unaligned_le64(", "get_unaligned_be16(",
                                                 "get_unaligned_be32(", "get_unaligned_be64(",
                                                 "put_unaligned_le16(", "put_unaligned_le32(",
                                                 "put_unaligned_be16(", "put_unaligned_be32(",
                                                 "get_unaligned(", "put_unaligned(")),
    "linux/cleanup.h": ((), ("guard(", "scoped_guard(", "__free(", "no_free_ptr(", "return_ptr(")),
}

_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
_DEFINE = re.compile(r"^\s*#\s*define\s+(\w+)", re.M)
_SKIP_DIRS = ("tools/", "scripts/", "samples/", "usr/", "Documentation/")


def _symbol_regex(sym: str) -> re.Pattern[str]:
    if sym.endswith("("):
        return re.compile(r"(?<![\w.>])" + re.escape(sym[:-1]) + r"\s*\(")
    return re.compile(r"(?<![\w.>])" + re.escape(sym) + r"\b")


# (header, symbol, its regex, its first word): a line can use the symbol
# only if that word is one of the line's identifiers (a cheap test first)
_SYMBOLS = tuple((header, sym, _symbol_regex(sym), sym.rstrip("(").split()[0])
                 for header, (_, syms) in TABLE.items() for sym in syms)
_WORD = re.compile(r"\w+")
_STRING = re.compile(r'"(\\.|[^"\\])*"')
_COMMENT = re.compile(r"/\*.*?\*/")


def _code(text: str) -> str:
    """A line without comments and string literals (roughly)."""
    text = _STRING.sub('""', text)
    text = _COMMENT.sub("", text)
    return text.split("//", 1)[0]


def _whole_files(ctx: PatchContext):
    """path -> (unit, text) for the files reviewbot sees whole."""
    out = {}
    for unit in ctx.units:
        if unit.hunk is None:
            out[unit.path] = (unit, unit.source.decode("utf-8", "replace"))
    return out


def _included(path: str, text: str, files: dict) -> set[str]:
    """Headers included directly, and through local headers the patch shows."""
    seen: set[str] = set()
    todo = [(path, text)]
    done = {path}
    while todo:
        p, t = todo.pop()
        for quote, name in _INCLUDE.findall(t):
            seen.add(name)
            if quote == '"':
                local = "/".join([*p.split("/")[:-1], name]) if "/" in p else name
                for cand in (local, name):
                    if cand in files and cand not in done:
                        done.add(cand)
                        todo.append((cand, files[cand][1]))
    return seen


def check(ctx: PatchContext) -> Iterator[Hit]:
    files = _whole_files(ctx)
    for path, (unit, text) in files.items():
        if path.startswith(_SKIP_DIRS) or "/uapi/" in path or path.startswith("uapi/"):
            continue
        if not path.endswith((".c", ".h")):
            continue
        included = _included(path, text, files)
        defined = set(_DEFINE.findall(text))
        # the symbols this file could miss: not defined by the file, and
        # none of the headers that provide them included
        wanted = [
            (header, sym, rx, word)
            for header, sym, rx, word in _SYMBOLS
            if sym.rstrip("(").split()[-1] not in defined
            and header not in included
            and not any(h in included for h in TABLE[header][0])
        ]
        if not wanted:
            continue
        by_word: dict[str, list[int]] = {}  # first word -> indexes in wanted
        for i, (_, _, _, word) in enumerate(wanted):
            by_word.setdefault(word, []).append(i)
        missing: dict[str, list[tuple[int, str]]] = {}
        for lineno in sorted(unit.added):
            raw = unit.line_text(lineno)
            if raw.lstrip().startswith(("#include", "*", "/*", "//")):
                continue
            code = _code(raw)
            if not code.strip():
                continue
            maybe = sorted(i for w in set(_WORD.findall(code)) for i in by_word.get(w, ()))
            for i in maybe:  # in table order, as before
                header, sym, rx, _ = wanted[i]
                if rx.search(code):
                    missing.setdefault(header, []).append((lineno, sym))
        for header, uses in missing.items():
            line = uses[0][0]
            names = []
            for _, sym in uses:
                shown = sym + ")" if sym.endswith("(") else sym
                if shown not in names:
                    names.append(shown)
            them = "it" if len(names) == 1 else "them"
            yield Hit(
                path=path,
                line=line,
                message=f"Include <{header}> for {', '.join(names[:4])}{', ...' if len(names) > 4 else ''}: "
                f"the file uses {them} without including the header.",
            )
