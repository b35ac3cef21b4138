"""The anatomy of a patch: which changed lines are refactoring, which are new.

``classify(patch)`` sorts every changed line of a patch into pieces:

- ``moved``: lines removed in one place and added, identical modulo
  whitespace, in another hunk of the same file or in another file;
- ``moved-edited``: the same, but some lines changed on the way
  (``BIT(18)`` -> ``BIT_ULL(18)``); ``Piece.edits`` says what changed;
- ``whitespace``: an existing line re-added with only its alignment
  changed (a non-leading whitespace change, trailing whitespace removed,
  spaces turned into tabs at the same column); ``Piece.tied`` when the
  change belongs to the edit around it (re-indented into a new block,
  realigned with a statement that changes, shown removed and added again
  unchanged): whitespace, but not a refactoring of its own;
- ``renamed``: lines whose only change is a consistent identifier
  substitution across the patch (``old_name`` -> ``new_name`` everywhere,
  the definition included);
- ``comment``: changed lines that are comments only (C ``/* */`` and
  ``//``; ``#`` in Kconfig, Makefiles, YAML and scripts);
- ``new``: everything else the patch adds (with the lines it replaces);
- ``deleted``: removed lines that went nowhere.

Moves need substance: a ``#define``, a top-level declaration or
definition, or a block of at least ``MIN_BLOCK`` non-trivial lines.  A lone
``return ret;`` removed here and added there is an idiom, not a move.
Lines swapped inside one hunk are part of the edit, and so is a line
re-indented (leading whitespace, new column) or realigned as part of a
statement, a struct or an initializer the patch changes anyway.  Not
moves either: members of a struct the patch removes, inlined where the
struct was used; and same-file "moves" that only jump over lines the
patch adds copies of (a diff artefact in a long table).

Lines of ``.c``/``.h`` files are compared as C tokens (``a+b`` equals
``a + b``); other files by whitespace-normalised text.

``reviewbot anatomy`` / ``reviewbot split`` and rule RB401 build on this.
"""

from __future__ import annotations

import difflib
import enum
import heapq
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Iterator, Sequence

from .model import C_SUFFIXES, FileChange, Line, Patch

MIN_BLOCK = 3  # non-trivial lines an unnamed moved block needs
MAX_PAIRS_PER_KEY = 4000  # seeds tried for one line text (huge patches)


class PieceKind(str, enum.Enum):
    MOVED = "moved"
    MOVED_EDITED = "moved-edited"
    WHITESPACE = "whitespace"
    RENAMED = "renamed"
    COMMENT = "comment"
    NEW = "new"
    DELETED = "deleted"

    @property
    def is_refactor(self) -> bool:
        """Moves, realignments and renames: what a preparatory patch holds."""
        return self in (PieceKind.MOVED, PieceKind.MOVED_EDITED, PieceKind.WHITESPACE, PieceKind.RENAMED)


@dataclass(frozen=True)
class Loc:
    """A changed line of the patch and where it is."""

    path: str
    hunk: int  # index of the hunk in its FileChange
    line: Line

    @property
    def text(self) -> str:
        return self.line.text

    @property
    def number(self) -> int:
        """The new-side number of an added line, the old-side one of a removed line."""
        n = self.line.new if self.line.kind == "+" else self.line.old
        return n if n is not None else 0


@dataclass(frozen=True)
class Edit:
    """What changed in a moved line: ``old`` -> ``new`` fragments."""

    old: str
    new: str

    def __str__(self) -> str:
        if not self.old:
            return f"added {self.new}"
        if not self.new:
            return f"dropped {self.old}"
        return f"{self.old} -> {self.new}"


@dataclass(frozen=True)
class Piece:
    kind: PieceKind
    removed: tuple[Loc, ...]  # pre-image lines (source of a move, old text of a realignment)
    added: tuple[Loc, ...]  # post-image lines
    name: str = ""  # "TDX_SUCCESS, TDX_RND_NO_ENTROPY", "foo()", "struct bar", "4 lines"
    edits: tuple[Edit, ...] = ()
    tied: bool = False  # whitespace only, but part of the edit (re-indented into a new block, ...)

    @property
    def src_path(self) -> str:
        return self.removed[0].path if self.removed else ""

    @property
    def dst_path(self) -> str:
        return self.added[0].path if self.added else ""

    @property
    def src(self) -> str:
        """``path:line`` or ``path:first-last`` of the removed lines."""
        return _span(self.removed)

    @property
    def dst(self) -> str:
        return _span(self.added)

    @property
    def first_new(self) -> int | None:
        return min((loc.number for loc in self.added), default=None)

    @property
    def separable(self) -> bool:
        """A refactoring worth a patch of its own: a rename counts from two
        lines on (the definition and a use); a lone renamed definition
        does not."""
        if self.tied or not self.kind.is_refactor:
            return False
        return self.kind is not PieceKind.RENAMED or len(self.added) >= 2


@dataclass(frozen=True)
class Anatomy:
    patch: Patch
    pieces: tuple[Piece, ...] = field(default=())

    def of_kind(self, *kinds: PieceKind) -> tuple[Piece, ...]:
        return tuple(p for p in self.pieces if p.kind in kinds)

    @property
    def refactors(self) -> tuple[Piece, ...]:
        """Moves, realignments and renames (not whitespace tied to an edit)."""
        return tuple(p for p in self.pieces if p.kind.is_refactor and not p.tied)

    @property
    def moves(self) -> tuple[Piece, ...]:
        return self.of_kind(PieceKind.MOVED, PieceKind.MOVED_EDITED)

    @property
    def is_pure_refactor(self) -> bool:
        """Moves, realignments and renames and no new code: no feature
        line, and at most one line of substance deleted on the way."""
        if not any(p.separable for p in self.pieces) or self.feature_lines():
            return False
        dropped = [
            loc for p in self.of_kind(PieceKind.DELETED, PieceKind.NEW) for loc in p.removed
            if not _is_trivial(loc.text) and not _COMMENT_LINE.match(loc.text) and not _is_glue(loc, set())
        ]
        return len(dropped) <= 1

    def feature_lines(self) -> tuple[Loc, ...]:
        """Added lines of ``new`` pieces that carry new code.

        Not new code: blank lines, braces, ``return 0;``, comments; glue such
        as an ``#include``, a header guard, ``EXPORT_SYMBOL`` or a Makefile
        line (a move to a new file brings those along); a line the patch
        also removes somewhere (a small function moved, a call kept); the
        header of a function whose body was moved into it, and the calls to
        it (a helper extracted from existing code); a line that differs from
        one it replaces only in its names."""
        moved_names = {n for p in self.moves for n in _names(p.added)}
        extracted, glue = _extracted_functions(self)
        moved_names |= extracted
        gone = {
            line_key(loc.text, loc.path.endswith(C_SUFFIXES))
            for p in self.pieces
            if p.kind in (PieceKind.NEW, PieceKind.DELETED) or p.tied
            for loc in p.removed
        }
        calls = re.compile(r"\b(" + "|".join(re.escape(n[:-2]) for n in moved_names if n.endswith("()")) + r")\s*\(") if any(n.endswith("()") for n in moved_names) else None
        out = []
        for p in self.of_kind(PieceKind.NEW):
            # a line that only swaps names (the rest of a rename the
            # checks above could not prove) is not new code
            shapes = {_skeleton(c_tokens(loc.text)) for loc in p.removed}
            for loc in p.added:
                if shapes and _skeleton(c_tokens(loc.text)) in shapes:
                    continue
                if id(loc.line) in glue or _is_glue(loc, moved_names):
                    continue
                if line_key(loc.text, loc.path.endswith(C_SUFFIXES)) in gone:
                    continue
                if calls is not None and calls.search(loc.text):
                    continue
                out.append(loc)
        return tuple(out)


def _extracted_functions(anatomy: Anatomy) -> tuple[set[str], set[int]]:
    """Functions the patch adds whose bodies are mostly moved code: their
    ``name()`` and the ids of all their lines (header, locals, braces)."""
    moved = {id(loc.line) for p in anatomy.moves for loc in p.added}
    names: set[str] = set()
    glue: set[int] = set()
    for fc in anatomy.patch.files:
        if not fc.is_c:
            continue
        for hunk in fc.hunks:
            name, body, from_move, span, in_head = "", 0, 0, [], False
            for ln in hunk.lines:
                if ln.kind == "-":
                    continue
                m = _FUNC_HEAD.match(ln.text) if ln.kind == "+" else None
                if m and m.group(1) not in _KEYWORDS:
                    name, body, from_move, span, in_head = m.group(1), 0, 0, [ln], not ln.text.rstrip().endswith("{")
                    continue
                if not name:
                    continue
                if in_head:  # the parameter lines of the header
                    span.append(ln)
                    in_head = ln.text.strip() != "{" and not ln.text.rstrip().endswith(("{", ")"))
                    continue
                if _LOCAL_DECL.match(ln.text) or _is_trivial(ln.text):
                    span.append(ln)  # locals and braces adapt the moved code
                if ln.text.startswith("}"):
                    if body and from_move * 2 >= body:
                        names.add(f"{name}()")
                        glue.update(id(x) for x in span)
                    name = ""
                    continue
                if not _is_trivial(ln.text):
                    body += 1
                    from_move += id(ln) in moved
    return names, glue


# --- tokens and keys -------------------------------------------------------

_C_TOKEN = re.compile(
    r"""[A-Za-z_]\w*
      | 0[xX][0-9a-fA-F]+[uUlL]*
      | \d+(?:\.\d*)?(?:[eE][+-]?\d+)?[uUlLfF]*
      | "(?:\\.|[^"\\])*"?
      | '(?:\\.|[^'\\])*'?
      | ->|\+\+|--|<<=?|>>=?|&&|\|\||\#\#|\.\.\.|[<>=!&|^+\-*/%]=
      | \S""",
    re.X,
)


def c_tokens(text: str) -> list[str]:
    """C tokens of one line; whitespace is not a token (strings keep theirs)."""
    return _C_TOKEN.findall(text)


def line_key(text: str, is_c: bool) -> str:
    """What two lines share when they are equal modulo whitespace."""
    if is_c:
        return "\x1f".join(c_tokens(text))
    return " ".join(text.split())


def _visual_indent(text: str) -> int:
    col = 0
    for ch in text:
        if ch == "\t":
            col = (col // 8 + 1) * 8
        elif ch == " ":
            col += 1
        else:
            break
    return col


def _gaps(text: str) -> list[bool]:
    """For each boundary between two tokens of a line: is there whitespace?"""
    toks = list(_C_TOKEN.finditer(text))
    return [toks[i + 1].start() > toks[i].end() for i in range(len(toks) - 1)]


def _gap_added_or_dropped(old: str, new: str) -> bool:
    a, b = _gaps(old), _gaps(new)
    return len(a) != len(b) or any(x != y for x, y in zip(a, b))


def _is_realignment(old: str, new: str) -> bool:
    """Equal modulo whitespace, and not re-indented to a new column."""
    if old == new:
        return False
    if _visual_indent(old) != _visual_indent(new):
        return False  # re-indented: the patch changed the block structure
    return True


# --- what a line is --------------------------------------------------------

_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)")
_INCLUDE = re.compile(r"^\s*#\s*(include|ifn?def|endif|else|elif|if|undef|pragma)\b")
_FUNC = re.compile(r"^[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*\(")
_AGGREGATE = re.compile(r"^(?:typedef\s+)?(struct|union|enum)\s+([A-Za-z_]\w*)\s*(\{|$)")
_TYPEDEF = re.compile(r"^typedef\b.*?\b([A-Za-z_]\w*)\s*;")
_DECL = re.compile(r"^(?:static\s+|extern\s+|const\s+)*[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*(\[[^\]]*\])?\s*(=|;)")
_FUNC_PTR = re.compile(r"\(\s*\*\s*([A-Za-z_]\w*)\s*\)")
_LOCAL_DECL = re.compile(
    r"^\s+(const\s+|static\s+|unsigned\s+|struct\s+|enum\s+|union\s+)*[A-Za-z_]\w*[\s\*]+[A-Za-z_]\w*"
    r"(\[[^\]]*\])?(\s*=\s*[^;]+)?(\s*,\s*\**\s*[A-Za-z_]\w*(\s*=\s*[^;,]+)?)*;\s*$"
)
_PP_COND = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else)\b")
_FORWARD = re.compile(r"^(struct|union|enum)\s+\w+\s*;")  # struct pci_dev;
_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do", "else", "case", "goto", "typeof"}
_GLUE = re.compile(
    r"^\s*(#\s*(include|if|ifdef|ifndef|elif|else|endif|undef|pragma\s+once)\b"
    r"|#\s*define\s+(TRACE_SYSTEM|TRACE_INCLUDE_\w+|CREATE_TRACE_POINTS)\b"
    r"|EXPORT_SYMBOL(_GPL)?(_NS(_GPL)?)?\s*\("
    r"|MODULE_(IMPORT_NS|LICENSE|AUTHOR|DESCRIPTION)\s*\("
    r"|//\s*SPDX-License-Identifier"
    r"|/\*\s*SPDX-License-Identifier)"
)
_TRIVIAL = re.compile(
    r"""^\s*(
        [{}();,\\]*                                   # braces, blank
      | \}?\s*else\s*\{?                              # else
      | (return|break|continue|goto\s+\w+|return\s+-?\w+|fallthrough)\s*;   # jumps
      | \w+:                                          # a label
      | default:|case\s+\w+:
      | /\*+|\*+/|\*|\*\s*\S{0,3}|/\*\s*\*/           # comment edges
      | \#\s*(endif|else)\b.*
      | if\s*\(\s*!?\s*\w+\s*\)\s*\{?                 # if (ret)
      | (return|if|while)?\s*\(?\s*(ret|err|rc|error|status)\s*[<!=]=?\s*0?\s*\)?;?
    )\s*$""",
    re.X,
)
_COMMENT_LINE = re.compile(r"^\s*(/\*.*|\*(\s.*|/.*)?|//.*)$")  # not "*val = 1;"


def _is_trivial(text: str) -> bool:
    """A line that says nothing on its own: blank, brace, jump, label, comment edge."""
    return bool(_TRIVIAL.match(text)) or len(text.strip()) <= 2


def _is_glue(loc: Loc, moved_names: set[str]) -> bool:
    text = loc.text
    if _is_trivial(text) or _COMMENT_LINE.match(text):
        return True
    base = loc.path.rsplit("/", 1)[-1]
    if base in ("Makefile", "Kbuild", "MAINTAINERS"):
        return True  # build and maintainer glue of a moved file
    if _GLUE.match(text):
        return True
    m = _DEFINE.match(text)
    if m and m.group(1).endswith(("_H", "_H_", "_H__")):
        return True  # header guard
    name = _top_name(text)
    if name and name in moved_names and text.rstrip().endswith(";"):
        return True  # the prototype of a moved function
    return False


def _top_name(text: str) -> str:
    """The name a top-level C line defines or declares ("" if none)."""
    if not text or text[0].isspace():
        return ""
    m = _DEFINE.match(text)
    if m:
        return m.group(1)
    m = _AGGREGATE.match(text)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    if text.startswith("typedef"):
        m = _FUNC_PTR.search(text) or _TYPEDEF.match(text)
        return m.group(1) if m else ""
    m = _FUNC.match(text)
    if m and m.group(1) not in _KEYWORDS:
        return f"{m.group(1)}()"
    m = _DECL.match(text)
    if m and m.group(1) not in _KEYWORDS and not text.startswith(("return", "goto")):
        return m.group(1)
    return ""


def _strip_comment(text: str) -> str:
    return _LINE_COMMENTS.sub("", text).rstrip()


def _names(locs: Iterable[Loc]) -> list[str]:
    out: dict[str, None] = {}  # in the order of their first line
    for loc in locs:
        text = loc.line.text
        if text[:1].isspace() or not loc.path.endswith(C_SUFFIXES):
            continue  # an indented line has no top-level name
        n = _top_name(text)
        if n:
            out[n] = None
    return list(out)


def _has_substance(locs: Sequence[Loc], same_file: bool, stmt_ids: Sequence) -> bool:
    """A macro, a complete top-level declaration, or a real block of code.
    Inside one file a single declaration moved up or down is a reorder
    that serves the edit: there it takes two, or a block.  ``stmt_ids``:
    the statement of each line (lines of one statement share it)."""
    named = 0
    for loc in locs:
        text = loc.text
        if not loc.path.endswith(C_SUFFIXES) or not _top_name(text):
            continue
        if _DEFINE.match(text) and not _INCLUDE.match(text):
            m = _DEFINE.match(text)
            if not m.group(1).endswith(("_H", "_H_", "_H__")):
                named += 1
        elif _strip_comment(text).endswith(";") and not _FORWARD.match(text):
            named += 1
    if named >= (2 if same_file else 1):
        return True
    code = [i for i, loc in enumerate(locs) if not _is_trivial(loc.text) and not _COMMENT_LINE.match(loc.text)]
    if len(code) < MIN_BLOCK:
        return False
    # a block, not one statement wrapped over three lines
    return len({stmt_ids[i] for i in code}) >= 2


def _piece_name(locs: Sequence[Loc]) -> str:
    names = _names(locs)
    macros = [n for n in names if not n.endswith("()") and " " not in n]
    if names:
        if len(names) <= 3:
            return ", ".join(names)
        if len(macros) == len(names):
            return f"{', '.join(names[:2])} and {len(names) - 2} other macros"
        return f"{', '.join(names[:2])} and {len(names) - 2} more"
    n = sum(1 for loc in locs if loc.text.strip())
    return f"{n} line" if n == 1 else f"{n} lines"


def _span(locs: Sequence[Loc]) -> str:
    if not locs:
        return ""
    nums = [loc.number for loc in locs if loc.text.strip()] or [loc.number for loc in locs]
    lo, hi = min(nums), max(nums)
    return f"{locs[0].path}:{lo}" if lo == hi else f"{locs[0].path}:{lo}-{hi}"


# --- statements: which lines belong together -------------------------------

_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')
_CONTROL = re.compile(r"^\s*(\}\s*)?(else\s+)?(if|for|while|switch)\b")
_CONTINUES = re.compile(r"(\\|&&|\|\||[-+*/%|&^=?<>:(]|\breturn)$")
_CONTINUES_SPAN = 6  # the longest text _CONTINUES matches: "return"
# compiled once: _statement_ids runs them on every line of a hunk side
_LINE_COMMENTS = re.compile(r"/\*.*?\*/|//.*$")
_LABEL = re.compile(r"^\s*(\w+|case\s+.*|default)\s*:$")
_ELSE_ALONE = re.compile(r"^\s*\}?\s*else$")


def _code(text: str) -> str:
    """A C line without its comments, string and character literals
    emptied (``""``), trailing whitespace stripped."""
    if '"' in text or "'" in text:
        text = _STRINGS.sub('""', text)
    if "/" in text:
        text = _LINE_COMMENTS.sub("", text)
    return text.rstrip()


def _statement_ids(codes: Sequence[str]) -> list[int]:
    """Group consecutive lines of C (as :func:`_code` gives them) into
    statements: a line whose parentheses stay open, or that ends in an
    operator or a backslash, continues."""
    ids: list[int] = []
    sid = 0
    depth = 0
    head = ""  # first code line of the current statement
    for code in codes:
        ids.append(sid)
        if not head and code:
            head = code
        if "(" in code or ")" in code:
            depth = max(0, depth + code.count("(") - code.count(")"))
        if depth:
            continue
        # only the end of the line can match: search there
        if _CONTINUES.search(code, max(0, len(code) - _CONTINUES_SPAN)) and not _LABEL.match(code):
            continue
        # "if (x)" without a brace owns the statement below it
        if code.endswith(")") and _CONTROL.match(head) or code.endswith("else") and _ELSE_ALONE.match(code):
            continue
        sid += 1
        head = ""
    return ids


# --- comments and data blocks ----------------------------------------------

_HASH_COMMENTS = re.compile(r"(^|/)(Kconfig[^/]*|Makefile[^/]*|Kbuild[^/]*|[^/]*\.(ya?ml|sh|py|pl|mk|cfg|conf|ini))$")
_SLASH_COMMENTS = re.compile(r"\.(c|h|S|dts|dtsi|rs|cpp|cc|hpp|lds)$")


def comment_style(path: str) -> str:
    """"c" (``/* */``, ``//``), "hash" (``#``) or "" (no comments known)."""
    if _SLASH_COMMENTS.search(path):
        return "c"
    if _HASH_COMMENTS.search(path):
        return "hash"
    return ""


_COMMENT_SCAN = re.compile(r'"(?:\\.|[^"\\])*"?|\'(?:\\.|[^\'\\])*\'?|/\*|//')


def comment_flags(texts: Sequence[str], style: str) -> list[bool]:
    """For each line: it holds a comment and nothing else (blank lines: False).

    A hunk may start inside a block comment: a line that starts with ``*``
    followed by a space, or with ``*/``, is taken as comment text."""
    if style == "":
        return [False] * len(texts)
    if style == "hash":
        return [text.lstrip().startswith("#") for text in texts]
    out: list[bool] = []
    inside = False
    for text in texts:
        if not inside and "/" not in text and "*" not in text:
            out.append(False)  # code or blank
            continue
        s = text.strip()
        if not s:
            out.append(False)
            continue
        if not inside and "/" not in s and not s.startswith("*"):
            out.append(False)  # no comment on the line: code
            continue
        pos = 0
        code = False
        if inside or s == "*" or s.startswith(("* ", "*\t", "*/", "**")):
            end = s.find("*/")
            if end < 0:
                out.append(True)  # still in the comment (a guess stays a guess: inside is not set)
                continue
            inside = False
            pos = end + 2
        while pos < len(s):
            m = _COMMENT_SCAN.search(s, pos)
            if m is None:
                code = code or bool(s[pos:].strip())
                break
            code = code or bool(s[pos : m.start()].strip())
            tok = m.group()
            if tok == "//":
                break
            if tok == "/*":
                end = s.find("*/", m.end())
                if end < 0:
                    inside = True
                    break
                pos = end + 2
                continue
            code = True  # a string
            pos = m.end()
        out.append(not code)
    return out


_DATA_OPENER = re.compile(r"(=\s*\{|^\s*(typedef\s+)?(static\s+)?(const\s+)?(struct|union|enum)\b[^()]*\{)\s*$")


_BRACES = re.compile(r"[{}]")


def _data_blocks(codes: Sequence[str]) -> list[int | None]:
    """For each line of one side of a hunk (C, as :func:`_code` gives it),
    the struct body or initializer it is in: the index of the line that
    opened it, or None for code, top level and blocks opened before the
    hunk (the @@ section does not say whether the hunk is still inside the
    block it names)."""
    out: list[int | None] = []
    stack: list[int | None] = []  # opener index for data blocks, None for code blocks
    for i, code in enumerate(codes):
        if stack and code.lstrip().startswith("}"):
            stack.pop()
            code = code.lstrip()[1:]
        out.append(stack[-1] if stack else None)
        if "{" not in code and "}" not in code:
            continue
        # an opener ends in "{" (codes carry no trailing whitespace)
        is_data = code.endswith("{") and _DATA_OPENER.search(code) is not None
        for ch in _BRACES.findall(code):  # in the order they appear: "{ x }," opens and closes
            if ch == "{":
                stack.append(i if is_data else None)
            elif stack:
                stack.pop()
    return out


# --- classification --------------------------------------------------------


class _Side:
    """One side of a hunk: its context lines and its removed (or its
    added) lines, in order.  What a changed line's neighbours decide (the
    statement it belongs to, the struct or initializer it is in) is worked
    out when first asked: only pairs of removed and added lines need it."""

    def __init__(self, where: tuple[int, int, str], texts: list[str], is_c: bool) -> None:
        self.where = where  # (file, hunk, "-" or "+")
        self.texts = texts
        self.is_c = is_c

    @cached_property
    def _codes(self) -> list[str]:
        return [_code(t) for t in self.texts]

    @cached_property
    def statements(self) -> list[tuple]:
        """The statement of each line: equal for the lines of one statement."""
        ids = _statement_ids(self._codes) if self.is_c else range(len(self.texts))
        return [(self.where, sid) for sid in ids]

    @cached_property
    def data(self) -> list[tuple | None]:
        """The struct body or initializer each line is in (None: code or top level)."""
        if not self.is_c:
            return [None] * len(self.texts)
        return [None if d is None else (*self.where, d) for d in _data_blocks(self._codes)]


@dataclass(eq=False, slots=True)
class _Ch:
    """A changed line while classifying."""

    loc: Loc
    seq: int  # index in its side's global list
    block: tuple[int, int, int]  # (file, hunk, change block)
    fh: tuple[int, int]  # (file, hunk)
    side: _Side
    pos: int  # index in side.texts
    comment: bool = False  # the line is a comment and nothing else
    kind: PieceKind | None = None  # set when assigned to a piece
    _tokens: list[str] | None = None  # c_tokens() of the line, once asked for
    _key: str | None = None  # its line_key(), once asked for

    @property
    def tokens(self) -> list[str]:
        if self._tokens is None:
            self._tokens = c_tokens(self.loc.line.text)
        return self._tokens

    @property
    def key(self) -> str:
        """line_key() of the line."""
        if self._key is None:
            self._key = "\x1f".join(self.tokens) if self.side.is_c else line_key(self.loc.line.text, False)
        return self._key

    @property
    def blank(self) -> bool:
        """A blank line: the key is empty."""
        text = self.loc.line.text
        return not text or text.isspace()

    @property
    def stmt(self) -> tuple:
        """The statement the line belongs to (on its side of the hunk)."""
        return self.side.statements[self.pos]

    @property
    def data(self) -> tuple | None:
        """The struct / initializer body the line is in (None: code or top level)."""
        return self.side.data[self.pos]


def _collect(patch: Patch) -> tuple[list[_Ch], list[_Ch], list[tuple[list[_Ch], list[_Ch]]]]:
    removed: list[_Ch] = []
    added: list[_Ch] = []
    blocks: list[tuple[list[_Ch], list[_Ch]]] = []
    for fi, fc in enumerate(patch.files):
        if fc.is_binary:
            continue
        path = fc.path
        is_c = fc.is_c
        style = comment_style(path)
        for hi, hunk in enumerate(fc.hunks):
            lines = hunk.lines
            fh = (fi, hi)
            old = _Side((fi, hi, "-"), [ln.text for ln in lines if ln.kind != "+"], is_c)
            new = _Side((fi, hi, "+"), [ln.text for ln in lines if ln.kind != "-"], is_c)
            # comment flags for the sides with changed lines (removed lines
            # make the new side shorter than the hunk, added ones the old)
            old_flags = comment_flags(old.texts, style) if len(new.texts) < len(lines) else []
            new_flags = comment_flags(new.texts, style) if len(old.texts) < len(lines) else []
            oi = ni = 0  # position on each side
            rem: list[_Ch] = []
            add: list[_Ch] = []
            block = (fi, hi, 0)
            for ln in lines:
                kind = ln.kind
                if kind == " ":
                    oi += 1
                    ni += 1
                    if rem or add:
                        blocks.append((rem, add))
                        rem, add = [], []
                        block = (fi, hi, block[2] + 1)
                    continue
                if kind == "-":
                    ch = _Ch(Loc(path, hi, ln), len(removed), block, fh, old, oi, old_flags[oi])
                    oi += 1
                    removed.append(ch)
                    rem.append(ch)
                else:
                    ch = _Ch(Loc(path, hi, ln), len(added), block, fh, new, ni, new_flags[ni])
                    ni += 1
                    added.append(ch)
                    add.append(ch)
            if rem or add:
                blocks.append((rem, add))
    return removed, added, blocks


def _equal_pairs(a: Sequence, b: Sequence) -> list[tuple[int, int]]:
    """(i, j) for the items a[i] == b[j] that difflib matches up (its
    "equal" opcodes); without difflib for the most common change blocks."""
    if a == b:
        return [(i, i) for i in range(len(a))]
    if len(a) == 1 == len(b):
        return []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [(i + k, j + k) for i, j, size in sm.get_matching_blocks() for k in range(size)]


def _pair_in_place(blocks) -> tuple[list[tuple[_Ch, _Ch]], list[tuple[_Ch, _Ch]]]:
    """Lines of one change block equal modulo whitespace: (removed, added).
    Marks them; returns the realignments that are refactors, and those
    that belong to the edit around them."""
    candidates: list[tuple[_Ch, _Ch]] = []
    tied: list[tuple[_Ch, _Ch]] = []
    for rem, add in blocks:
        if not rem or not add:
            continue
        for i, j in _equal_pairs([c.key for c in rem], [c.key for c in add]):
            candidates.append((rem[i], add[j]))
    if not candidates:
        return [], []
    # what follows compares a pair with the lines of its own hunk only
    hunks = {r.fh for r, _ in candidates}
    blocks = [(rem, add) for rem, add in blocks if (rem or add)[0].fh in hunks]
    # a realigned line must not belong to a statement that changes for real
    paired = {id(c) for pair in candidates for c in pair}
    dirty: set[tuple] = set()
    shrunk: set[tuple] = set()  # structs and initializers that lose a line for real
    grown: set[tuple] = set()  # ... and that gain one
    for rem, add in blocks:
        for c in (*rem, *add):
            if id(c) in paired:
                continue
            dirty.add(c.stmt)
            if c.data is not None and not c.blank:
                shrunk.add(c.data) if c.loc.line.kind == "-" else grown.add(c.data)
    clean = {r.block for r, _ in candidates}
    emptied: set[tuple] = set()  # change blocks that only lose lines (besides the pairs)
    for rem, add in blocks:
        if any(id(c) not in paired for c in (*rem, *add)):
            clean.discard((rem or add)[0].block)
        if any(id(c) not in paired and not c.blank for c in rem) and not any(id(c) not in paired and not c.blank for c in add):
            emptied.add((rem or add)[0].block)
    out = []
    for r, a in candidates:
        if r.comment and a.comment:
            r.kind = a.kind = PieceKind.COMMENT  # "/* foo*/" -> "/* foo */"
            continue
        if (
            _is_realignment(r.loc.text, a.loc.text)
            # realigned after a member was dropped from the same struct or
            # initializer: the struct is edited anyway (realigned for a new,
            # longer member is a refactor, like realigned macros)
            and not (r.data in shrunk and a.data not in grown)
            # realigned with what is left after lines around it were removed
            # (an assignment group, an initializer): tidying the removal
            and r.block not in emptied
            # in a struct or table the patch edits anyway, a space put in
            # or taken out between two tokens is restyling the entries
            # alike ({"a"} -> { "a" }); only a changed column counts
            and not ((r.data in shrunk or a.data in grown) and _gap_added_or_dropped(r.loc.text, a.loc.text))
            # outside C, columns are often forced (a reST table widened for a
            # new row): only a block that changes nothing else is a realignment
            and (r.loc.path.endswith(C_SUFFIXES) or r.block in clean)
            # spaces turned into tabs next to an edited line: tidying the edit
            and (r.block in clean or r.loc.text.strip() != a.loc.text.strip())
            and r.stmt not in dirty
            and a.stmt not in dirty
            and r.key  # not a blank line
        ):
            r.kind = a.kind = PieceKind.WHITESPACE
            out.append((r, a))
        elif r.key:
            # re-indented, realigned with a statement that changes, or not
            # changed at all (diff showed it removed and added): whitespace,
            # but part of the edit
            r.kind = a.kind = PieceKind.WHITESPACE
            tied.append((r, a))
        else:
            r.kind = a.kind = PieceKind.NEW  # a blank line
    return out, tied


_SIMILAR = 0.75  # token similarity of an edited line in a move
_SIMILAR_VALUE = 0.6  # of the values of a moved #define (BIT(18) -> BIT_ULL(18))


def _similar(r: _Ch, a: _Ch, is_c: bool) -> bool:
    """Nearly the same line: the same macro, or most tokens equal."""
    if r.blank or a.blank:
        return False
    rd, ad = _DEFINE.match(r.loc.text), _DEFINE.match(a.loc.text)
    if rd or ad:
        if not (rd and ad and rd.group(1) == ad.group(1)):
            return False
        rv, av = c_tokens(_define_value(r.loc.text)), c_tokens(_define_value(a.loc.text))
        return _ratio_at_least(rv, av, _SIMILAR_VALUE)
    if _INCLUDE.match(r.loc.text) or _INCLUDE.match(a.loc.text):
        return False
    if _top_name(r.loc.text) != _top_name(a.loc.text):
        return False  # another function, another variable: not the same line edited
    rt = r.tokens if is_c else r.loc.text.split()
    at = a.tokens if is_c else a.loc.text.split()
    if len(rt) < 4 or len(at) < 4:
        return False
    return _ratio_at_least(rt, at, _SIMILAR)


def _ratio_at_least(a: Sequence[str], b: Sequence[str], threshold: float) -> bool:
    """difflib's ratio() of ``a`` and ``b`` is at least ``threshold``
    (its cheap upper bounds first)."""
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sm.real_quick_ratio() >= threshold and sm.quick_ratio() >= threshold and sm.ratio() >= threshold


def _seeds(removed: list[_Ch], added: list[_Ch]) -> Iterator[tuple[int, int]]:
    if not added:
        return
    sources = [r for r in removed if r.kind is None and not r.blank and not _is_trivial(r.loc.text)]
    if not sources:
        return
    # lines of equal keys are equal without whitespace: keys are compared only there
    by_text: dict[str, list[_Ch]] = {}
    by_macro: dict[str, list[_Ch]] = {}
    for a in added:
        if a.kind is not None:
            continue
        squashed = "".join(a.loc.text.split())
        if not squashed:
            continue  # blank
        by_text.setdefault(squashed, []).append(a)
        m = _DEFINE.match(a.loc.text) if squashed.startswith("#define") else None
        if m:
            by_macro.setdefault(m.group(1), []).append(a)
    counts: dict[str, int] = {}
    for r in sources:
        cands = [a for a in by_text.get("".join(r.loc.text.split()), ()) if a.key == r.key]
        m = _DEFINE.match(r.loc.text)
        if m:
            cands += [a for a in by_macro.get(m.group(1), ()) if a.key != r.key]
        for a in cands:
            if a.fh == r.fh:
                continue  # same hunk: a reorder inside the edit
            counts[r.key] = counts.get(r.key, 0) + 1
            if counts[r.key] > MAX_PAIRS_PER_KEY:
                break
            yield r.seq, a.seq


def _run(removed, added, i, j, c_files) -> tuple[int, int, int] | None:
    """Extend a seed both ways over free, adjacent, equal-or-similar lines:
    (start offset back, length, exact lines)."""
    r0, a0 = removed[i], added[j]
    is_c = c_files[r0.block[0]] and c_files[a0.block[0]]

    def ok(ii, jj, pi, pj) -> int:
        if not (0 <= ii < len(removed) and 0 <= jj < len(added)):
            return 0
        r, a = removed[ii], added[jj]
        if r.kind is not None or a.kind is not None:
            return 0
        if r.fh != removed[pi].fh or a.fh != added[pj].fh:
            return 0
        if abs(r.loc.number - removed[pi].loc.number) != 1 or abs(a.loc.number - added[pj].loc.number) != 1:
            return 0
        if r.key == a.key:
            return 2
        return 1 if _similar(r, a, is_c) else 0

    if r0.kind is not None or a0.kind is not None:
        return None
    if r0.key != a0.key and not _similar(r0, a0, is_c):
        return None
    back = 0
    while ok(i - back - 1, j - back - 1, i - back, j - back):
        back += 1
    length = back + 1
    while ok(i - back + length, j - back + length, i - back + length - 1, j - back + length - 1):
        length += 1
    exact = sum(1 for t in range(length) if removed[i - back + t].key == added[j - back + t].key)
    return back, length, exact


def _gated(add: Sequence[_Ch], added: list[_Ch]) -> bool:
    """An added #if/#ifdef/#else opens the run of added lines the move lands in."""
    i = add[0].seq
    while i > 0 and added[i - 1].fh == add[0].fh and added[i - 1].loc.number == added[i].loc.number - 1:
        i -= 1
        if _PP_COND.match(added[i].loc.text):
            return True
    return False


def _dominates(add: Sequence[_Ch], added: list[_Ch]) -> bool:
    """The moved lines are at least half of the code added around them."""

    def code(c: _Ch) -> bool:
        return not _is_trivial(c.loc.text) and not _COMMENT_LINE.match(c.loc.text)

    # walk out from the moved lines (a slice of ``added``) over the lines
    # added next to them, until their code outnumbers the moved code
    spare = sum(1 for c in add if code(c))
    first, last = add[0].seq, add[-1].seq
    while first > 0 and added[first - 1].fh == add[0].fh and added[first - 1].loc.number == added[first].loc.number - 1:
        first -= 1
        spare -= code(added[first])
        if spare < 0:
            return False
    while last + 1 < len(added) and added[last + 1].fh == add[-1].fh and added[last + 1].loc.number == added[last].loc.number + 1:
        last += 1
        spare -= code(added[last])
        if spare < 0:
            return False
    return True


def _edits(rem: Sequence[_Ch], add: Sequence[_Ch]) -> tuple[Edit, ...]:
    out: list[Edit] = []
    for r, a in zip(rem, add):
        if r.key == a.key:
            continue
        out.extend(_line_edits(r.loc.text, a.loc.text))
    return tuple(out)


def _line_edits(old: str, new: str) -> list[Edit]:
    od, nd = _DEFINE.match(old), _DEFINE.match(new)
    if od and nd and od.group(1) == nd.group(1):
        ov, nv = _define_value(old), _define_value(new)
        if ov != nv:
            return [Edit(ov, nv)]
    ot = list(_C_TOKEN.finditer(old))
    nt = list(_C_TOKEN.finditer(new))
    sm = difflib.SequenceMatcher(None, [m.group() for m in ot], [m.group() for m in nt], autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        out.append(Edit(_fragment(old, ot, i1, i2), _fragment(new, nt, j1, j2)))
    return out


def _define_value(text: str) -> str:
    from .defines import parse_define

    parsed = parse_define(text)
    return " ".join(parsed[2].rstrip("\\").split()) if parsed else text.strip()


def _fragment(text: str, toks, i1: int, i2: int) -> str:
    """The text of tokens [i1, i2), widened to a following (...) group."""
    if i1 >= i2:
        return ""
    end = i2
    if end < len(toks) and toks[end].group() == "(" and toks[end - 1].group()[:1].isalpha():
        depth = 0
        while end < len(toks):
            t = toks[end].group()
            depth += (t == "(") - (t == ")")
            end += 1
            if depth == 0:
                break
    return text[toks[i1].start() : toks[end - 1].end()]


def _moves(patch: Patch, removed: list[_Ch], added: list[_Ch], c_files: list[bool]) -> list[Piece]:
    # The run through a pair is the same from any pair on it while its
    # lines are free: remember it for all of them until a move claims lines.
    runs: dict[tuple[int, int], tuple[int, int, int]] = {}

    def run(i: int, j: int) -> tuple[int, int, int] | None:
        res = runs.get((i, j))
        if res is None:
            res = _run(removed, added, i, j, c_files)
            if res is not None:
                back, length, exact = res
                for t in range(length):
                    runs[i - back + t, j - back + t] = (t, length, exact)
        return res

    heap: list[tuple[int, int, int, int]] = []
    for i, j in _seeds(removed, added):
        res = run(i, j)
        if res:
            back, length, exact = res
            heapq.heappush(heap, (-exact, -length, i, j))
    pieces: list[Piece] = []
    while heap:
        nexact, nlength, i, j = heapq.heappop(heap)
        res = run(i, j)
        if res is None:
            continue
        back, length, exact = res
        if (exact, length) != (-nexact, -nlength):
            if exact:
                heapq.heappush(heap, (-exact, -length, i, j))
            continue
        rem = removed[i - back : i - back + length]
        add = added[j - back : j - back + length]
        # blank lines at the edges do not belong to the move
        while rem and not rem[0].key and not add[0].key:
            rem, add = rem[1:], add[1:]
        while rem and not rem[-1].key and not add[-1].key:
            rem, add = rem[:-1], add[:-1]
        if not rem:
            continue
        rlocs = tuple(c.loc for c in rem)
        alocs = tuple(c.loc for c in add)
        same = [a.loc for r, a in zip(rem, add) if r.key == a.key or _DEFINE.match(a.loc.text)]
        edited = sum(1 for r, a in zip(rem, add) if r.key != a.key)
        if edited > sum(1 for r, a in zip(rem, add) if r.key == a.key and r.key):
            continue  # more rewritten than moved
        same_file = rem[0].loc.path == add[0].loc.path
        kept = [(r, a) for r, a in zip(rem, add) if r.key == a.key or _DEFINE.match(a.loc.text)]
        if not _has_substance(
            [a.loc for _, a in kept], same_file, [a.stmt for _, a in kept]
        ) or not _has_substance([r.loc for r, _ in kept], same_file, [r.stmt for r, _ in kept]):
            continue  # both ends: a local variable made global is not a move
        if not _names(same) and not _dominates(add, added):
            continue  # a few statements reused inside new code: part of the feature
        if same_file and _gated(add, added):
            continue  # moved under a new #if: the gating is the feature
        if not _comparable(rem[0].loc.path, add[0].loc.path):
            continue
        if _same_function(patch, rlocs, alocs):
            continue
        if _inlined(patch, rem, add, removed):
            continue  # the body of a struct or function the patch removes, put where it was used
        if same_file and _artefact(rem, added):
            continue  # a look-alike block took its place: how diff aligned a long table
        edits = _edits(rem, add)
        kind = PieceKind.MOVED_EDITED if edits else PieceKind.MOVED
        for c in (*rem, *add):
            c.kind = kind
        runs.clear()
        pieces.append(Piece(kind, rlocs, alocs, _piece_name(alocs), edits))
    return pieces


def classify(patch: Patch) -> Anatomy:
    """Sort the changed lines of a patch into moved / moved-edited /
    whitespace / renamed / comment / new / deleted pieces."""
    removed, added, blocks = _collect(patch)
    c_files = [fc.is_c for fc in patch.files]
    realigned, tied = _pair_in_place(blocks)
    pieces = _moves(patch, removed, added, c_files)
    pieces += _renames(patch, blocks)
    # realignments: runs of adjacent realigned pairs
    ws_pieces: list[Piece] = []
    for pairs, is_tied in ((realigned, False), (tied, True)):
        run: list[tuple[_Ch, _Ch]] = []
        for pair in pairs + [None]:  # type: ignore[list-item]
            if pair is not None and run and pair[1].fh == run[-1][1].fh and pair[1].loc.number == run[-1][1].loc.number + 1:
                run.append(pair)
                continue
            if run:
                rl = tuple(r.loc for r, _ in run)
                al = tuple(a.loc for _, a in run)
                ws_pieces.append(Piece(PieceKind.WHITESPACE, rl, al, _piece_name(al), tied=is_tied))
            run = [pair] if pair is not None else []
    # the rest, per change block: comments, new code (with the lines it
    # replaces) or deletions
    rest: list[Piece] = []
    free = (None, PieceKind.NEW, PieceKind.COMMENT)
    for rem, add in blocks:
        left_rem = [c for c in rem if c.kind in free]
        left_add = [c for c in add if c.kind in free]
        left = left_rem + left_add
        r = tuple(c.loc for c in left_rem)
        a = tuple(c.loc for c in left_add)
        if left and all(c.comment or c.blank for c in left) and any(c.comment for c in left):
            for c in left:
                c.kind = PieceKind.COMMENT
            rest.append(Piece(PieceKind.COMMENT, r, a, _piece_name(a or r)))
            continue
        for c in left:
            c.kind = PieceKind.NEW
        if a:
            rest.append(Piece(PieceKind.NEW, r, a, _piece_name(a)))
        elif r:
            rest.append(Piece(PieceKind.DELETED, r, (), _piece_name(r)))
    order = {fc.path: i for i, fc in enumerate(patch.files)}

    def pos(p: Piece) -> tuple:
        loc = (p.added or p.removed)[0]
        return (order.get(loc.path, 0), loc.line.new or loc.line.old or 0)

    return Anatomy(patch, tuple(sorted(pieces + ws_pieces + rest, key=pos)))


# --- renames ---------------------------------------------------------------


def _changed_around(patch: Patch, r: _Ch, a: _Ch, sub: tuple[str, str], mine: set[int], blocks) -> bool:
    """The definition on the pair (r, a) is a function whose body has other
    changes (in its hunk or in hunks the @@ section says are in it), or a
    member of a struct (initializer) that has."""
    chs = {id(c.loc.line): c for rem, add in blocks for c in (*rem, *add)}

    def real(ln: Line) -> bool:
        c = chs.get(id(ln))
        return c is not None and bool(c.key) and not c.comment and id(c) not in mine

    for c in (r, a):  # (lines of other hunks and sides are in other structs)
        if c.data is not None and any(
            x.side is c.side and x.data == c.data and x.key and id(x) not in mine for x in chs.values()
        ):
            return True
    if not _FUNC_HEAD.match(a.loc.text) and not _DEFINE.match(a.loc.text):
        return False
    fc = patch.file(a.loc.path)
    if fc is None:
        return False
    lines = fc.hunks[a.loc.hunk].lines
    start = next((i for i, ln in enumerate(lines) if ln is a.loc.line), None)
    if start is None:
        return False
    if _DEFINE.match(a.loc.text):  # a macro: its continuation lines
        prev = a.loc.text
        for ln in lines[start + 1 :]:
            if not prev.rstrip().endswith("\\"):
                break
            if ln.kind != "-":
                prev = ln.text
            if real(ln):
                return True
        return False
    for ln in lines[start + 1 :]:
        if ln.text.startswith("}"):
            break
        if real(ln):
            return True
    for hunk in fc.hunks:
        m = _FUNC_HEAD.match(hunk.section)
        if m and m.group(1) in sub and any(real(ln) for ln in hunk.lines):
            return True
    return False


_C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if inline int long "
    "register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while "
    "bool true false NULL u8 u16 u32 u64 s8 s16 s32 s64 __u8 __u16 __u32 __u64 define include ifdef ifndef endif".split()
)
_IDENT = re.compile(r"[A-Za-z_]\w*$")


_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def _is_ident(tok: str) -> bool:
    return bool(_IDENT.match(tok)) and tok not in _C_KEYWORDS


def _ident_token(tok: str) -> bool:
    """_is_ident for a token of :func:`c_tokens`: one that starts like an
    identifier is one."""
    return tok[0] in _IDENT_START and tok not in _C_KEYWORDS


def _skeleton(toks: Sequence[str]) -> tuple[str, ...]:
    """The tokens (of :func:`c_tokens`) with identifiers blanked."""
    return tuple("\x00" if _ident_token(t) else t for t in toks)


# a declaration: a type-like start (not a jump), then the names declared,
# each after a space or a star and before "=;,)[:" (array sizes included)
_DECL_HEAD = re.compile(r"\s*(?!return\b|goto\b|case\b|else\b)([A-Za-z_])[\w\s\*]*")
_DECL_NAME = re.compile(r"(?<=[\s\*])[A-Za-z_]\w*(?=\s*[=;,)\[:])")


def _declared_names(text: str) -> Iterator[str]:
    """The names ``text`` declares as variables, members or parameters:
    ``int name;``, ``struct foo *name = ...``, ``u8 name:4;``."""
    head = _DECL_HEAD.match(text)
    if head is None:
        return
    for m in _DECL_NAME.finditer(text, head.start(1) + 1):  # not the first word
        if m.start() > head.end():
            return  # past the type-like start
        yield m.group()


def _defines(text: str, name: str) -> bool:
    """``text`` defines or declares ``name``: a macro, a function, a
    struct, a variable, a struct member or a parameter."""
    m = _DEFINE.match(text)
    if m:
        return m.group(1) == name
    if name.startswith("__") or name.isupper():
        return False  # an attribute (__read_mostly), a macro call (DEFINE_SIMPLE_DEV_PM_OPS(...))
    top = _top_name(text)
    if top and top.split()[-1].rstrip("()") == name:
        return True
    if name in _declared_names(text):
        return True  # int name; struct foo *name = ...; u8 name:4;
    if _FUNC_HEAD.match(text) and re.search(r"[\w\*]\s*\**\b" + re.escape(name) + r"\s*[,)]", text):
        return True  # a parameter in a function header
    return False


def _renames(patch: Patch, blocks) -> list[Piece]:
    """Changed line pairs that differ only by identifiers, where each old
    identifier always becomes the same new one, is defined on one of the
    pairs, no longer appears in the post-image and the new one did not
    appear in the pre-image."""
    cands: list[tuple[_Ch, _Ch, frozenset]] = []
    for rem, add in blocks:
        if not rem or not add:
            continue
        fr = [c for c in rem if c.kind is None and c.key and not c.comment]
        fa = [c for c in add if c.kind is None and c.key and not c.comment]
        if not fr or not fa:
            continue
        rt = [c.tokens for c in fr]
        at = [c.tokens for c in fa]
        for i, j in _equal_pairs([_skeleton(t) for t in rt], [_skeleton(t) for t in at]):
            subs = {(x, y) for x, y in zip(rt[i], at[j]) if x != y}
            if subs and len({x for x, _ in subs}) == len(subs) == len({y for _, y in subs}):
                cands.append((fr[i], fa[j], frozenset(subs)))
    if not cands:
        return []
    fwd: dict[str, set[str]] = {}
    bwd: dict[str, set[str]] = {}
    for r, a, subs in cands:
        for x, y in subs:
            fwd.setdefault(x, set()).add(y)
            bwd.setdefault(y, set()).add(x)
    # each old name always becomes the same new one, and the pairs define
    # them (kfree -> kvfree on every line is a change of API, not a rename)
    defined = {
        (x, y) for r, a, subs in cands for x, y in subs
        if fwd[x] == {y} and bwd[y] == {x} and _defines(r.loc.text, x) and _defines(a.loc.text, y)
    }
    if not defined:
        return []
    shown = [ln for fc in patch.files for h in fc.hunks for ln in h.lines]
    seen: dict[tuple[str, str], bool] = {}

    def shows(name: str, image: str) -> bool:
        """The pre-image ("-") or post-image ("+") lines shown have the identifier ``name``."""
        if (name, image) not in seen:
            other = "+" if image == "-" else "-"
            seen[name, image] = any(
                ln.kind != other and name in ln.text and name in c_tokens(ln.text) for ln in shown
            )
        return seen[name, image]

    def good(x: str, y: str) -> bool:
        return (x, y) in defined and not shows(x, "+") and not shows(y, "-")

    kept = [(r, a, subs) for r, a, subs in cands if all(good(x, y) for x, y in subs)]
    # a function whose body the patch changes, a struct or an initializer
    # that gains or loses members: the new name goes with that change
    mine = {id(c) for r, a, _ in kept for c in (r, a)}
    integral = {
        sub for r, a, subs in kept for sub in subs
        if sub in defined and _defines(r.loc.text, sub[0]) and _changed_around(patch, r, a, sub, mine, blocks)
    }
    groups: dict[frozenset, list[tuple[_Ch, _Ch]]] = {}
    for r, a, subs in kept:
        if not subs & integral:
            groups.setdefault(subs, []).append((r, a))
    out = []
    for subs, pairs in groups.items():
        for r, a in pairs:
            r.kind = a.kind = PieceKind.RENAMED
        edits = tuple(Edit(x, y) for x, y in sorted(subs))
        name = ", ".join(f"{e.old} -> {e.new}" for e in edits)
        out.append(Piece(PieceKind.RENAMED, tuple(r.loc for r, _ in pairs), tuple(a.loc for _, a in pairs), name, edits))
    return out


def _enclosing_definition(patch: Patch, loc: Loc) -> tuple[str, Line] | None:
    """The struct, union or function whose body holds the removed line
    ``loc`` on the old side of its hunk: (name, the header line)."""
    fc = next((f for f in patch.files if f.path == loc.path), None)
    if fc is None:
        return None
    hunk = fc.hunks[loc.hunk]
    old_side = [ln for ln in hunk.lines if ln.kind != "+"]
    idx = next((i for i, ln in enumerate(old_side) if ln is loc.line), None)
    if idx is None:
        return None
    for ln in reversed(old_side[:idx]):
        text = ln.text
        if text.startswith("}"):
            return None  # the line is not in a body that opens in this hunk
        m = _AGGREGATE.match(text)
        if m:
            return m.group(2), ln
        m = _FUNC_HEAD.match(text)
        if m and m.group(1) not in _KEYWORDS:
            return m.group(1), ln
    return None


def _inlined(patch: Patch, rem: Sequence[_Ch], add: Sequence[_Ch], removed: Sequence[_Ch]) -> bool:
    """Members of a struct (or the body of a function) the patch removes,
    put where the struct (the function) was used: the destination drops
    the use.  Part of removing it, not a move."""
    if not rem[0].loc.path.endswith(C_SUFFIXES):
        return False
    found = _enclosing_definition(patch, rem[0].loc)
    if found is None or found[1].kind != "-":
        return False
    name = found[0]
    use = re.compile(r"\b" + re.escape(name) + r"\b")
    return any(c.block == add[0].block and use.search(c.loc.text) for c in removed if c.loc.line is not found[1])


def _shape(text: str) -> tuple[str, ...]:
    """The tokens of a line with names and literals blanked."""
    return tuple("\x00" if t[:1].isalnum() or t[:1] in "_\"'" else t for t in c_tokens(text))


def _artefact(rem: Sequence[_Ch], added: Sequence[_Ch]) -> bool:
    """A same-file "move" whose old place gets a block of the same shape:
    in a long table of look-alike entries diff paired the old block with a
    new copy elsewhere, and the new entry with the old place.  The block
    did not move; new entries were added next to it."""
    block = rem[0].block
    mine = {id(c) for c in rem}
    there = [c for c in added if c.block == block and id(c) not in mine and c.key]
    if not there:
        return False
    want = [_shape(c.loc.text) for c in rem if c.key]
    have = [_shape(c.loc.text) for c in there]
    sm = difflib.SequenceMatcher(None, want, have, autojunk=False)
    same = sum(size for _, _, size in sm.get_matching_blocks())
    return 3 * same >= 2 * len(want)


def _comparable(src: str, dst: str) -> bool:
    """A move stays within one kind of file: C to C, .yaml to .yaml.
    Text turned into YAML is a conversion, not a move."""
    if src == dst:
        return True
    if src.endswith(C_SUFFIXES) and dst.endswith(C_SUFFIXES):
        return True
    def ext(p: str) -> str:
        base = p.rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[-1] if "." in base else base
    return ext(src) == ext(dst)


def _same_function(patch: Patch, rem: Sequence[Loc], add: Sequence[Loc]) -> bool:
    """Body lines moved from one place to another inside the same function
    of the same file are part of editing that function."""
    if rem[0].path != add[0].path:
        return False
    if any(loc.text[:1] not in (" ", "\t", "", "#") for loc in (*rem, *add)):
        return False
    src = _function_at(patch, rem[0])
    dst = _function_at(patch, add[0])
    return bool(src) and src == dst


_FUNC_HEAD = re.compile(r"^[A-Za-z_][\w\s\*]*?\b([A-Za-z_]\w*)\s*\([^;]*$")


def _function_at(patch: Patch, loc: Loc) -> str:
    """The function a line is in: the last function header above it in its
    hunk, else the hunk's @@ section."""
    fc = next((f for f in patch.files if f.path == loc.path), None)
    if fc is None:
        return ""
    hunk = fc.hunks[loc.hunk]
    side = "-" if loc.line.kind == "-" else "+"
    name = ""
    for ln in hunk.lines:
        if ln is loc.line:
            break
        if ln.kind in (" ", side):
            m = _FUNC_HEAD.match(ln.text)
            if m and m.group(1) not in _KEYWORDS:
                name = m.group(1)
            elif ln.text.startswith("}"):
                name = "<between>"
    if name:
        return name
    m = _FUNC_HEAD.match(hunk.section)
    return m.group(1) if m else ""
