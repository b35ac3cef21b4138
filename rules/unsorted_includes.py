"""An #include line added out of alphabetical order.

## What it does
Looks at each run of ``#include <...>`` lines of one kind (``<linux/...>``,
``<asm/...>``, ``<dt-bindings/...>``: same first directory, no blank line
between) and finds an added line that is out of alphabetical order with
its neighbours.  Punctuation sorts either way (``clk.h`` and
``clk-provider.h``, ``device.h`` and ``dev_printk.h``, ``module.h`` and
``mod_devicetable.h`` may come in either order); ``"local.h"`` headers
are left alone (they are often ordered by what they need), and so is user
space (``tools/``, ``samples/``, ``scripts/``).

It stays quiet when the run was not sorted before the patch (the context
lines alone are out of order): the file does not follow the convention.

## Why is this bad?
Sorted includes make a duplicate or a missing header visible at a glance,
and two patches that add headers to the same file do not conflict.  Many
maintainers keep their drivers sorted and ask every new file to be:
"Alphabetic include file order, please."

## Example
```c path=drivers/hwmon/foo.c
#include <linux/i2c.h>
#include <linux/module.h>
#include <linux/bitfield.h>
#include <linux/hwmon.h>

static int foo;
```

## Use instead
```c path=drivers/hwmon/foo.c
#include <linux/bitfield.h>
#include <linux/hwmon.h>
#include <linux/i2c.h>
#include <linux/module.h>

static int foo;
```

## References
- Corpus replies (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86)): 10 comments in 9 review mails ask to sort added
  ``#include`` lines, 7 on linux-hwmon (5 by Guenter Roeck) and 3 on
  platform-driver-x86: "Alphabetic include file order, please."
  <e0d1a13c-e475-2b9f-c951-92aeb1dce9c0@roeck-us.net>, "Alphabetic order,
  please." <b44120d8-67fe-4ba3-bc76-80a5a0970dad@roeck-us.net>,
  <337d718b-e240-5d02-6a86-488ab8a0f25a@roeck-us.net>, "Please sort header
  files alphabetically."
  <CABMQnVK5_gq2+ftMDdJuzdGY131==OEsxuF9hCqT=KmQw-fYoA@mail.gmail.com>;
  "if we want to maintain the sort, "platform_device" should come after
  "platform_data"." <ZLS6dchiyqFQlRwJ@google.com> (RB509 flags that line
  of cros_ec.c); Ilpo Jarvinen "Always use alphabetical order within each
  block of includes (such as those under linux/)."
  <ed106e77-ef3f-4789-d0be-6c16f6405004@linux.intel.com>.
- Corpus findings (``--select RB509``): 133 in 105 patch mails; 50 read
  at random: 50 added lines out of order by every usual collation; one
  finding of the 133 is a user-space test program outside ``tools/``.
  Before the punctuation-insensitive orders and ``<...>``-only runs there
  were 201, a third of them ``clk.h``/``clk-provider.h``,
  ``module.h``/``mod_devicetable.h`` pairs or local headers.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB509",
    name="unsorted-includes",
    severity=Severity.CHECK,
    summary="an added #include out of alphabetical order in its block",
)

_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def _kind(bracket: str, name: str) -> tuple[str, str]:
    return bracket, name.split("/", 1)[0] if "/" in name else ""


def _keys(name: str) -> tuple[str, str, str, str]:
    """Four orders people sort by: bytes; the name without '.h' (clk.h
    before clk-provider.h); letters and digits only, as sort(1) in most
    locales does (device.h before dev_printk.h); and '_', '-' and '/' after
    the letters (module.h before mod_devicetable.h, gpio_keys.h before
    gpio/machine.h)."""
    stem = name[:-2] if name.endswith(".h") else name
    return name, stem, re.sub(r"[^a-z0-9/]", "", stem.lower()), re.sub(r"[_/-]", "~", stem)


def in_order(a: str, b: str) -> bool:
    """Whether a may come before b in any of the usual orders."""
    return any(x <= y for x, y in zip(_keys(a), _keys(b)))


def _runs(unit) -> Iterator[list[tuple[int, str]]]:
    """Runs of consecutive #include lines of one kind: [(line, name)]."""
    run: list[tuple[int, str]] = []
    kind = None
    for lineno in unit.rows:
        if lineno is None:
            if run:
                yield run
            run, kind = [], None
            continue
        m = _INCLUDE.match(unit.line_text(lineno))
        if m is not None and m.group(1) != "<":
            m = None  # local headers: often in the order they depend on each other
        k = _kind(m.group(1), m.group(2)) if m else None
        if m is None or k != kind:
            if run:
                yield run
            run, kind = [], k
        if m is not None:
            run.append((lineno, m.group(2)))
    if run:
        yield run


_SKIP_DIRS = ("tools/", "scripts/", "samples/", "usr/")


def check(ctx: PatchContext) -> Iterator[Hit]:
    for unit in ctx.units:
        if unit.path.startswith(_SKIP_DIRS):
            continue  # user space: its own habits
        if b"include" not in unit.source:
            continue  # no #include line: most hunks
        for run in _runs(unit):
            if len(run) < 2 or not any(unit.is_added(n) for n, _ in run):
                continue
            old = [name for n, name in run if not unit.is_added(n)]
            if not all(in_order(a, b) for a, b in zip(old, old[1:])):
                continue  # not sorted before the patch
            for (n1, a), (n2, b) in zip(run, run[1:]):
                if in_order(a, b):
                    continue
                if unit.is_added(n2):
                    line, name, other, where = n2, b, a, "before"
                elif unit.is_added(n1):
                    line, name, other, where = n1, a, b, "after"
                else:
                    continue
                yield Hit(
                    path=unit.path,
                    line=line,
                    message=f"Keep the #include lines in alphabetical order: {name} goes {where} {other}.",
                )
                break
