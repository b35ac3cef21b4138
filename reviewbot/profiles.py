"""Maintainer profiles: which rules a file's maintainers ask for, and how hard.

Different subsystems want different things.  The tip tree (x86 and the
other areas of ``Documentation/process/maintainer-tip.rst``) asks for
reverse fir tree declarations and braces around multi-line bodies; netdev
asks for reverse xmas tree too; KVM x86 follows tip but only *prefers* the
declaration order.  A **profile** names such a set of requests:

- the rules it turns on beyond the defaults (``select``) or off (``ignore``),
- the severity it gives them (``severity``),
- options of rules (``options``: ``RB101.blank-line-after-block``),
- the files it covers: path patterns (``paths``, ``exclude``) and the
  ``P:`` documents of ``MAINTAINERS`` entries that name it (``docs``).

Every profile extends another (``default`` unless told otherwise); the
``default`` profile is the catalogue's defaults: every rule whose ``Rule``
says ``default=True``, at its own severity.

**Which profile reviews a file** (first match wins):

1. a profile whose ``paths`` come from a configuration file;
2. with a kernel tree, ``MAINTAINERS``: of the entries whose ``F:``/``N:``
   patterns match the file (and no ``X:`` excludes it), the most specific
   one whose ``P:`` document is the ``docs`` of a profile;
3. the built-in ``paths`` of a profile, unless the tree's ``MAINTAINERS``
   names its document (then ``MAINTAINERS`` alone says where it applies;
   the built-in paths are for trees that do not say);
4. ``default``.

Among patterns the most specific wins (more leading path components, then
the longer pattern).  Patterns are those of ``MAINTAINERS``: ``dir/``
covers everything below ``dir``; ``*`` and ``?`` do not cross a ``/``,
``**`` does; a pattern without wildcards names a file or a directory.

**Configuration** (``reviewbot.toml``, or ``[tool.reviewbot]`` in a
``pyproject.toml``), read from the current directory, then the kernel tree
(``--tree``), then ``--config FILE``; a later file wins::

    [profiles.hwmon]                      # a new profile
    summary = "hardware monitoring"
    paths = ["drivers/hwmon/", "include/linux/hwmon*.h"]
    select = ["RB509"]

    [profiles.tip]                        # change a built-in one
    severity = { RB503 = "check" }

    [profiles.default.options.RB101]      # every profile extends default
    blank-line-after-block = true

A table for an existing profile changes it: ``paths``/``exclude``/``docs``
replace, ``select``/``ignore`` add, ``severity``/``options`` are merged.

Rules selected on the command line (``--select``) run in every file, at the
severity the file's profile gives them.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from .rule import Rule, Severity

if TYPE_CHECKING:  # pragma: no cover
    from .model import Patch
    from .rule import PatchContext

DEFAULT = "default"
CONFIG_NAMES = ("reviewbot.toml", "pyproject.toml")
TIP_DOC = "Documentation/process/maintainer-tip.rst"
NETDEV_DOC = "Documentation/process/maintainer-netdev.rst"
KVM_X86_DOC = "Documentation/process/maintainer-kvm-x86.rst"


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names it."""


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str = ""
    extends: str | None = DEFAULT  # None only for "default"
    paths: tuple[str, ...] = ()  # files it covers (MAINTAINERS F: syntax)
    exclude: tuple[str, ...] = ()  # ... except these
    docs: tuple[str, ...] = ()  # MAINTAINERS P: documents that name it
    select: tuple[str, ...] = ()  # rules turned on (codes, code prefixes, names)
    ignore: tuple[str, ...] = ()  # rules turned off
    severity: Mapping[str, str] = field(default_factory=dict)  # selector -> error|warning|check
    options: Mapping[str, Mapping[str, object]] = field(default_factory=dict)  # selector -> {option: value}
    source: str = "built-in"  # where it was defined last
    paths_source: str = "built-in"  # where its paths come from


# Areas of the tip tree (maintainer-tip.rst, "What is the tip tree?"):
# x86 (without KVM and Xen), scheduler, locking, interrupts and irqchip
# drivers, time and clocksource drivers, perf, CPU hotplug, RAS, EFI, RCU,
# debugobjects, objtool.
_TIP_PATHS = (
    "arch/x86/", "kernel/sched/", "include/linux/sched/", "kernel/locking/", "kernel/irq/",
    "drivers/irqchip/", "include/linux/irqchip/", "kernel/time/", "drivers/clocksource/",
    "kernel/events/", "include/linux/perf_event.h", "kernel/cpu.c", "include/linux/cpuhotplug.h",
    "drivers/ras/", "include/linux/ras.h", "drivers/firmware/efi/", "include/linux/efi.h",
    "kernel/rcu/", "include/linux/rcu*.h", "lib/debugobjects.c", "tools/objtool/", "kernel/futex/",
)
_KVM_X86_PATHS = (
    "arch/x86/kvm/", "arch/x86/include/asm/kvm*", "arch/x86/include/uapi/asm/kvm*",
    "tools/testing/selftests/kvm/x86/", "tools/testing/selftests/kvm/x86_64/",
)
_PDX86_PATHS = ("drivers/platform/x86/", "include/linux/platform_data/x86/")
_NETDEV_PATHS = (
    "net/", "drivers/net/", "include/net/", "include/linux/netdevice.h", "include/linux/skbuff.h",
    "include/linux/etherdevice.h", "include/uapi/linux/netdevice.h", "tools/testing/selftests/net/",
)

BUILTIN: tuple[Profile, ...] = (
    Profile(
        DEFAULT,
        summary="the catalogue's defaults: coding-style.rst and what reviewers ask everywhere",
        extends=None,
    ),
    Profile(
        "tip",
        summary="x86 and the other tip-tree areas (maintainer-tip.rst)",
        paths=_TIP_PATHS,
        exclude=("arch/x86/kvm/", "arch/x86/xen/", "arch/x86/include/asm/xen/", "arch/x86/include/asm/kvm*",
                 "arch/x86/include/uapi/asm/kvm*"),
        docs=(TIP_DOC,),
        select=("reverse-xmas-tree", "split-declaration-initializer", "multi-line-body-without-braces"),
        severity={"reverse-xmas-tree": "warning", "split-declaration-initializer": "warning",
                  "multi-line-body-without-braces": "warning"},
        options={"RB101": {"blank-line-after-block": True}},
    ),
    Profile(
        "kvm-x86",
        summary="KVM x86 (maintainer-kvm-x86.rst): tip's style, reverse fir tree only preferred",
        extends="tip",
        paths=_KVM_X86_PATHS,
        exclude=(),
        docs=(KVM_X86_DOC,),
        severity={"reverse-xmas-tree": "check"},
    ),
    Profile(
        "netdev",
        summary="networking (maintainer-netdev.rst): reverse xmas tree",
        paths=_NETDEV_PATHS,
        docs=(NETDEV_DOC,),
        select=("reverse-xmas-tree",),
        severity={"reverse-xmas-tree": "warning"},
    ),
    Profile(
        "platform-x86",
        summary="x86 platform drivers: include what you use (what its reviewers ask on every new driver)",
        paths=_PDX86_PATHS,
        select=("missing-include",),
    ),
)


# --- rule selectors -----------------------------------------------------------

def _matches(rule: Rule, selector: str) -> bool:
    s = selector.strip()
    return bool(s) and (s.upper() == "ALL" or rule.name == s or rule.code.upper().startswith(s.upper()))


def _check_selectors(selectors: Iterable[str], catalogue: Sequence[Rule], where: str) -> None:
    bad = [s for s in selectors if s.upper() != "ALL" and not any(_matches(r, s) for r in catalogue)]
    if bad:
        raise ConfigError(f"{where}: unknown rule code or name: {', '.join(bad)} (see `reviewbot rules`)")


@dataclass(frozen=True)
class Resolved:
    """A profile applied to the catalogue: what runs, how hard, with what options."""

    name: str
    rules: Mapping[str, Rule]  # code -> the rule with this profile's severity (enabled rules only)
    severities: Mapping[str, Severity]  # code -> severity for every rule of the catalogue
    options: Mapping[str, Mapping[str, object]]  # code -> options


def _resolve(name: str, profiles: Mapping[str, Profile], catalogue: Sequence[Rule], stack: tuple[str, ...] = ()) -> Resolved:
    if name in stack:
        raise ConfigError(f"{profiles[name].source}: profiles: {' -> '.join((*stack, name))}: "
                          "a profile cannot extend itself")
    p = profiles[name]
    if p.extends is None:
        enabled = {r.code for r in catalogue if r.default}
        sev = {r.code: r.severity for r in catalogue}
        opts: dict[str, dict[str, object]] = {}
    else:
        if p.extends not in profiles:
            raise ConfigError(f"{p.source}: profiles.{name}.extends: no profile {p.extends!r}")
        base = _resolve(p.extends, profiles, catalogue, (*stack, name))
        enabled = set(base.rules)
        sev = dict(base.severities)
        opts = {k: dict(v) for k, v in base.options.items()}
    for r in catalogue:
        if any(_matches(r, s) for s in p.select):
            enabled.add(r.code)
        if any(_matches(r, s) for s in p.ignore):
            enabled.discard(r.code)
        for s, level in p.severity.items():
            if _matches(r, s):
                sev[r.code] = Severity.parse(level)
        for s, values in p.options.items():
            if _matches(r, s):
                opts.setdefault(r.code, {}).update(values)
    rules = {r.code: _with_severity(r, sev[r.code]) for r in catalogue if r.code in enabled}
    return Resolved(name, rules, sev, {k: dict(v) for k, v in opts.items()})


def _with_severity(rule: Rule, severity: Severity) -> Rule:
    return rule if rule.severity is severity else dataclasses.replace(rule, severity=severity)


# --- path patterns --------------------------------------------------------------

@lru_cache(maxsize=4096)
def _pattern(pat: str) -> tuple[re.Pattern[str], int, int]:
    """(regex, depth, length) of a MAINTAINERS-style file pattern; depth is
    the number of leading path components without a wildcard."""
    p = pat.strip().lstrip("/")
    prefix = re.split(r"[*?\[]", p, maxsplit=1)[0]
    depth = prefix.count("/") + (0 if prefix.endswith("/") or not prefix else 1)
    if not re.search(r"[*?\[]", p):
        rx = re.escape(p.rstrip("/")) + (r"/.*" if p.endswith("/") else r"(/.*)?")
    else:
        out, i = [], 0
        while i < len(p):
            c = p[i]
            if p.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append({"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c)))
            i += 1
        rx = "".join(out) + (".*" if p.endswith("/") else "")
    return re.compile(rx), depth, len(p)


def match_score(patterns: Iterable[str], path: str) -> tuple[int, int] | None:
    """The specificity of the best pattern matching ``path``, or None."""
    best = None
    for pat in patterns:
        rx, depth, length = _pattern(pat)
        if rx.fullmatch(path):
            score = (depth, length)
            if best is None or score > best:
                best = score
    return best


def _covers(p: Profile, path: str) -> tuple[int, int] | None:
    score = match_score(p.paths, path)
    if score is None or match_score(p.exclude, path) is not None:
        return None
    return score


# --- MAINTAINERS -----------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One MAINTAINERS section."""

    name: str
    files: tuple[str, ...] = ()  # F:
    excludes: tuple[str, ...] = ()  # X:
    regexes: tuple[str, ...] = ()  # N:
    profile_docs: tuple[str, ...] = ()  # P:

    def score(self, path: str) -> tuple[int, int] | None:
        if match_score(self.excludes, path) is not None:
            return None
        best = match_score(self.files, path)
        for rx in self.regexes:
            try:
                if re.search(rx, path):
                    best = max(best or (0, 0), (1, len(rx)))
            except re.error:
                continue
        return best


def parse_maintainers(text: str) -> tuple[Entry, ...]:
    """The sections of a MAINTAINERS file (those after the list of tags)."""
    entries: list[Entry] = []
    name = None
    fields: dict[str, list[str]] = {}

    def flush():
        if name is not None and (fields.get("F") or fields.get("N")):
            entries.append(Entry(
                name,
                tuple(fields.get("F", ())),
                tuple(fields.get("X", ())),
                tuple(fields.get("N", ())),
                tuple(fields.get("P", ())),
            ))

    for line in text.splitlines():
        m = re.match(r"^([A-Z]):\s*(.*?)\s*$", line)
        if m and name is not None:
            fields.setdefault(m.group(1), []).append(m.group(2))
        elif not line.strip():
            flush()
            name, fields = None, {}
        elif not line.startswith((" ", "\t")) and not m:
            flush()
            name, fields = line.strip(), {}
    flush()
    return tuple(entries)


class Maintainers:
    """A kernel tree's MAINTAINERS, asked which profile document covers a file."""

    def __init__(self, entries: Sequence[Entry], source: str = "MAINTAINERS") -> None:
        self.entries = tuple(entries)
        self.source = source
        self._docs = {_norm_doc(d) for e in self.entries for d in e.profile_docs}

    @classmethod
    def from_tree(cls, tree: str) -> "Maintainers | None":
        path = os.path.join(tree, "MAINTAINERS")
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                return cls(parse_maintainers(f.read()), path)
        except OSError:
            return None

    def names_any(self, docs: Iterable[str]) -> bool:
        """Whether some entry has one of ``docs`` as its P:."""
        return any(_norm_doc(d) in self._docs for d in docs)

    def entry_for(self, path: str, docs: Iterable[str]) -> tuple[Entry, str] | None:
        """The most specific entry matching ``path`` whose P: is one of
        ``docs``, and that document."""
        wanted = {_norm_doc(d) for d in docs}
        best = None
        for e in self.entries:
            doc = next((d for d in e.profile_docs if _norm_doc(d) in wanted), None)
            if doc is None:
                continue
            score = e.score(path)
            if score is not None and (best is None or score > best[0]):
                best = (score, e, doc)
        return None if best is None else (best[1], best[2])


def _norm_doc(doc: str) -> str:
    return doc.strip().lstrip("./").split()[0] if doc.strip() else ""


# --- configuration files -----------------------------------------------------------

_PROFILE_KEYS = {"summary", "extends", "paths", "exclude", "docs", "select", "ignore", "severity", "options"}


def config_table(path: str) -> dict | None:
    """The reviewbot table of a configuration file (None: a pyproject.toml
    without ``[tool.reviewbot]``)."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if os.path.basename(path) == "pyproject.toml":
        return data.get("tool", {}).get("reviewbot")
    return data


def discover(cwd: str | None = None, tree: str | None = None, explicit: str | None = None) -> list[str]:
    """Configuration files in the order they apply: the current
    directory's, the tree's, then ``explicit``."""
    out: list[str] = []
    for d in (cwd if cwd is not None else os.getcwd(), tree):
        if not d:
            continue
        for name in CONFIG_NAMES:
            p = os.path.join(d, name)
            if os.path.isfile(p) and (name != "pyproject.toml" or config_table(p) is not None):
                if not any(os.path.samefile(p, q) for q in out):
                    out.append(p)
                break
    if explicit:
        if not os.path.isfile(explicit):
            raise ConfigError(f"{explicit}: no such configuration file")
        if not any(os.path.samefile(explicit, q) for q in out):
            out.append(explicit)
    return out


def _strings(v, where: str) -> tuple[str, ...]:
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        raise ConfigError(f"{where}: must be a string or a list of strings")
    return tuple(v)


def apply_config(profiles: dict[str, Profile], table: Mapping, source: str, catalogue: Sequence[Rule]) -> None:
    """Add or change the profiles of one configuration table, in place."""
    unknown = set(table) - {"profiles"}
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(sorted(unknown))} (reviewbot reads [profiles.NAME] tables)")
    tables = table.get("profiles", {})
    if not isinstance(tables, Mapping):
        raise ConfigError(f"{source}: profiles must be a table of tables")
    for name, t in tables.items():
        where = f"{source}: profiles.{name}"
        if not isinstance(t, Mapping):
            raise ConfigError(f"{where}: must be a table")
        bad = set(t) - _PROFILE_KEYS
        if bad:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(bad))} (use {', '.join(sorted(_PROFILE_KEYS))})")
        if name == DEFAULT and "extends" in t:
            raise ConfigError(f"{where}: the default profile extends nothing")
        old = profiles.get(name) or Profile(name, source=source)
        changes: dict = {"source": source}
        if "summary" in t:
            changes["summary"] = str(t["summary"])
        if "extends" in t:
            changes["extends"] = str(t["extends"])
        for key in ("paths", "exclude", "docs"):
            if key in t:
                changes[key] = _strings(t[key], f"{where}.{key}")
        if "paths" in t:
            changes["paths_source"] = source
        for key in ("select", "ignore"):
            if key in t:
                more = _strings(t[key], f"{where}.{key}")
                _check_selectors(more, catalogue, f"{where}.{key}")
                changes[key] = getattr(old, key) + more
        if "severity" in t:
            sev = t["severity"]
            if not isinstance(sev, Mapping):
                raise ConfigError(f"{where}.severity: must be a table (RB503 = \"check\")")
            _check_selectors(sev, catalogue, f"{where}.severity")
            for k, v in sev.items():
                try:
                    Severity.parse(str(v))
                except ValueError as exc:
                    raise ConfigError(f"{where}.severity.{k}: {exc}") from None
            changes["severity"] = {**old.severity, **{k: str(v) for k, v in sev.items()}}
        if "options" in t:
            opts = t["options"]
            if not isinstance(opts, Mapping) or not all(isinstance(v, Mapping) for v in opts.values()):
                raise ConfigError(f"{where}.options: must hold one table per rule ([profiles.{name}.options.RB101])")
            _check_selectors(opts, catalogue, f"{where}.options")
            merged = {k: dict(v) for k, v in old.options.items()}
            for k, v in opts.items():
                merged.setdefault(k, {}).update(v)
            changes["options"] = merged
        profiles[name] = dataclasses.replace(old, **changes)


# --- the resolver the engine asks ----------------------------------------------------

class Profiles:
    """Decides, per file, which rules run, at which severity, with which options.

    ``forced``: codes of rules selected on the command line; they run in
    every file.
    """

    def __init__(
        self,
        profiles: Mapping[str, Profile],
        catalogue: Sequence[Rule],
        maintainers: Maintainers | None = None,
        forced: Iterable[str] = (),
    ) -> None:
        if DEFAULT not in profiles:
            raise ConfigError("profiles: there must be a default profile")
        self.profiles = dict(profiles)
        self.catalogue = tuple(catalogue)
        self.maintainers = maintainers
        self.forced = frozenset(forced)
        self.resolved = {name: _resolve(name, self.profiles, self.catalogue) for name in self.profiles}
        self._by_path: dict[str, tuple[str, str]] = {}

    # which profile

    def profile_for(self, path: str) -> tuple[str, str]:
        """(profile name, why) for a file of a patch."""
        hit = self._by_path.get(path)
        if hit is None:
            hit = self._by_path[path] = self._lookup(path)
        return hit

    def _lookup(self, path: str) -> tuple[str, str]:
        configured = [p for p in self.profiles.values() if p.paths_source != "built-in"]
        builtin = [p for p in self.profiles.values() if p.paths_source == "built-in"]
        if self.maintainers is not None:  # MAINTAINERS knows where the profiles it names apply
            builtin = [p for p in builtin if not self.maintainers.names_any(p.docs)]
        best = _best(configured, path)
        if best is not None:
            return best.name, f"paths of profiles.{best.name} in {best.paths_source}"
        if self.maintainers is not None:
            docs = {d: p.name for p in self.profiles.values() for d in p.docs}
            found = self.maintainers.entry_for(path, docs)
            if found is not None:
                entry, doc = found
                name = next(n for d, n in docs.items() if _norm_doc(d) == _norm_doc(doc))
                return name, f"MAINTAINERS: {entry.name} (P: {doc})"
        best = _best(builtin, path)
        if best is not None:
            return best.name, f"built-in paths of {best.name}"
        return DEFAULT, "no profile covers it"

    # what the engine asks

    def runs(self, rule: Rule, patch: "Patch") -> bool:
        """Whether the rule may find something in this patch: forced, or on
        in the profile of one of its files (or of the patch as a whole)."""
        if rule.code in self.forced:
            return True
        paths = [fc.path for fc in patch.files] or [""]
        return any(rule.code in self.resolved[self.profile_for(p)[0]].rules for p in paths)

    def pick(self, rule: Rule, path: str | None) -> tuple[Rule | None, str]:
        """The rule as the profile of ``path`` wants it (None: off there),
        and that profile's name."""
        name = self.profile_for(path or "")[0]
        res = self.resolved[name]
        if rule.code in res.rules:
            return res.rules[rule.code], name
        if rule.code in self.forced:
            return _with_severity(rule, res.severities.get(rule.code, rule.severity)), name
        return None, name

    def options(self, rule: Rule, path: str) -> Mapping[str, object]:
        return self.resolved[self.profile_for(path)[0]].options.get(rule.code, {})

    def context(self, ctx: "PatchContext", rule: Rule) -> "PatchContext":
        """``ctx`` for one rule: ``ctx.option(path, name)`` reads the options
        the profile of ``path`` gives that rule."""
        return dataclasses.replace(ctx, rule_options=lambda path: self.options(rule, path))


def _best(profiles: Iterable[Profile], path: str) -> Profile | None:
    best = None
    for p in profiles:
        score = _covers(p, path)
        if score is not None and (best is None or score > best[0]):
            best = (score, p)
    return None if best is None else best[1]


def load(
    catalogue: Sequence[Rule],
    *,
    tree: str | None = None,
    config: str | None = None,
    cwd: str | None = None,
    forced: Iterable[str] = (),
) -> tuple[Profiles, list[str]]:
    """The built-in profiles changed by the configuration files found (see
    ``discover``), with the tree's MAINTAINERS; and the files read."""
    profiles = {p.name: p for p in BUILTIN}
    files = discover(cwd, tree, config)
    for path in files:
        table = config_table(path)
        if table is not None:
            apply_config(profiles, table, path, catalogue)
    maintainers = Maintainers.from_tree(tree) if tree else None
    try:
        return Profiles(profiles, catalogue, maintainers, forced), files
    except KeyError as exc:  # pragma: no cover - _resolve checks extends
        raise ConfigError(f"profiles: unknown profile {exc}") from None


def builtin(catalogue: Sequence[Rule], forced: Iterable[str] = ()) -> Profiles:
    """The built-in profiles alone (no configuration file, no tree)."""
    return Profiles({p.name: p for p in BUILTIN}, catalogue, None, forced)


def for_review(
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    *,
    tree: str | None = None,
    config: str | None = None,
    cwd: str | None = None,
    builtin_only: bool = False,
) -> tuple[tuple, Profiles]:
    """The rules and profiles a review runs with, as ``reviewbot check``
    picks them, so that ``check --git``, ``scan``, the send-email hook, b4
    and the list bot say what ``check`` says on a patch: the rules ``select``/``ignore`` leave (those off by
    default included: the profiles turn them on, file by file) and the
    profiles (built-in, changed by the configuration files ``discover``
    finds unless ``builtin_only``).  A rule that is selected by name runs
    everywhere.  Raises ValueError for an unknown rule, ConfigError for a
    bad configuration."""
    from .engine import all_rules, select_rules

    catalogue = all_rules()
    chosen = select_rules(catalogue, select, ignore)
    forced = [lr.rule.code for lr in chosen] if any(s.strip() for s in select) else ()
    rules = [lr.rule for lr in catalogue]
    if builtin_only:
        profiles = builtin(rules, forced)
    else:
        profiles, _ = load(rules, tree=tree, config=config, cwd=cwd, forced=forced)
    return select_rules(catalogue, select, ignore, with_off=True), profiles
