"""The engine: load rules, parse the C of each patch, run rules, keep findings.

The engine owns traversal (the nodes of each type are found once per patch,
when a rule first asks for them: ``PatchContext.nodes``), filtering to added
lines, suppression and rule selection.  A rule only yields ``Hit``s.

Strict in tests, lenient for users: a rule that raises is reported as an
input problem and the run goes on, unless ``REVIEWBOT_STRICT=1`` is set (the
test suite sets it), in which case the exception propagates.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Iterable, Iterator, Sequence

from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Budget, LimitExceeded, Limits
from .model import FileChange, Patch, Series
from .result import InputProblem, PatchResult, RunResult
from .rule import Finding, Hit, Memo, PatchContext, PatchRef, Rule

RULES_PACKAGE = "reviewbot.rules"
PostImages = Callable[[Patch, FileChange], "str | None"]
_SUPPRESS = re.compile(r"reviewbot-ignore(?::\s*([\w\-, ]+))?")


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    check: Callable[[PatchContext], Iterable[Hit]]
    module: ModuleType

    @property
    def doc(self) -> str:
        return self.module.__doc__ or ""


def _rule_modules() -> Iterator[ModuleType]:
    pkg = importlib.import_module(RULES_PACKAGE)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        yield importlib.import_module(f"{RULES_PACKAGE}.{info.name}")


def all_rules() -> tuple[LoadedRule, ...]:
    out = []
    for mod in _rule_modules():
        rule = getattr(mod, "RULE", None)
        check = getattr(mod, "check", None)
        if isinstance(rule, Rule) and callable(check):
            out.append(LoadedRule(rule, check, mod))
    return tuple(sorted(out, key=lambda r: r.rule.code))


def _matches(rule: Rule, selectors: Sequence[str]) -> bool:
    for sel in selectors:
        s = sel.strip()
        if not s:
            continue
        if s.upper() == "ALL" or rule.name == s or rule.code.upper().startswith(s.upper()):
            return True
    return False


def select_rules(
    rules: Sequence[LoadedRule], select: Sequence[str] = (), ignore: Sequence[str] = (), with_off: bool = False
) -> tuple[LoadedRule, ...]:
    """--select keeps rules by code, code prefix or name; --ignore drops them."""
    unknown = [
        s for s in (*select, *ignore)
        if s.strip() and s.upper() != "ALL" and not any(_matches(r.rule, [s]) for r in rules)
    ]
    if unknown:
        raise ValueError(f"unknown rule code or name: {', '.join(unknown)} (see `reviewbot rules`)")
    # a rule that is off by default (Rule.default) runs when selected by name, or with_off (profiles decide)
    chosen = [r for r in rules if (_matches(r.rule, select) if select else with_off or r.rule.default)]
    return tuple(r for r in chosen if not _matches(r.rule, ignore))


def find_rule(rules: Sequence[LoadedRule], key: str) -> LoadedRule | None:
    for r in rules:
        if r.rule.code.upper() == key.upper() or r.rule.name == key:
            return r
    return None


def patch_ref(patch: Patch) -> PatchRef:
    s = patch.subject
    return PatchRef(
        message_id=patch.message_id,
        subject=patch.mail.subject,
        version=s.version,
        index=s.counter,
        total=s.total,
    )


class Engine:
    """Reviews patches with a fixed set of rules.  One per run."""

    def __init__(
        self, rules: Sequence[LoadedRule], post_images: PostImages | None = None, limits: Limits = DEFAULT_LIMITS,
        tree=None, profiles=None,
    ) -> None:
        """``post_images(patch, file_change)`` may return the whole
        post-image text of a file (from a kernel tree or git); the file is
        then parsed whole instead of hunk by hunk.  ``tree`` (a
        ``reviewbot.tree.KernelTree``) gives post-images, the macros and
        declarations of the headers, and problems (a patch that does not
        apply).  ``profiles`` (a ``reviewbot.profiles.Profiles``) decide, file
        by file, which of ``rules`` run and how hard (None: all, as given)."""
        self.rules = tuple(rules)
        self.profiles = profiles
        # ... except that the whole catalogue (Engine(all_rules())) means its defaults: rules that are off
        # by default (Rule.default) stay off there until a profile or a selection turns them on
        self._defaults_only = len(self.rules) > 1 and {r.rule.code for r in self.rules} >= {
            r.rule.code for r in all_rules()}
        self.tree = tree
        if post_images is None and tree is not None:
            post_images = tree.post_image
        self.post_images = post_images
        self.limits = limits  # parse time and syntax nodes per patch
        self.memo = Memo()  # per run: series blame, anatomy of each patch
        self.jobs = 1  # processes for run() (reviewbot/parallel.py); 0: one per CPU
        self._parser = None
        self._node_types: set[str] = set()  # the node types rules have asked for so far (see NodeIndex)
        self.strict = os.environ.get("REVIEWBOT_STRICT", "") not in ("", "0")

    @property
    def parser(self):
        if self._parser is None:
            from .csyntax import Parser

            self._parser = Parser()
        return self._parser

    def context(self, patch: Patch, series: Series | None) -> PatchContext:
        """Raises LimitExceeded when the C of the patch is over its budget."""
        budget = Budget(self.limits)
        self.parser.budget = budget
        try:
            return self._context(patch, series, budget)
        finally:
            self.parser.budget = None

    def _context(self, patch: Patch, series: Series | None, budget: Budget) -> PatchContext:
        from .csyntax import NodeIndex, file_units, post_image_unit
        from .defines import patch_defines

        units = []
        texts = []
        for fc in patch.files:
            text = None
            if self.post_images is not None and fc.is_c and not fc.is_deleted and not fc.is_binary:
                text = self.post_images(patch, fc)
            if text is not None:
                units.append(post_image_unit(self.parser, fc, str(text), getattr(text, "rows", None)))
                texts.append((fc.path, str(text)))
            else:
                units.extend(file_units(self.parser, fc))
        if units:
            budget.count(self._named_nodes(units, budget))
        return PatchContext(
            patch=patch,
            series=series,
            units=tuple(units),
            defines=patch_defines(patch.files),
            node_index=NodeIndex(self.parser, tuple(units), self._node_types),
            macros=self._macros(patch, series, texts),
            memo=self.memo,
        )

    @staticmethod
    def _named_nodes(units, budget: Budget) -> int:
        """How many named syntax nodes the units have, for the node cap.
        ``descendant_count`` (found in C) counts the anonymous ones too: only
        when that is over the cap are the named ones counted one by one."""
        nodes = sum(unit.root.descendant_count for unit in units)
        if budget.nodes + nodes > budget.limits.max_syntax_nodes:
            nodes = sum(1 for unit in units for _ in unit.walk())
        return nodes

    def _macros(self, patch: Patch, series: Series | None, texts):
        """The context beyond the patch: other patches of its series, the tree."""
        if self.tree is None and (series is None or len(series.patches) < 2):
            return None
        from .macros import MacroContext

        return MacroContext(patch, series, self.tree, texts, memo=self.memo)

    def review(self, patch: Patch, series: Series | None = None) -> tuple[tuple[Finding, ...], tuple[InputProblem, ...]]:
        ctx = self.context(patch, series)
        added = {fc.path: fc.added_lines() for fc in patch.files}
        texts = _added_texts(patch)
        ref = patch_ref(patch)
        findings: list[Finding] = []
        problems: list[InputProblem] = []
        if self.tree is not None:
            problems.extend(InputProblem(_source(patch), msg) for msg in self.tree.problems(patch))
        dead = _dead_lines(ctx.units)
        seen: set[tuple] = set()
        for lr in self.rules:
            if self.profiles is not None and not self.profiles.runs(lr.rule, patch):
                continue  # no profile of the patch's files asks for it
            if self.profiles is None and self._defaults_only and not lr.rule.default:
                continue
            try:
                hits = list(lr.check(ctx if self.profiles is None else self.profiles.context(ctx, lr.rule)))
            except Exception as exc:  # a rule bug must not stop the review
                if self.strict:
                    raise
                problems.append(
                    InputProblem(
                        _source(patch),
                        f"rule {lr.rule.code} failed: {type(exc).__name__}: {exc}".splitlines()[0],
                    )
                )
                continue
            for hit in hits:
                if not _on_added(lr.rule, hit, added):
                    continue
                if _suppressed(lr.rule, hit, texts):
                    continue
                if hit.line is not None and hit.line in dead.get(hit.path, ()):
                    continue  # inside #if 0
                key = (lr.rule.code, hit.path, hit.line, hit.message)
                if key in seen:
                    continue
                seen.add(key)
                rule, profile = lr.rule, None
                if self.profiles is not None:
                    rule, profile = self.profiles.pick(lr.rule, hit.path)
                    if rule is None:
                        continue  # the profile of this file does not ask for it
                findings.append(
                    Finding(rule, hit.path, hit.line, hit.end_line, hit.message, ref, profile=profile)
                )
        order = {fc.path: i for i, fc in enumerate(patch.files)}
        findings.sort(key=lambda f: (order.get(f.path, len(order)), f.line or 0, f.rule.code))
        return tuple(findings), tuple(problems)

    def review_series(self, series: Series) -> list[tuple[tuple[Finding, ...] | None, tuple[InputProblem, ...]]]:
        """Per patch (and extra) of ``series``: its findings (None when it
        could not be reviewed) and its problems."""
        out: list[tuple[tuple[Finding, ...] | None, tuple[InputProblem, ...]]] = []
        for patch in (*series.patches, *series.extras):
            try:
                out.append(self.review(patch, series))
            except LimitExceeded as exc:  # reported and skipped, even in strict mode
                out.append((None, (InputProblem(_source(patch), str(exc)),)))
            except Exception as exc:
                if self.strict:
                    raise
                msg = f"cannot review: {type(exc).__name__}: {exc}".splitlines()[0]
                out.append((None, (InputProblem(_source(patch), msg),)))
        return out

    def run(self, series_list: Sequence[Series], problems: Sequence[InputProblem] = (), messages: int = 0) -> RunResult:
        results: list[PatchResult] = []
        all_problems = list(problems)
        series_list = list(series_list)
        jobs = 1
        if self.jobs != 1:
            from .parallel import effective_jobs

            jobs = effective_jobs(self.jobs, sum(len(s.patches) + len(s.extras) for s in series_list))
        if jobs > 1:
            from .parallel import map_series

            outcomes: Iterable = map_series(self.review_series, series_list, jobs)
        else:
            outcomes = map(self.review_series, series_list)
        for series, outcome in zip(series_list, outcomes):
            for result, probs in patch_results(series, outcome):
                all_problems.extend(probs)
                if result is not None:
                    results.append(result)
        return RunResult(tuple(results), tuple(all_problems), messages, len(series_list))

    def review_batch(self, batch: Sequence[Series]) -> list:
        """``review_series`` of each series; then the memo is emptied: the
        series of a batch (``check --stream``) are not seen again."""
        try:
            return [self.review_series(series) for series in batch]
        finally:
            self.memo = Memo()


def patch_results(series: Series, outcome) -> Iterator[tuple[PatchResult | None, tuple[InputProblem, ...]]]:  # type: ignore[no-untyped-def]
    """Per patch of ``series``: what ``Engine.review_series`` gave it, as a
    PatchResult (None: not reviewed) and its problems."""
    for patch, (findings, probs) in zip((*series.patches, *series.extras), outcome):
        yield (PatchResult(patch, series, findings) if findings is not None else None), probs


def _source(patch: Patch) -> str:
    mid = f" <{patch.message_id}>" if patch.message_id else ""
    return f"{patch.mail.source}{mid}"


def _on_added(rule: Rule, hit: Hit, added: dict[str, frozenset[int]]) -> bool:
    if rule.scope == "patch":
        return True
    if hit.line is None:
        return False
    lines = added.get(hit.path, frozenset())
    end = hit.end_line if hit.end_line is not None and hit.end_line >= hit.line else hit.line
    return any(n in lines for n in range(hit.line, end + 1))


def _dead_lines(units) -> dict[str, set[int]]:
    """path -> new-side lines inside ``#if 0`` blocks the units show."""
    from .cscan import dead_rows

    out: dict[str, set[int]] = {}
    for unit in units:
        if b"if" not in unit.source or b"0" not in unit.source:
            continue
        rows = unit.source.decode("utf-8", "replace").split("\n")
        for r in dead_rows(rows):
            if r < len(unit.rows) and unit.rows[r] is not None:
                out.setdefault(unit.path, set()).add(unit.rows[r])
    return out


def _added_texts(patch: Patch) -> dict[tuple[str, int], str]:
    out = {}
    for fc in patch.files:
        for h in fc.hunks:
            for ln in h.lines:
                if ln.kind == "+" and ln.new is not None and "reviewbot-ignore" in ln.text:
                    out[(fc.path, ln.new)] = ln.text
    return out


def _suppressed(rule: Rule, hit: Hit, texts: dict[tuple[str, int], str]) -> bool:
    """``/* reviewbot-ignore: RB101 */`` on a line of the hit, or bare
    ``reviewbot-ignore`` for every rule."""
    if not texts or hit.line is None:
        return False
    end = hit.end_line if hit.end_line is not None and hit.end_line >= hit.line else hit.line
    for n in range(hit.line, end + 1):
        text = texts.get((hit.path, n))
        if text is None:
            continue
        m = _SUPPRESS.search(text)
        if m is None:
            continue
        if not m.group(1):
            return True
        names = {s.strip() for s in m.group(1).split(",")}
        if rule.code in names or rule.name in names:
            return True
    return False


def review_series(series_list: Iterable[Series], rules: Sequence[LoadedRule]) -> RunResult:
    return Engine(rules).run(list(series_list))
