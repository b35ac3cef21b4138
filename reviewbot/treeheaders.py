"""The macros of the headers a C file includes, read from a kernel tree.

A patch mail shows only the ``#define`` lines of its hunks; in a tree the
headers are there.  For each ``#include`` of a file (one level, not the
headers' own includes) the header is looked up as the kernel's Makefiles
would find it: ``"x.h"`` beside the file; ``<x.h>`` in ``include/``,
``arch/ARCH/include/`` (ARCH from the file's path, x86 for files outside
``arch/``), their ``uapi/`` directories, and ``include/asm-generic/`` for
``<asm/x.h>``.  Its defines are given to the rules as context lines
(``kind=" "``), before the patch's own, so the patch's definitions win.
"""

from __future__ import annotations

import posixpath
import re
from typing import Callable, Iterator

from .defines import file_defines
from .model import FileChange, Hunk, Line
from .rule import Define

Reader = Callable[[str], "str | None"]  # path -> text at the commit, or None
DEFAULT_ARCH = "x86"
_INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"\s]+)[>"]', re.M)


def includes(text: str) -> list[tuple[bool, str]]:
    """(quoted, name) of each ``#include`` of ``text``, in order."""
    return [(m.group(1) == '"', m.group(2)) for m in _INCLUDE.finditer(text)]


def candidates(c_path: str, quoted: bool, name: str) -> Iterator[str]:
    parts = c_path.split("/")
    arch = parts[1] if len(parts) > 2 and parts[0] == "arch" else DEFAULT_ARCH
    if quoted:
        yield posixpath.normpath(posixpath.join(posixpath.dirname(c_path), name))
    for base in ("include", f"arch/{arch}/include", "include/uapi", f"arch/{arch}/include/uapi"):
        yield f"{base}/{name}"
    if name.startswith("asm/"):
        yield f"include/asm-generic/{name[4:]}"


def header_defines(c_path: str, text: str, read: Reader, skip: frozenset[str] = frozenset()) -> tuple[Define, ...]:
    """The defines of the headers ``text`` (the file ``c_path``) includes;
    headers in ``skip`` (those the patch itself shows) are left out."""
    out: list[Define] = []
    seen: set[str] = set()
    for quoted, name in includes(text):
        for path in candidates(c_path, quoted, name):
            if path.startswith("../") or path in seen:
                continue
            header = read(path)
            if header is None:
                continue
            seen.add(path)
            if path not in skip:
                out.extend(file_defines(_as_context(path, header)))
            break
    return tuple(out)


def _as_context(path: str, text: str) -> FileChange:
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    lines = tuple(Line(" ", t, i, i) for i, t in enumerate(rows, 1))
    return FileChange(path, path, (Hunk(1, len(lines), 1, len(lines), "", lines),))
