"""Macro and declaration context beyond one patch: its series and a tree.

A rule sees ``ctx.macros`` (a ``MacroContext``) besides ``ctx.defines``
(the patch's own ``#define`` lines).  It answers, for a name the patch does
not define:

- ``define(name, path)``: the definition visible from the file ``path``:
  from the other patches of the series (added and context lines; the
  patch's own definitions win), then, with a kernel tree, from the headers
  the file includes (two levels), then from the index of ``include/`` and
  ``arch/ARCH/include/`` when every definition there agrees; enum constants
  count as definitions;
- ``definitions(name)``: every known definition (series and tree), for
  rules about conflicting values;
- ``return_type(fn)``: the integer return type a function is declared with;
- ``mask_helpers()`` and ``compares()``: the helpers that mask a status and
  the comparisons made under a mask or through a helper, in the series,
  the tree's headers and the directories of the touched files -- the
  conventions RB203 learns status families from.

Each definition keeps where it was seen, so messages can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Iterable

from . import cscan
from .rule import Define

if TYPE_CHECKING:  # pragma: no cover
    from .model import Patch, Series
    from .rule import Memo
    from .tree import KernelTree


@dataclass(frozen=True)
class Seen:
    """A comparison under a mask (``via`` = mask name) or a helper
    (``via`` = ``name()``) with ``const``, at ``path:line``."""

    via: str
    const: str
    path: str
    line: int | None
    helper: bool
    origin: str  # "patch", "series", "tree"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


def _hunk_text(fc, kinds: str) -> str:
    return "\n".join([ln.text for h in fc.hunks for ln in h.lines if ln.kind in kinds])


def _patch_returns(patch: "Patch") -> tuple[tuple[str, str], ...]:
    """(function, integer return type) declared on the post-image lines of ``patch``."""
    return tuple(
        (name, typ)
        for fc in patch.files
        if fc.is_c and not fc.is_deleted
        for name, typ, _ in cscan.return_types(_hunk_text(fc, " +"))
    )


def _patch_helpers(patch: "Patch") -> tuple[tuple[str, str, str], ...]:
    """(helper, mask, path) of the mask helpers on any line of ``patch``."""
    return tuple(
        (name, mask, fc.path)
        for fc in patch.files
        if fc.is_c
        for name, mask, _line in cscan.mask_helpers(_hunk_text(fc, " +-"))
    )


def _patch_compares(patch: "Patch", helpers: frozenset[str]) -> tuple[tuple[str, str, str, int | None, bool], ...]:
    """(via, const, path, line, helper) of the masked compares of ``patch``:
    post-image lines first, then the pre-image, hunk by hunk."""
    out = []
    for fc in patch.files:
        if not fc.is_c:
            continue
        for h in fc.hunks:
            for kinds in (" +", "-"):
                view = [ln for ln in h.lines if ln.kind in kinds or (kinds == "-" and ln.kind == " ")]
                text = "\n".join([ln.text for ln in view])
                for c in cscan.masked_compares(text, helpers):
                    ln = view[c.line - 1] if c.line - 1 < len(view) else None
                    num = (ln.new if ln is not None and ln.new is not None else (ln.old if ln else None))
                    out.append((c.via, c.const, fc.path, num, c.helper))
    return tuple(out)


class _HeaderView:
    """name -> definitions in a list of headers, first header first."""

    def __init__(self, tree: "KernelTree", headers: tuple[str, ...]) -> None:
        self.tree = tree
        self.headers = headers

    def get(self, name: str) -> list[Define] | None:
        out = []
        for h in self.headers:
            facts = self.tree.facts(h)
            if facts is None:
                continue
            for line, params, value in facts.defines.get(name, ()):
                out.append(Define(name, value, h, line, " ", params))
        return out or None


class MacroContext:
    def __init__(self, patch: "Patch", series: "Series | None" = None, tree: "KernelTree | None" = None,
                 texts: Iterable[tuple[str, str]] = (), memo: "Memo | None" = None) -> None:
        """``texts``: (path, whole text) of the patch's post-image files
        (from the tree), whose includes are followed.  ``memo`` (the
        engine's): what is read from one patch of the series is read once
        per run, not again for each of its siblings."""
        self.patch = patch
        self.series = series
        self.tree = tree
        self.texts = tuple(texts)
        self.memo = memo

    def _of_patch(self, name: str, patch: "Patch", make):
        """``make()``, a fact of one patch alone: once per run with a memo."""
        return make() if self.memo is None else self.memo.get(name, patch, make)

    # -- series
    @cached_property
    def others(self) -> tuple["Patch", ...]:
        if self.series is None:
            return ()
        return tuple(p for p in (*self.series.patches,) if p is not self.patch)

    @cached_property
    def _series_defines(self) -> dict[str, list[Define]]:
        from .defines import patch_defines

        out: dict[str, list[Define]] = {}
        for p in self.others:
            for d in self._of_patch("macros.defines", p, lambda p=p: patch_defines(p.files)):
                if d.kind != "-":
                    out.setdefault(d.name, []).append(d)
        return out

    # -- tree
    @cached_property
    def arch(self) -> str:
        from .tree import DEFAULT_ARCH, arch_of

        if self.tree is not None and self.tree.arch:
            return self.tree.arch
        for fc in self.patch.files:
            a = arch_of(fc.path, "")
            if a:
                return a
        return DEFAULT_ARCH

    @cached_property
    def _header_defines(self) -> "dict[str, _HeaderView]":
        """path of a touched file -> name -> definitions in its headers."""
        out: dict[str, _HeaderView] = {}
        if self.tree is None:
            return out
        for path, text in self._sources():
            out[path] = _HeaderView(self.tree, self.tree.headers(path, text))
        return out

    def _sources(self) -> list[tuple[str, str]]:
        """(path, text) of each touched C file: the whole post-image when
        the tree gave it, else the post-image lines of the hunks."""
        given = dict(self.texts)
        out = []
        for fc in self.patch.files:
            if not fc.is_c or fc.is_deleted:
                continue
            text = given.get(fc.path)
            if text is None:
                text = _hunk_text(fc, " +")
                if self.tree is not None and not fc.is_new:
                    base = self.tree.read(fc.old_path or fc.path)
                    if base is not None:
                        text = base + "\n" + text  # its includes, at least
            out.append((fc.path, text))
        return out

    def _index_define(self, name: str) -> Define | None:
        if self.tree is None:
            return None
        idx = self.tree.index(self.arch)
        found = idx.defines.get(name)
        if found:
            values = {(params, " ".join(value.split())) for _p, _l, params, value in found}
            if len(values) != 1:
                return None
            path, line, params, value = found[0]
            return Define(name, value, path, line, " ", params)
        enums = idx.enums.get(name)
        if enums and len({" ".join(v.split()) for _p, _l, v in enums}) == 1:
            path, line, value = enums[0]
            return Define(name, value, path, line, " ", None)
        return None

    # -- API
    def define(self, name: str, path: str | None = None) -> Define | None:
        """The one definition of ``name`` visible from ``path`` beyond the
        patch, or None (unknown, or defined differently in two places)."""
        got = self._series_defines.get(name)
        if got:
            vals = {(d.params, " ".join(d.value.split())) for d in got}
            return got[-1] if len(vals) == 1 else None
        if self.tree is None:
            return None
        heads = self._header_defines
        if path is not None and path in heads:
            found = heads[path].get(name)
            if found:
                return found[0]  # the first one the file sees
        elif path is None:
            # any touched file: the headers they include, when they agree
            firsts = [f[0] for f in (view.get(name) for view in heads.values()) if f]
            if firsts and len({(d.params, " ".join(d.value.split())) for d in firsts}) == 1:
                return firsts[0]
        return self._index_define(name)

    def lookup(self, name: str) -> Define | None:
        return self.define(name)

    def definitions(self, name: str) -> tuple[Define, ...]:
        out: list[Define] = list(self._series_defines.get(name, ()))
        if self.tree is not None:
            idx = self.tree.index(self.arch)
            for path, line, params, value in idx.defines.get(name, ()):
                out.append(Define(name, value, path, line, " ", params))
        return tuple(out)

    def return_type(self, fn: str) -> str | None:
        """The integer return type ``fn`` is declared with, when one is
        known and unambiguous."""
        types = set(self._series_returns.get(fn, ()))
        if not types and self.tree is not None:
            types = set(self._tree_returns.get(fn, ()))
            if not types:
                types = set(self.tree.index(self.arch).returns.get(fn, ()))
        return next(iter(types)) if len(types) == 1 else None

    @cached_property
    def _series_returns(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for p in (self.patch, *self.others):
            for name, typ in self._of_patch("macros.returns", p, lambda p=p: _patch_returns(p)):
                out.setdefault(name, set()).add(typ)
        return out

    @cached_property
    def _tree_returns(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        if self.tree is None:
            return out
        for path, text in self._sources():
            for name, typ, _ in cscan.return_types(cscan.live_text(text)):
                out.setdefault(name, set()).add(typ)
            for h in self.tree.headers(path, text):
                facts = self.tree.facts(h)
                if facts is not None:
                    for name, types in facts.returns.items():
                        out.setdefault(name, set()).update(types)
        return out

    def mask_helpers(self) -> dict[str, tuple[str, str]]:
        """helper name -> (mask name, where it is defined)."""
        return self._helpers

    @cached_property
    def _helpers(self) -> dict[str, tuple[str, str]]:
        out: dict[str, tuple[str, str]] = {}
        for p in (self.patch, *self.others):
            for name, mask, path in self._of_patch("macros.helpers", p, lambda p=p: _patch_helpers(p)):
                out.setdefault(name, (mask, path))
        if self.tree is not None:
            for name, (mask, path, line) in self.tree.index(self.arch).helpers.items():
                out.setdefault(name, (mask, f"{path}:{line}"))
            for path, text in self._sources():
                for h in self.tree.headers(path, text):
                    facts = self.tree.facts(h)
                    if facts is not None:
                        for name, (mask, line) in facts.helpers.items():
                            out.setdefault(name, (mask, f"{h}:{line}"))
        return out

    def compares(self) -> tuple[Seen, ...]:
        """Comparisons under a mask or a helper, beyond the patch's own
        added lines: its context and removed lines, the other patches of
        the series, and the tree."""
        return self._compares

    @cached_property
    def _compares(self) -> tuple[Seen, ...]:
        helpers = frozenset(self._helpers)
        # the helpers differ with the tree (the headers of each patch's files)
        key = "macros.compares " + ",".join(sorted(helpers))
        out: list[Seen] = []
        for p in (self.patch, *self.others):
            origin = "patch" if p is self.patch else "series"
            for via, const, path, num, helper in self._of_patch(key, p, lambda p=p: _patch_compares(p, helpers)):
                out.append(Seen(via, const, path, num, helper, origin))
        if self.tree is not None:
            idx = self.tree.index(self.arch)
            for via, const, path, line, helper in idx.compares:
                out.append(Seen(via, const, path, line, helper, "tree"))
            dirs = {fc.path.rsplit("/", 1)[0] for fc in self.patch.files if "/" in fc.path and fc.is_c}
            for d in sorted(dirs):
                for via, const, path, line, helper in self.tree.dir_compares(d, self.arch):
                    out.append(Seen(via, const, path, line, helper, "tree"))
        # one per (via, const, path, line)
        uniq: dict[tuple, Seen] = {}
        for s in out:
            uniq.setdefault((s.via, s.const, s.path, s.line), s)
        return tuple(uniq.values())
