"""What a rule is, what it yields, and what it is given.

A rule is a module in ``rules/`` (imported as ``reviewbot.rules.<name>``)
that defines::

    RULE = Rule(code="RB101", name="if-blocks-without-blank-line",
                severity=Severity.CHECK, summary="...")

    def check(ctx: PatchContext) -> Iterator[Hit]: ...

and whose module docstring documents it (*What it does*, *Why is this bad?*,
*Example*, *Use instead*).  The rule only yields ``Hit``s; the engine turns
them into ``Finding``s, keeps those on lines the patch adds (for
``scope="lines"`` rules), applies --select/--ignore, and reports.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from tree_sitter import Node

    from .consteval import Scope
    from .csyntax import CUnit, NodeIndex
    from .macros import MacroContext
    from .model import Patch, Series


class Severity(enum.Enum):
    """checkpatch's levels, most severe first."""

    ERROR = "error"
    WARNING = "warning"
    CHECK = "check"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "check": 1}[self.value]

    @property
    def label(self) -> str:
        return self.name

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or check)") from None


@dataclass(frozen=True)
class Rule:
    code: str  # stable: "RB101"; never changes once released
    name: str  # slug naming the bad pattern: "if-blocks-without-blank-line"
    severity: Severity
    summary: str  # one line, for `reviewbot rules`
    scope: str = "lines"  # "lines": only hits on added lines survive; "patch": anchored hits always survive
    default: bool = True  # False: off unless a profile (reviewbot/profiles.py) or --select turns it on


@dataclass(frozen=True)
class Hit:
    """What a rule reports: a place in the post-image and a message."""

    path: str
    line: int | None  # new-side line number (None: the whole file / patch)
    message: str
    end_line: int | None = None  # last line the comment is about (quote up to here)


@dataclass(frozen=True)
class PatchRef:
    message_id: str
    subject: str
    version: int
    index: int | None
    total: int | None


@dataclass(frozen=True)
class Finding:
    rule: Rule
    path: str
    line: int | None
    end_line: int | None
    message: str
    patch: PatchRef
    profile: str | None = None  # the profile whose selection made it (reviewbot/profiles.py)

    @property
    def severity(self) -> Severity:
        return self.rule.severity

    def as_dict(self) -> dict:
        return {
            "rule": self.rule.code,
            "name": self.rule.name,
            "severity": self.rule.severity.value,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "message": self.message,
            "patch": {
                "message_id": self.patch.message_id,
                "subject": self.patch.subject,
                "version": self.patch.version,
                "index": self.patch.index,
                "total": self.patch.total,
            },
            "profile": self.profile,
        }


@dataclass(frozen=True)
class Define:
    """A ``#define NAME value`` seen in the patch (added or context line)."""

    name: str
    value: str  # the replacement text, continuation lines joined, comments removed
    path: str
    line: int | None  # new-side line (None for a removed line)
    kind: str  # '+', ' ' or '-'
    params: tuple[str, ...] | None = None  # function-like macro parameters


class Memo:
    """Values computed once and shared by the patches of a series and by
    rules, keyed by an object (a series, a patch) and a name.  The object
    is kept with its value, so its ``id`` cannot be reused while the entry
    lives.  Bounded: an engine that lives long (the list bot) keeps only
    the ``size`` most recently used entries; an evicted one is recomputed."""

    def __init__(self, size: int = 1024) -> None:
        from collections import OrderedDict

        self.size = size
        self._values: "OrderedDict[tuple[str, int], tuple[object, object]]" = OrderedDict()

    def get(self, name: str, obj: object, make: "Callable[[], object]") -> object:
        key = (name, id(obj))
        hit = self._values.get(key)
        if hit is None or hit[0] is not obj:
            hit = (obj, make())
            self._values[key] = hit
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        else:
            self._values.move_to_end(key)
        return hit[1]


@dataclass(frozen=True)
class PatchContext:
    """Everything a rule may look at for one patch."""

    patch: "Patch"
    series: "Series | None"
    units: tuple["CUnit", ...]  # parsed C: hunk fragments or whole new files
    defines: tuple[Define, ...]  # every #define line of the patch, in order
    # type -> (unit, node) pairs: a csyntax.NodeIndex, which finds a type's nodes when first asked for
    node_index: "NodeIndex | Mapping[str, tuple[tuple[CUnit, Node], ...]]" = field(default_factory=dict)
    # set by the engine per rule when profiles are in use: path -> that rule's options
    rule_options: "Callable[[str], Mapping[str, object]] | None" = None
    # beyond the patch: the series' other patches and a kernel tree (--tree)
    macros: "MacroContext | None" = None
    # what is worked out once per run and shared between patches and rules
    # (the series blame, the anatomy of each patch): the engine's Memo
    memo: "Memo" = field(default_factory=lambda: Memo())

    def nodes(self, *types: str) -> Iterator[tuple["CUnit", "Node"]]:
        """Syntax nodes of the given types over all units, in patch order."""
        for t in types:
            yield from self.node_index.get(t, ())

    def option(self, path: str, name: str, default: object = None) -> object:
        """An option of the running rule that the profile of ``path`` sets
        (``[profiles.NAME.options.CODE]`` in reviewbot.toml), else ``default``."""
        if self.rule_options is None:
            return default
        return self.rule_options(path).get(name, default)

    def scope(self, path: str | None = None) -> "Scope":
        """A constant evaluator for ``path``: the patch's defines first,
        then those of the series and the tree (``macros``)."""
        from .consteval import Scope

        fallback = None
        if self.macros is not None:
            macros = self.macros
            fallback = lambda name: macros.define(name, path)  # noqa: E731
        return Scope(self.defines, path, fallback)

    def visible_defines(self) -> dict[str, Define]:
        """NAME -> Define for the post-image (added and context lines); the
        last definition wins, like the preprocessor."""
        out: dict[str, Define] = {}
        for d in self.defines:
            if d.kind != "-":
                out[d.name] = d
        return out
