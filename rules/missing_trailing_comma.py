"""The last entry of a multi-line initializer or enum without a trailing comma.

## What it does
Finds an initializer (``= { ... }``: struct, array, ops tables) or an
``enum`` written one entry per line, whose last entry the patch adds
without a comma after it, while the closing brace sits on a line of its
own.

Terminators are left alone: an empty or all-zero entry (``{ }``,
``{ "", 0 }``, ``[FOO_LAST] = { }``), ``NULL``, ``0``, and enumerators or
names that say count, limit or end (``FOO_MAX``, ``NR_FOO``,
``FooMaxCounter``, ``I2C_CLIENT_END``, ``MSI_EC_MODE_NULL``,
``{ KE_END }``, ``__FOO_LAST``...): nothing may come after them, and the
missing comma says so.  ``SET_SYSTEM_SLEEP_PM_OPS()`` and the other
``*_OPS()`` initializer macros bring their own commas.  Lists with
several entries on their last line are left alone too: they are not
written one entry per line.

## Why is this bad?
The next entry added to the list then has to touch this line as well, so
the diff shows a changed line that did not change, and two series that
both add an entry conflict.  "We recommend the use of a comma on the last
line because it makes reordering and addition of new lines easier, and
makes such future patches slightly easier to read as well"
(maintainer-tip); reviewers ask "Please add a comma to any non-terminator
entry."

## Example
```c path=drivers/platform/x86/foo.c
static struct platform_driver foo_driver = {
	.driver = {
		.name = "foo",
		.probe_type = PROBE_PREFER_ASYNCHRONOUS
	},
	.probe = foo_probe,
};
```

## Use instead
```c path=drivers/platform/x86/foo.c
static struct platform_driver foo_driver = {
	.driver = {
		.name = "foo",
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
	.probe = foo_probe,
};
```

## References
- Documentation/process/maintainer-tip.rst, "Struct declarations and
  initializers".
- Corpus replies (``/work/shared/corpus`` (2296 patch mails of linux-edac, linux-hwmon, linux-hyperv, platform-driver-x86)): 7 comments in 7 review mails, e.g. Ilpo Jarvinen
  "Please put a comma on any non-terminating entries so that a future
  diff won't have to add it on that (unrelated) line."
  <c98adc65-f756-1f4b-aaab-85f7633dd0cc@linux.intel.com>, "Please add a
  comma to any non-terminator entry."
  <b6ee6eb5-0db0-88fc-af53-598edfa56020@linux.intel.com> (RB510 flags
  that ``.of_match_table`` line), "Please use comma on any non-terminator
  entry so that adding to the list later will not mess up diffs."
  <74cc8672-8e21-41e6-1535-2c504d90bbe0@linux.intel.com> (linux-edac; RB510
  flags ``PCIE_HOTPLUG``), Andy Shevchenko "+ comma."
  <CAHp75VdnOJKwvZUOsj3bbT8tK9uZN=NufDrdhUvS886bNUpWhA@mail.gmail.com>.
- Corpus findings (``--select RB510``): 278 in 85 patch mails (many in
  long tables of one series); 50 read at random: 49 non-terminator last
  entries, 1 unsure (``HvSubnodeInvalid = -1`` after ``HvSubnodeCount``):
  98%.  Before the terminator and ``#ifdef`` rules there were 345.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB510",
    name="missing-trailing-comma",
    severity=Severity.CHECK,
    summary="the last entry of a multi-line initializer or enum without a trailing comma",
)

_TERMINATORS = frozenset({"NULL", "0", "{}", "{ }", "{0}", "{ 0 }", "{ NULL }", "{NULL}"})
# words that make an enumerator or a bare name a count, a limit or an end
_SENTINEL_WORDS = frozenset({"max", "count", "cnt", "num", "nr", "number", "last", "end", "limit", "total",
                             "null", "terminator", "sentinel"})


def _words(name: str) -> set[str]:
    """'VpStatsMaxCounter' -> {vp, stats, max, counter}; 'I2C_CLIENT_END' -> {i2c, client, end}."""
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name)
    return {p.lower() for p in parts}


def _is_sentinel_name(name: str) -> bool:
    return name.startswith("__") or bool(_words(name) & _SENTINEL_WORDS) or \
        any(w.startswith(("max", "count")) for w in _words(name))


def _last_entry(node):
    """The last entry of the list and the token after it (None at '}'),
    or (None, None) unless the list has one entry per line at its end."""
    entries = [c for c in node.named_children if c.type != "comment"]
    if not entries:
        return None, None
    last = entries[-1]
    if len(entries) > 1 and entries[-2].end_point[0] == last.start_point[0]:
        return None, None  # several entries on the last line: not one entry per line
    nxt = last.next_sibling
    while nxt is not None and nxt.type == "comment":
        nxt = nxt.next_sibling
    return last, nxt


def _empty(unit, node) -> bool:
    """{ }, { 0 }, { "", 0 }, { NULL, 0 }: an all-zero entry."""
    if node is None or node.type != "initializer_list":
        return False
    items = [c for c in node.named_children if c.type != "comment"]
    return all(" ".join(unit.text(c).split()) in ('""', "0", "NULL", "{ }", "{}") for c in items)


def _is_terminator(unit, node, entry) -> bool:
    if entry.type == "initializer_pair" and _empty(unit, entry.child_by_field_name("value")):
        return True  # [FOO_LAST] = { }
    if _empty(unit, entry):
        return True
    text = " ".join(unit.text(entry).split())
    if text in _TERMINATORS:
        return True
    inner = [c for c in entry.named_children if c.type != "comment"] if entry.type == "initializer_list" else None
    if inner == [] or (inner and len(inner) == 1 and inner[0].type == "identifier"
                       and _is_sentinel_name(unit.text(inner[0]))):
        return True  # { } or { KE_END }
    if entry.type == "call_expression":
        fn = entry.child_by_field_name("function")
        name = unit.text(fn) if fn is not None else ""
        if re.fullmatch(r"[A-Z0-9_]+", name) and "_OPS" in name:
            return True  # SET_SYSTEM_SLEEP_PM_OPS(): the macro brings its own commas
    if node.type == "enumerator_list":
        name = entry.child_by_field_name("name")
        return name is not None and _is_sentinel_name(unit.text(name))
    return entry.type == "identifier" and _is_sentinel_name(unit.text(entry))


def check(ctx: PatchContext) -> Iterator[Hit]:
    for unit, node in ctx.nodes("initializer_list", "enumerator_list"):
        if node.has_error:
            continue
        last, nxt = _last_entry(node)
        if last is None or (nxt is not None and nxt.type == ","):
            continue
        close = node.children[-1] if node.children else None
        if close is None or close.type != "}" or close.start_point[0] <= last.end_point[0]:
            continue  # the brace is on the last entry's line: a one-line list
        if last.start_point[0] <= node.start_point[0]:
            continue  # the entry shares the opening brace's line
        line, end = unit.line(last), unit.end_line(last)
        if line is None or end is None or not unit.is_added(end):
            continue
        if _is_terminator(unit, node, last) or last.type.startswith("preproc") or unit.text(last).startswith("#"):
            continue  # a terminator, or an #ifdef block: its entries are not the list's last line
        yield Hit(
            path=unit.path,
            line=end,
            message="Add a comma after this last entry: it is no terminator, and the next entry added "
            "should not have to change this line.",
        )
