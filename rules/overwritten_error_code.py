"""An error code replaced by a fixed errno, or overwritten before it is checked.

## What it does
Flags two added patterns on an `int` local that holds an error code:

- `ret = foo(...); if (ret) return -EIO;` (also `if (ret < 0)`,
  `if (ret != 0)`, a block whose last statement is the `return`, and a
  `ret` declared with its call): the error `foo()` returned is replaced by
  a fixed errno.  Only when `foo()` is known to return negative errnos: a
  kernel API of that kind (regmap, I2C/SMBus, SPI, GPIO, clocks, runtime
  PM, IRQ and device-property helpers, `kstrto*()`, ...) or a function whose
  definition in the patch, its series or the tree returns `-E...`.  A
  firmware or hardware status (a 64-bit or unsigned result) is rightly
  turned into an errno and is left alone, and so are `-ENODEV` and
  `-ENXIO` (a probe saying "not my device") and `-EPROBE_DEFER`, and the
  errno a function of the patch returns when it is the only one it
  returns (replacing it changes nothing).
- `ret = foo(...);` followed directly by `ret = bar(...);`: the first
  result is overwritten before anything reads it.

## Why is this bad?
The caller, and the user reading the log, get `-EIO` where the failing
call said `-ETIMEDOUT`, `-EPROBE_DEFER` or `-ENOMEM`; a deferred probe
becomes a hard failure.  Reviewers ask "please propagate the error"
constantly.  An overwritten result is an error that is silently ignored.

## Example
```c path=drivers/hwmon/foo.c
static int foo_read_temp(struct foo_data *data, long *val)
{
	unsigned int regval;
	int ret;

	ret = regmap_read(data->regmap, FOO_REG_TEMP, &regval);
	if (ret)
		return -EIO;

	*val = regval * 1000;
	return 0;
}
```

## Use instead
```c path=drivers/hwmon/foo.c
static int foo_read_temp(struct foo_data *data, long *val)
{
	unsigned int regval;
	int ret;

	ret = regmap_read(data->regmap, FOO_REG_TEMP, &regval);
	if (ret)
		return ret;

	*val = regval * 1000;
	return 0;
}
```

## References
- Review practice in hwmon ("Why do you return -EIO? Please do not
  overwrite error codes." -- on the NCT6694 RTC driver).
- Corpus (2298 patch mails): 10 findings without a tree, all true
  (of_property_read_*() errors turned into -EINVAL in altera_edac and
  macsmc_hwmon, WMI helper errors turned into -EIO in lenovo-legion-wmi);
  the same with `--tree` linux-source-6.12.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

from . import _cfacts as cf

RULE = Rule(
    code="RB306",
    name="overwritten-error-code",
    severity=Severity.WARNING,
    summary="an error code replaced by a fixed errno, or overwritten before it is checked",
)

# kernel APIs whose int result is 0 or a negative errno (or a value >= 0)
_ERRNO_API = re.compile(
    r"^(regmap_(read|write|update_bits|bulk_read|bulk_write|raw_read|raw_write|multi_reg_write|field_read|"
    r"field_write|set_bits|clear_bits|test_bits|noinc_read|write_bits|update_bits_base)|"
    r"i2c_smbus_(read|write)_\w+|i2c_master_(send|recv)|spi_(sync|write|read|write_then_read|w8r8|w8r16)\w*|"
    r"devm_\w+|device_property_read_\w+|fwnode_property_read_\w+|of_property_read_\w+|"
    r"clk_prepare_enable|clk_enable|clk_set_rate|regulator_(enable|disable|set_voltage)|"
    r"pm_runtime_resume_and_get|pm_runtime_get_sync|request_(threaded_)?irq|platform_get_irq\w*|"
    r"kstrto\w+|sysfs_create_\w+|device_create_file|gpiod_direction_\w+|gpiod_get_value\w*|"
    r"mutex_lock_interruptible|wait_for_completion_interruptible|kthread_park|"
    r"pci_enable_device\w*|pci_request_regions|pcim_enable_device|dma_set_mask\w*|"
    r"platform_device_add\w*|platform_driver_register|misc_register|device_register|"
    r"hwmon_device_register\w*|input_register_device|acpi_bus_register_driver|"
    r"wmi_(driver_register)|pinctrl_select_state|reset_control_\w+|iio_read_channel_\w+|"
    r"thermal_zone_get_temp|power_supply_get_property|nvmem_cell_read_\w+|"
    r"firmware_request_\w+|request_firmware\w*|mbox_send_message|copy_to_user|copy_from_user)$"
)
_FIXED = re.compile(r"^-\s*E[A-Z0-9_]+$")
# "not our device" in a probe, or deferral: replaced on purpose
_PROPAGATING_OK = frozenset({"-EPROBE_DEFER", "-ENODEV", "-ENXIO"})


def _statements(block):
    return [c for c in block.named_children if c.type != "comment"]


def _callee_errno(unit, name: str, ctx: PatchContext, cache: dict, errno: str) -> str | None:
    """Why ``name`` returns negative errnos other than ``errno``, or None
    when unknown (or when ``errno`` is the only one it returns: replacing
    it changes nothing)."""
    if name not in cache:
        cache[name] = _callee_errnos(unit, name, ctx)
    found = cache[name]
    if found is None:
        return None
    if isinstance(found, str):
        return found
    if {e for e, _w in found} == {errno.replace(" ", "")}:
        return None
    text, where = found[0]
    return f"{name}() returns {text} ({where})"


def _callee_errnos(unit, name: str, ctx: PatchContext):
    """A reason string for a known errno API, the fixed errnos a definition
    in the patch returns [(errno, where)], or None."""
    if _ERRNO_API.match(name) and name not in ("copy_to_user", "copy_from_user"):
        return f"{name}() returns a negative errno"
    for u, fn in ctx.nodes("function_definition"):
        if cf.function_name(u, fn) != name:
            continue
        rt = cf.return_type(u, fn)
        if rt not in ("int", "static int"):
            continue
        out = []
        for ret in cf.descendants(fn, frozenset({"return_statement"})):
            expr = next((c for c in ret.named_children if c.type != "comment"), None)
            text = " ".join(u.text(expr).split()) if expr is not None else ""
            if _FIXED.match(text):
                where = f"line {u.line(ret)}" if u.path == unit.path else f"{u.path}:{u.line(ret)}"
                out.append((text.replace(" ", ""), where))
        if out:
            return out
    return None


def _return_fixed(unit, stmt) -> tuple[str, object] | None:
    """The fixed ``-EXXX`` the statement (or block) ends in, and its return node."""
    if stmt is None:
        return None
    if stmt.type == "compound_statement":
        body = _statements(stmt)
        if not body or any(s.type in ("goto_statement", "if_statement") for s in body):
            return None
        stmt = body[-1]
    if stmt.type != "return_statement":
        return None
    expr = next((c for c in stmt.named_children if c.type != "comment"), None)
    if expr is None:
        return None
    text = " ".join(unit.text(cf.strip(expr)).split())
    if not _FIXED.match(text.replace(" ", "")):
        return None
    return text, stmt


def _tests_error(unit, cond, name: str) -> bool:
    """``if (ret)``, ``if (ret < 0)``, ``if (ret != 0)``, ``if (unlikely(ret))``."""
    c = cf.strip(cond)
    if c is not None and c.type == "call_expression" and cf.call_name(unit, c) in ("unlikely", "WARN_ON", "WARN_ON_ONCE"):
        args = c.child_by_field_name("arguments")
        real = [a for a in args.named_children if a.type != "comment"] if args is not None else []
        if len(real) != 1:
            return False
        c = cf.strip(real[0])
    if c is None:
        return False
    text = " ".join(unit.text(c).split())
    return text in (name, f"{name} < 0", f"{name} != 0", f"0 > {name}", f"0 != {name}")


def check(ctx: PatchContext) -> Iterator[Hit]:
    cache: dict[str, str | None] = {}
    for unit, block in ctx.nodes("compound_statement"):
        stmts = _statements(block)
        for i, stmt in enumerate(stmts[:-1]):
            name, call = _assigned_call(unit, stmt)
            if name is None:
                continue
            fn = cf.function_of(block)
            if fn is None:
                continue
            typ = cf.local_types(unit, fn, ctx.memo).get(name)
            if typ != "int":
                continue
            nxt = stmts[i + 1]
            if not (unit.touches_added(stmt) or unit.touches_added(nxt)):
                continue
            if nxt.type == "if_statement":
                yield from _replaced(unit, ctx, stmt, nxt, name, call, cache)
            elif nxt.type == "expression_statement":
                yield from _overwritten(unit, stmt, nxt, name, call)


def _assigned_call(unit, stmt):
    """(variable, callee) of ``var = call(...);`` or ``int var = call(...);``."""
    if stmt.type == "expression_statement":
        e = next((c for c in stmt.named_children if c.type != "comment"), None)
        if e is None or e.type != "assignment_expression":
            return None, None
        op = e.child_by_field_name("operator")
        left = e.child_by_field_name("left")
        if (op is not None and unit.text(op) != "=") or left is None or left.type != "identifier":
            return None, None
        call = cf.call_name(unit, e.child_by_field_name("right"))
        return (unit.text(left), call) if call else (None, None)
    if stmt.type == "declaration":
        decls = stmt.children_by_field_name("declarator")
        if len(decls) != 1 or decls[0].type != "init_declarator":
            return None, None
        d = decls[0].child_by_field_name("declarator")
        call = cf.call_name(unit, decls[0].child_by_field_name("value"))
        if d is None or d.type != "identifier" or not call:
            return None, None
        return unit.text(d), call
    return None, None


def _replaced(unit, ctx, stmt, ifs, name, call, cache) -> Iterator[Hit]:
    if ifs.child_by_field_name("alternative") is not None:
        return
    if not _tests_error(unit, ifs.child_by_field_name("condition"), name):
        return
    got = _return_fixed(unit, ifs.child_by_field_name("consequence"))
    if got is None:
        return
    errno, ret = got
    if errno.replace(" ", "") in _PROPAGATING_OK or not unit.is_added(unit.line(ret)) and not unit.touches_added(stmt):
        return
    why = _callee_errno(unit, call, ctx, cache, errno)
    if why is None:
        return
    yield Hit(
        unit.path, unit.line(ret),
        f"`return {errno};` replaces the error code in {name}: {why}; propagate it with `return {name};`",
        end_line=unit.end_line(ret),
    )


def _overwritten(unit, stmt, nxt, name, call) -> Iterator[Hit]:
    e = next((c for c in nxt.named_children if c.type != "comment"), None)
    if e is None or e.type != "assignment_expression":
        return
    left = e.child_by_field_name("left")
    op = e.child_by_field_name("operator")
    if left is None or unit.text(left) != name or (op is not None and unit.text(op) != "="):
        return
    right = e.child_by_field_name("right")
    if right is None or re.search(rf"\b{re.escape(name)}\b", unit.text(right)):
        return  # ret = ret ?: bar(); reads the first result
    second = cf.call_name(unit, right)
    if second is None:
        return
    yield Hit(
        unit.path, unit.line(nxt),
        f"{name} is overwritten by {second}() before the result of {call}() (line {unit.line(stmt)}) is checked: "
        f"that error is lost; check {name} first",
        end_line=unit.end_line(nxt),
    )
