"""Fast text-level scanners for C files: what a tree index needs.

Parsing thousands of kernel headers with tree-sitter costs seconds; these
scanners read what the rules need from plain text in one pass each:

- ``defines``: object-like and function-like ``#define``s;
- ``enum_constants``: enumerators with their value as an expression
  (``B`` after ``A = 4`` is ``(A) + 1``), so the constant evaluator can
  compute them;
- ``return_types``: the declared integer return type of functions
  (prototypes and inline definitions);
- ``mask_helpers``: helpers that return their argument under a mask,
  ``static inline u64 hv_result(u64 s) { return s & HV_MASK; }`` or
  ``#define FOO_STATUS(x) ((x) & FOO_MASK)``;
- ``masked_compares``: where a value is compared with a constant under a
  named mask or through a helper, ``(x & MASK) == CODE`` and ``h(x) == CODE``.

Code inside ``#if 0`` is skipped by all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from .defines import strip_comments

_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_IF0 = re.compile(r"^\s*#\s*if\s+0\b")
_IFANY = re.compile(r"^\s*#\s*if")
_ELSE = re.compile(r"^\s*#\s*(else|elif)\b")
_ENDIF = re.compile(r"^\s*#\s*endif\b")
_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)(\(([^)]*)\))?(.*)$")
_IDENT = re.compile(r"[A-Za-z_]\w*\Z")


def dead_rows(lines: list[str]) -> set[int]:
    """Indexes of the lines inside ``#if 0`` blocks (the ``#else`` branch
    of an ``#if 0`` is live), the directives themselves included."""
    dead: set[int] = set()
    stack: list[str] = []  # per open #if: "dead", "live", "else-live"
    for i, text in enumerate(lines):
        if "#" in text:
            if _IF0.match(text):
                stack.append("dead")
                dead.add(i)
                continue
            if _IFANY.match(text):
                stack.append("live")
            elif _ELSE.match(text) and stack:
                if stack[-1] == "dead":
                    stack[-1] = "else-live"
                    dead.add(i)
                    continue
            elif _ENDIF.match(text) and stack:
                if stack.pop() == "dead":
                    dead.add(i)
                    continue
        if "dead" in stack:
            dead.add(i)
    return dead


def live_text(text: str) -> str:
    """``text`` with the lines inside ``#if 0`` blanked (line numbers kept)."""
    if "#if 0" not in text and not re.search(r"#\s*if\s+0", text):
        return text
    lines = text.split("\n")
    for i in dead_rows(lines):
        lines[i] = ""
    return "\n".join(lines)


@dataclass(frozen=True)
class Def:
    name: str
    value: str
    line: int
    params: tuple[str, ...] | None = None


def defines(text: str) -> Iterator[Def]:
    """The ``#define``s of ``text`` (continuations joined, comments removed)."""
    if "define" not in text:
        return
    lines = text.split("\n")
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i]
        start = i
        if "#" in ln and "define" in ln:
            parts = [ln]
            while parts[-1].endswith("\\") and i + 1 < n:
                parts[-1] = parts[-1][:-1]
                i += 1
                parts.append(lines[i])
            joined = " ".join(parts)
            m = _DEFINE.match(joined)
            if m:
                params = None
                if m.group(2) is not None:
                    params = tuple(p.strip() for p in m.group(3).split(",") if p.strip())
                yield Def(m.group(1), strip_comments(m.group(4)), start + 1, params)
        i += 1


_ENUM = re.compile(r"\benum\s*(?:[A-Za-z_]\w*\s*)?\{", re.S)


def _split_top(body: str) -> list[tuple[str, int]]:
    """Comma-separated items of ``body`` at parenthesis depth 0, with their offsets."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(body):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            out.append((body[start:i], start))
            start = i + 1
    out.append((body[start:], start))
    return out


def enum_constants(text: str) -> Iterator[Def]:
    """Enumerators as ``Def(name, value expression, line)``."""
    if "enum" not in text:
        return
    clean = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    for m in _ENUM.finditer(clean):
        end = clean.find("}", m.end())
        if end < 0:
            continue
        body = clean[m.end() : end]
        if "{" in body or ";" in body:
            continue  # not a plain enum body
        prev: str | None = None
        for item, off in _split_top(body):
            item_s = item.strip()
            if not item_s or item_s.startswith("#"):
                continue
            name, _, value = item_s.partition("=")
            name = name.strip()
            name = name.split()[0] if name.split() else ""
            if not _IDENT.match(name):
                prev = None
                continue
            value = " ".join(value.split())
            if value:
                expr = value
            elif prev is None:
                expr = "0"
            else:
                expr = f"({prev}) + 1"
            line = clean.count("\n", 0, m.end() + off + (len(item) - len(item.lstrip()))) + 1
            yield Def(name, expr, line)
            prev = name


_INT_TYPES = (
    r"(?:unsigned\s+long\s+long|long\s+long|unsigned\s+long|unsigned\s+int|unsigned|long|int|"
    r"u64|__u64|uint64_t|s64|__s64|int64_t|u32|__u32|uint32_t|s32|__s32|int32_t|u16|u8|bool|"
    r"size_t|ssize_t|phys_addr_t|hv_status_t)"
)
_FUNC_DECL = re.compile(
    r"^[ \t]*(?:(?:extern|static|inline|__always_inline|noinstr|__init|__must_check|notrace|asmlinkage|"
    r"__cold|__attribute_const__|__pure|__noinstr|__maybe_unused)\s+)*"
    r"(?:const\s+)?(" + _INT_TYPES + r")\s+\**\s*([A-Za-z_]\w*)\s*\(",
    re.M,
)


def return_types(text: str) -> Iterator[tuple[str, str, int]]:
    """(function name, integer return type, line) of prototypes and definitions."""
    for m in _FUNC_DECL.finditer(text):
        name = m.group(2)
        if name in ("if", "while", "for", "switch", "return", "sizeof"):
            continue
        yield name, " ".join(m.group(1).split()), text.count("\n", 0, m.start()) + 1


@dataclass(frozen=True)
class _Scan:
    """A regex that starts with a word (``\\b\\w+``), and the rest of it.

    The regex engine tries such a pattern at every word of the text, while
    it skips ahead to the first character of a pattern that starts with a
    literal or a class: searching for the rest first is many times faster,
    and when the rest is nowhere, the whole cannot match either."""

    whole: re.Pattern
    rest: re.Pattern

    @classmethod
    def of(cls, head: str, rest: str, flags: int = 0) -> "_Scan":
        return cls(re.compile(head + rest, flags), re.compile(rest, flags))

    def finditer(self, text: str) -> Iterator[re.Match]:
        return self.whole.finditer(text) if self.rest.search(text) else iter(())


_HELPER_FN = _Scan.of(
    r"\b([A-Za-z_]\w*)\s*\(\s*(?:const\s+)?[\w\s]*?\b([A-Za-z_]\w*)\s*",
    r"\)\s*\{\s*"
    r"return\s*\(?\s*\(?\s*([A-Za-z_]\w*)\s*\)?\s*&\s*\(?\s*([A-Z_][A-Z0-9_]*)\s*\)?\s*\)?\s*;\s*\}",
    re.S,
)
_HELPER_MACRO = re.compile(r"^\(*\s*\(?\s*([A-Za-z_]\w*)\s*\)?\s*&\s*\(?\s*([A-Z_][A-Z0-9_]*)\s*\)?\s*\)*$")


def mask_helpers(text: str) -> Iterator[tuple[str, str, int]]:
    """(helper, mask name, line) for functions and macros that return
    their one argument under a named mask."""
    if "&" not in text:
        return
    for m in _HELPER_FN.finditer(_COMMENT.sub(" ", text) if "/*" in text else text):
        fn, param, used, mask = m.groups()
        if param == used:
            yield fn, mask, text.count("\n", 0, m.start()) + 1
    for d in defines(text):
        if d.params and len(d.params) == 1:
            mm = _HELPER_MACRO.match(d.value)
            if mm and mm.group(1) == d.params[0]:
                yield d.name, mm.group(2), d.line


@dataclass(frozen=True)
class Compare:
    """A comparison with a constant under a mask or through a helper."""

    via: str  # the mask ("TDX_SEAMCALL_STATUS_MASK") or helper ("hv_result()")
    const: str  # the constant compared with
    line: int
    helper: bool = False


_OPERAND = r"[A-Za-z_][\w\.\->\[\]]*"
_CONST = r"[A-Z_][A-Z0-9_]*"
_MASKED_L = re.compile(
    r"\(\s*\(?\s*" + _OPERAND + r"\s*\)?\s*&\s*\(?\s*(" + _CONST + r")\s*\)?\s*\)\s*[!=]=\s*\(?\s*(" + _CONST + r")\b(?!\s*\()"
)
_MASKED_R = _Scan.of(
    r"\b(" + _CONST + r")\s*\)?\s*", r"[!=]=\s*\(\s*\(?\s*" + _OPERAND + r"\s*\)?\s*&\s*\(?\s*(" + _CONST + r")\s*\)?\s*\)"
)
_CALL_L = _Scan.of(r"\b([a-z_]\w*)\s*\(\s*(" + _OPERAND + r")\s*", r"\)\s*[!=]=\s*\(?\s*(" + _CONST + r")\b(?!\s*\()")
_CALL_R = _Scan.of(r"\b(" + _CONST + r")\s*", r"[!=]=\s*([a-z_]\w*)\s*\(\s*(" + _OPERAND + r")\s*\)")
_SWITCH_MASK = _Scan.of(r"\b", r"switch\s*\(\s*\(?\s*" + _OPERAND + r"\s*\)?\s*&\s*\(?\s*(" + _CONST + r")\s*\)?\s*\)\s*\{")
_SWITCH_CALL = _Scan.of(r"\b", r"switch\s*\(\s*([a-z_]\w*)\s*\(\s*" + _OPERAND + r"\s*\)\s*\)\s*\{")
_CASE = re.compile(r"\bcase\s+\(?\s*(" + _CONST + r")\s*\)?\s*:")
_BAD_CONST = frozenset({"NULL"})


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _switch_cases(text: str, start: int) -> Iterator[tuple[str, int]]:
    """The ``case`` labels of the switch whose body opens at ``start``."""
    depth = 0
    for i in range(start, min(len(text), start + 20000)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                body = text[start:i]
                for m in _CASE.finditer(body):
                    yield m.group(1), start + m.start()
                return


def masked_compares(text: str, helpers: frozenset[str] | set[str] = frozenset()) -> Iterator[Compare]:
    """Comparisons with constants under a named mask, or through one of
    ``helpers`` (mask helper names)."""
    if "&" not in text and not helpers:
        return
    equality = "==" in text or "!=" in text  # the compares below need one, or a switch
    switch = "switch" in text
    if not equality and not switch:
        return
    if equality and "&" in text:
        for m in _MASKED_L.finditer(text):
            mask, const = m.group(1), m.group(2)
            if mask != const and const not in _BAD_CONST:
                yield Compare(mask, const, _line(text, m.start()))
        for m in _MASKED_R.finditer(text):
            const, mask = m.group(1), m.group(2)
            if mask != const and const not in _BAD_CONST:
                yield Compare(mask, const, _line(text, m.start()))
    if switch and "&" in text:
        for m in _SWITCH_MASK.finditer(text):
            for const, pos in _switch_cases(text, m.end() - 1):
                yield Compare(m.group(1), const, _line(text, pos))
    if not helpers:
        return
    if equality:
        for m in _CALL_L.finditer(text):
            if m.group(1) in helpers and m.group(3) not in _BAD_CONST:
                yield Compare(f"{m.group(1)}()", m.group(3), _line(text, m.start()), helper=True)
        for m in _CALL_R.finditer(text):
            if m.group(2) in helpers and m.group(1) not in _BAD_CONST:
                yield Compare(f"{m.group(2)}()", m.group(1), _line(text, m.start()), helper=True)
    if switch:
        for m in _SWITCH_CALL.finditer(text):
            if m.group(1) in helpers:
                for const, pos in _switch_cases(text, m.end() - 1):
                    yield Compare(f"{m.group(1)}()", const, _line(text, pos), helper=True)
