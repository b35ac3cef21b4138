"""A kernel source tree as review context (``reviewbot check --tree DIR``).

``KernelTree`` gives the engine three things a patch mail lacks:

1. **Post-images.**  The series' patches are applied, in series order and
   in memory, to the tree's copy of each file they touch; the whole file
   is then parsed instead of hunk fragments.  A hunk is looked for near the
   line its header names (the nearest exact match, then one that differs
   only in whitespace); a hunk whose post-image is already there counts as
   applied (the tree has the series).  When a hunk is not found the patch
   is reported as not applying and its hunks are reviewed alone.  Lines of
   the applied file are numbered as the patch numbers them, so findings
   point into the patch even when the tree is another version.
2. **Headers.**  The ``#include``s of each touched file are resolved as
   kbuild does (``"x.h"`` beside the file, ``<x.h>`` in ``include/``,
   ``arch/ARCH/include/``, their ``uapi/`` and ``generated/`` directories,
   ``include/asm-generic/`` for ``<asm/x.h>``), two levels deep.
3. **An index** of ``include/`` and ``arch/ARCH/include/``: defines, enum
   constants, integer return types of functions, mask helpers and masked
   comparisons (see ``cscan``).  It is cached on disk under
   ``$XDG_CACHE_HOME/reviewbot/`` and rebuilt when a file of those
   directories changes (count, sizes and mtimes).

Nothing is ever written to the tree, and no path from a patch that is
absolute or contains ``..`` is opened.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import posixpath
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from . import cscan
from .model import FileChange, Patch, Series

DEFAULT_ARCH = "x86"
INCLUDE_DEPTH = 2
MAX_HEADERS = 400
MAX_FILE = 4 << 20  # bytes: larger files are not read
_INDEX_VERSION = 3
_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\s]+)[>"]', re.M)


def safe_path(path: str | None) -> str | None:
    """``path`` when it is a plain relative path inside a tree, else None."""
    if not path or "\0" in path or path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        return None
    parts = path.split("/")
    if any(p in ("..", "") for p in parts[:-1]) or parts[-1] in ("", "..", "."):
        return None
    return path


def arch_of(path: str, default: str = DEFAULT_ARCH) -> str:
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "arch" else default


class PostImage(str):
    """The text of a post-image file, with the patch's line number of each
    row (None: a row the patch does not number)."""

    rows: tuple[int | None, ...] | None = None

    @classmethod
    def make(cls, text: str, rows: tuple[int | None, ...] | None) -> "PostImage":
        s = cls(text)
        s.rows = rows
        return s


class ApplyError(Exception):
    pass


def _norm(s: str) -> str:
    return " ".join(s.split())


def _find(lines: list[str], pre: list[str], want: int, lo: int) -> int | None:
    """Where ``pre`` occurs in ``lines`` at or after ``lo``, nearest to ``want``."""
    n, k = len(lines), len(pre)
    if k == 0:
        return min(max(want, lo), n)
    first = pre[0]
    for exact in (True, False):
        cand_first = first if exact else _norm(first)
        best = None
        for i in range(lo, n - k + 1):
            li = lines[i] if exact else _norm(lines[i])
            if li != cand_first:
                continue
            if exact:
                ok = lines[i : i + k] == pre
            else:
                ok = all(_norm(a) == _norm(b) for a, b in zip(lines[i : i + k], pre))
            if ok and (best is None or abs(i - want) < abs(best - want)):
                best = i
                if i >= want:
                    break
        if best is not None:
            return best
    return None


def apply_file(text: str, fc: FileChange, number: bool = False) -> tuple[str, tuple[int | None, ...] | None]:
    """``text`` with the hunks of ``fc`` applied; with ``number``, the
    patch's new-side line number of each row of the result."""
    lines = text.split("\n")
    trailing = bool(lines) and lines[-1] == ""
    if trailing:
        lines.pop()
    out: list[str] = []
    rows: list[int | None] = []
    pos = 0  # next line of ``lines`` not yet copied
    shift = None  # output row - patch row, for rows outside hunks
    pending: list[int] = []  # output rows copied before the first hunk
    hunk_at: list[int] = []  # output rows that are hunk lines

    def copy_until(stop: int) -> None:
        nonlocal pos
        while pos < stop:
            out.append(lines[pos])
            if shift is None:
                pending.append(len(rows))
                rows.append(None)
            else:
                rows.append(len(out) - shift)
            pos += 1

    for i, h in enumerate(fc.hunks):
        pre = [ln.text for ln in h.lines if ln.kind != "+"]
        post = [ln for ln in h.lines if ln.kind != "-"]
        want = max(h.old_start - 1, 0) if pre else h.old_start  # old_len 0: insert after old_start
        at = _find(lines, pre, want, pos)
        if at is None:
            post_text = [ln.text for ln in post]
            already = _find(lines, post_text, max(h.new_start - 1, 0), pos) if post_text else None
            if already is None or not pre:
                raise ApplyError(f"hunk #{i + 1} ({h.header.split(' @@')[0]} @@) does not match the tree")
            copy_until(already)
            shift = len(out) - (h.new_start - 1)
            for j, ln in enumerate(post):
                out.append(lines[already + j])
                hunk_at.append(len(rows))
                rows.append(ln.new)
            pos = already + len(post)
            continue
        copy_until(at)
        shift = len(out) - (h.new_start - 1)
        for ln in post:
            out.append(ln.text)
            hunk_at.append(len(rows))
            rows.append(ln.new)
        pos = at + len(pre)
    copy_until(len(lines))
    if pending and fc.hunks:
        first_shift = None
        for r, v in enumerate(rows):
            if v is not None:
                first_shift = r + 1 - v
                break
        for r in pending:
            v = r + 1 - (first_shift or 0)
            rows[r] = v if v > 0 else None
    # a row outside the hunks must not take the number of another row
    hunk_rows = {ln.new for h in fc.hunks for ln in h.lines if ln.kind != "-" and ln.new is not None}
    outside = set(range(len(rows))) - set(hunk_at)
    result_rows: list[int | None] = []
    seen: set[int] = set()
    for r, v in enumerate(rows):
        if r not in outside:
            result_rows.append(v)
            continue
        if v is None or v in seen or v in hunk_rows:
            result_rows.append(None)
            continue
        seen.add(v)
        result_rows.append(v)
    result = "\n".join(out) + ("\n" if trailing or out else "")
    return result, tuple(result_rows) if number else None


# ------------------------------------------------------------------ index


@dataclass
class Index:
    """What the headers of ``include/`` and ``arch/ARCH/include/`` define."""

    signature: tuple = ()
    defines: dict[str, list[tuple[str, int, tuple | None, str]]] = field(default_factory=dict)
    enums: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    returns: dict[str, set[str]] = field(default_factory=dict)
    helpers: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # name -> (mask, path, line)
    compares: list[tuple[str, str, str, int, bool]] = field(default_factory=list)  # via, const, path, line, helper

    def add_file(self, path: str, text: str) -> None:
        text = cscan.live_text(text)
        for d in cscan.defines(text):
            self.defines.setdefault(d.name, []).append((path, d.line, d.params, d.value))
        for d in cscan.enum_constants(text):
            self.enums.setdefault(d.name, []).append((path, d.line, d.value))
        for name, typ, _line in cscan.return_types(text):
            self.returns.setdefault(name, set()).add(typ)
        for name, mask, line in cscan.mask_helpers(text):
            self.helpers.setdefault(name, (mask, path, line))

    def add_compares(self, path: str, text: str) -> None:
        for c in cscan.masked_compares(cscan.live_text(text), set(self.helpers)):
            self.compares.append((c.via, c.const, path, c.line, c.helper))


def _walk_files(root: str, rel_dirs: Iterable[str], suffixes=(".h",)) -> Iterator[tuple[str, os.stat_result]]:
    for rel in rel_dirs:
        top = os.path.join(root, rel)
        if not os.path.isdir(top):
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames.sort()
            for fn in sorted(filenames):
                if fn.endswith(suffixes):
                    full = os.path.join(dirpath, fn)
                    try:
                        st = os.stat(full)
                    except OSError:
                        continue
                    yield os.path.relpath(full, root).replace(os.sep, "/"), st


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "reviewbot")


@dataclass
class FileFacts:
    """The defines (enum constants included), return types and mask
    helpers of one file, outside ``#if 0``."""

    defines: dict[str, list[tuple[int, tuple | None, str]]]
    returns: dict[str, set[str]]
    helpers: dict[str, tuple[str, int]]

    @classmethod
    def of(cls, path: str, text: str) -> "FileFacts":
        text = cscan.live_text(text)
        defs: dict[str, list[tuple[int, tuple | None, str]]] = {}
        for d in cscan.defines(text):
            defs.setdefault(d.name, []).append((d.line, d.params, d.value))
        for d in cscan.enum_constants(text):
            defs.setdefault(d.name, []).append((d.line, None, d.value))
        rets: dict[str, set[str]] = {}
        for name, typ, _line in cscan.return_types(text):
            rets.setdefault(name, set()).add(typ)
        helpers = {name: (mask, line) for name, mask, line in cscan.mask_helpers(text)}
        return cls(defs, rets, helpers)


# ------------------------------------------------------------------- tree


class KernelTree:
    """A kernel source tree, read only."""

    def __init__(self, root: str, arch: str | None = None, cache_dir: str | None = None, use_cache: bool = True) -> None:
        if not os.path.isdir(root):
            raise ValueError(f"{root}: not a directory")
        self.root = os.path.realpath(root)
        self.arch = arch
        self.cache_dir = cache_dir or _cache_dir()
        self.use_cache = use_cache
        self._texts: dict[str, str | None] = {}
        self._indexes: dict[str, Index] = {}
        self._series: dict[int, Series] = {}
        self._images: dict[tuple, tuple[str | None, str | None]] = {}
        self._problems: dict[int, list[str]] = {}
        self._dir_compares: dict[str, list[tuple[str, str, str, int, bool]]] = {}
        self._header_cache: dict[tuple[str, str], tuple[str, ...]] = {}
        self._facts: dict[str, FileFacts | None] = {}

    # -- files
    def read(self, path: str) -> str | None:
        rel = safe_path(path)
        if rel is None:
            return None
        if rel in self._texts:
            return self._texts[rel]
        full = os.path.join(self.root, rel)
        text = None
        try:
            if os.path.isfile(full) and os.path.getsize(full) <= MAX_FILE:
                with open(full, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
        except OSError:
            text = None
        self._texts[rel] = text
        return text

    def facts(self, path: str) -> "FileFacts | None":
        """What the file ``path`` of the tree defines (cached)."""
        got = self._facts.get(path)
        if got is None and path not in self._facts:
            text = self.read(path)
            got = None if text is None else FileFacts.of(path, text)
            self._facts[path] = got
        return got

    def exists(self, path: str) -> bool:
        rel = safe_path(path)
        return rel is not None and os.path.isfile(os.path.join(self.root, rel))

    # -- series and post-images
    def register(self, series_list: Iterable[Series]) -> None:
        """Tell the tree which series each patch belongs to (for applying
        a patch on top of the ones before it)."""
        for s in series_list:
            for p in (*s.patches, *s.extras):
                self._series[id(p)] = s

    def problems(self, patch: Patch) -> list[str]:
        return self._problems.get(id(patch), [])

    def _note(self, patch: Patch, text: str) -> None:
        msgs = self._problems.setdefault(id(patch), [])
        if text not in msgs:
            msgs.append(text)

    def _before(self, patch: Patch) -> list[Patch]:
        series = self._series.get(id(patch))
        if series is None:
            return []
        out = []
        for p in series.patches:
            if p is patch:
                return out
            out.append(p)
        return []  # an extra (resend): applied alone

    def post_image(self, patch: Patch, fc: FileChange) -> str | None:
        """The whole post-image of ``fc`` (earlier patches of the series
        applied first), or None when the file cannot be built."""
        path = fc.path
        if safe_path(path) is None or fc.is_deleted or fc.is_binary:
            return None
        if fc.is_new:
            return None  # the patch shows the whole file
        key = (id(patch), path)
        if key in self._images:
            return self._images[key][0]
        text, where = self._base(patch, fc)
        if text is None:
            self._note(patch, f"{path}: not in the tree {self.root}: reviewing its hunks alone")
            self._images[key] = (None, None)
            return None
        try:
            result, rows = apply_file(text, fc, number=True)
        except ApplyError as exc:
            self._note(patch, f"{path}: the patch does not apply to the tree ({exc}{where}): reviewing its hunks alone")
            self._images[key] = (None, None)
            return None
        image = PostImage.make(result, rows)
        self._images[key] = (image, None)
        return image

    def _base(self, patch: Patch, fc: FileChange) -> tuple[str | None, str]:
        """The file as it is before ``patch``: the tree's copy with the
        earlier patches of the series applied."""
        old = fc.old_path or fc.path
        chain: list[FileChange] = []
        want = old
        for p in reversed(self._before(patch)):
            for f in p.files:
                if f.path == want and not f.is_deleted:
                    chain.append(f)
                    want = f.old_path or f.path
                    if f.is_new:
                        want = ""
                    break
            if not want:
                break
        chain.reverse()
        text = "" if not want else self.read(want)
        if text is None:
            return None, ""
        for f in chain:
            if f.is_new:
                text = "\n".join(ln.text for h in f.hunks for ln in h.lines if ln.kind != "-") + "\n"
                continue
            try:
                text, _ = apply_file(text, f)
            except ApplyError as exc:
                return text, f"; an earlier patch of the series did not apply either: {exc}"
        return text, ""

    # -- includes
    def header_candidates(self, c_path: str, quoted: bool, name: str) -> Iterator[str]:
        arch = arch_of(c_path, self.arch or DEFAULT_ARCH)
        if quoted:
            yield posixpath.normpath(posixpath.join(posixpath.dirname(c_path), name))
        bases = ("include", f"arch/{arch}/include", f"arch/{arch}/include/generated",
                 "include/uapi", f"arch/{arch}/include/uapi", f"arch/{arch}/include/generated/uapi")
        for base in bases:
            yield f"{base}/{name}"
        if name.startswith("asm/"):
            yield f"include/asm-generic/{name[4:]}"
            yield f"include/uapi/asm-generic/{name[4:]}"

    def resolve(self, c_path: str, quoted: bool, name: str) -> str | None:
        for cand in self.header_candidates(c_path, quoted, name):
            if safe_path(cand) is not None and not cand.startswith("../") and self.exists(cand):
                return cand
        return None

    def headers(self, path: str, text: str, depth: int = INCLUDE_DEPTH) -> tuple[str, ...]:
        """The headers ``text`` (the file ``path``) includes, resolved in the
        tree, breadth first, ``depth`` levels deep."""
        out: list[str] = []
        seen = {path}
        level = [(path, text)]
        for _ in range(depth):
            nxt = []
            for p, t in level:
                for quoted, name in self._includes(p, t):
                    h = self.resolve(p, quoted, name)
                    if h is None or h in seen:
                        continue
                    seen.add(h)
                    out.append(h)
                    if len(out) >= MAX_HEADERS:
                        return tuple(out)
                    ht = self.read(h)
                    if ht is not None:
                        nxt.append((h, ht))
            level = nxt
        return tuple(out)

    def _includes(self, path: str, text: str) -> list[tuple[bool, str]]:
        key = (path, str(hash(text)))
        cached = self._header_cache.get(key)
        if cached is None:
            cached = tuple(f"{m.group(1)}{m.group(2)}" for m in _INCLUDE.finditer(cscan.live_text(text)))
            self._header_cache[key] = cached
        return [(c[0] == '"', c[1:]) for c in cached]

    # -- the index
    def index(self, arch: str | None = None) -> Index:
        arch = arch or self.arch or DEFAULT_ARCH
        idx = self._indexes.get(arch)
        if idx is None:
            idx = self._indexes[arch] = self._load_index(arch)
        return idx

    def _index_dirs(self, arch: str) -> tuple[str, ...]:
        return ("include", f"arch/{arch}/include")

    def _signature(self, arch: str) -> tuple:
        count = size = latest = 0
        for _rel, st in _walk_files(self.root, self._index_dirs(arch)):
            count += 1
            size += st.st_size
            latest = max(latest, st.st_mtime_ns)
        return (_INDEX_VERSION, count, size, latest)

    def _cache_file(self, arch: str) -> str:
        key = hashlib.sha256(f"{self.root}\0{arch}\0{_INDEX_VERSION}".encode()).hexdigest()[:24]
        return os.path.join(self.cache_dir, f"index-{key}.pickle")

    def _load_index(self, arch: str) -> Index:
        sig = self._signature(arch)
        path = self._cache_file(arch)
        if self.use_cache:
            try:
                with open(path, "rb") as f:
                    idx = pickle.load(f)
                if isinstance(idx, Index) and idx.signature == sig:
                    return idx
            except (OSError, pickle.PickleError, EOFError, AttributeError, ValueError, TypeError):
                pass
        idx = self._build_index(arch)
        idx.signature = sig
        if self.use_cache:
            try:
                os.makedirs(self.cache_dir, exist_ok=True)
                tmp = f"{path}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    pickle.dump(idx, f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
            except OSError:
                pass
        return idx

    def _build_index(self, arch: str) -> Index:
        idx = Index()
        files = [rel for rel, _st in _walk_files(self.root, self._index_dirs(arch))]
        texts = []
        for rel in files:
            text = self._read_uncached(rel)
            if text is not None:
                idx.add_file(rel, text)
                texts.append((rel, text))
        for rel, text in texts:
            idx.add_compares(rel, text)
        return idx

    def _read_uncached(self, rel: str) -> str | None:
        try:
            with open(os.path.join(self.root, rel), "rb") as f:
                data = f.read(MAX_FILE + 1)
        except OSError:
            return None
        return None if len(data) > MAX_FILE else data.decode("utf-8", "replace")

    def dir_compares(self, directory: str, arch: str | None = None) -> list[tuple[str, str, str, int, bool]]:
        """Masked comparisons in the C files of ``directory`` (not below)."""
        rel = safe_path(directory.rstrip("/") + "/x")
        if rel is None:
            return []
        got = self._dir_compares.get(directory)
        if got is not None:
            return got
        helpers = set(self.index(arch).helpers)
        out: list[tuple[str, str, str, int, bool]] = []
        top = os.path.join(self.root, directory)
        try:
            names = sorted(os.listdir(top))
        except OSError:
            names = []
        for fn in names:
            if not fn.endswith((".c", ".h")):
                continue
            p = f"{directory}/{fn}" if directory else fn
            text = self.read(p)
            if text is None:
                continue
            for c in cscan.masked_compares(cscan.live_text(text), helpers):
                out.append((c.via, c.const, p, c.line, c.helper))
        self._dir_compares[directory] = out
        return out
