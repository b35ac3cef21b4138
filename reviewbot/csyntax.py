"""Parse the C a patch touches with tree-sitter-c and map nodes to patch lines.

A hunk's post-image (context and added lines) is a fragment of a file: it
may start inside a function body or a block comment and end before the
closing braces.  ``fragment_units`` makes it parseable by balancing braces
(opening the missing ones on one synthetic first line, using the function
context from the ``@@ ... @@ int foo(void)`` header when there is one) and
tries a function-body wrapping when the plain parse is worse.  Rows of the
parsed text map back to new-side line numbers; synthetic rows map to None.

ERROR nodes are normal in kernel C (macros).  Rules work on the nodes
around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

from .model import FileChange, Hunk, Line

_FUNC_HEADER = re.compile(r"^[A-Za-z_][\w\s\*,()\[\]]*\([^;{}]*\)?\s*$")


def _language():
    import tree_sitter as ts
    import tree_sitter_c

    return ts.Language(tree_sitter_c.language())


_CHUNK = 65536  # bytes handed to tree-sitter at a time when a parse has a time budget


class Parser:
    """A tree-sitter C parser (one per run; not module state)."""

    def __init__(self) -> None:
        import tree_sitter as ts

        self.language = _language()
        self._parser = ts.Parser(self.language)
        self._queries: dict[str, object] = {}
        lang = self.language
        named = {lang.node_kind_for_id(i) for i in range(lang.node_kind_count)
                 if lang.node_kind_is_named(i) and lang.node_kind_is_visible(i)}
        self._findable = frozenset(named - {lang.node_kind_for_id(i) for i in lang.supertypes} | {"ERROR"})
        self.budget = None  # a limits.Budget while the engine parses one patch
        self._scratch = bytearray()  # the chunk handed to tree-sitter (see parse)

    def parse(self, source: bytes):
        budget = self.budget
        if budget is None:
            return self._parser.parse(source)
        budget.before_parse(source)
        # Only a read callback gets progress callbacks; returning True cancels.
        # py-tree-sitter (0.26.1) keeps a reference to every object the read
        # callback returns: a fresh slice each time would keep every source
        # parsed alive (a leak of ~1 kB a message).  So each chunk is copied
        # into one buffer of this parser and that buffer is returned; the
        # binding lets go of its view before it asks for the next chunk.
        scratch = self._scratch

        def read(at: int, _point: object) -> bytearray:
            nonlocal scratch
            chunk = source[at : at + _CHUNK]
            try:
                scratch[:] = chunk
            except BufferError:  # a binding that still holds the last view: a new buffer
                scratch = self._scratch = bytearray(chunk)
            return scratch

        try:
            return self._parser.parse(read, progress_callback=budget.callback)
        except ValueError:
            self._parser.reset()  # else the next parse resumes the cancelled one
            if budget.expired():
                raise budget.over_time() from None
            raise

    def query(self, text: str):
        """Compile a query once per parser."""
        import tree_sitter as ts

        q = self._queries.get(text)
        if q is None:
            q = self._queries[text] = ts.Query(self.language, text)
        return q

    def captures(self, query_text: str, node) -> dict[str, list]:
        import tree_sitter as ts

        return ts.QueryCursor(self.query(query_text)).captures(node)

    def findable(self, node_type: str) -> bool:
        """Whether ``node_type`` names nodes a tree holds: a named node type
        of the grammar, not a supertype (a query for ``expression`` would
        find its subtypes, whose nodes have their own types)."""
        return node_type in self._findable

    def nodes_query(self, types: tuple[str, ...]):
        """A query that captures the nodes of ``types`` (findable ones) as ``node``."""
        return self.query("[" + " ".join(f"({t})" for t in types) + "] @node")


@dataclass(frozen=True, eq=False)
class CUnit:
    """One parsed piece of C: a hunk fragment or a whole post-image file."""

    path: str
    file: FileChange
    hunk: Hunk | None  # None for a whole-file unit
    source: bytes
    tree: object  # tree_sitter.Tree
    rows: tuple[int | None, ...]  # row -> new-side line number (None: synthetic)
    added: frozenset[int]  # new-side numbers of added lines in this unit
    errors: int = 0  # number of ERROR / MISSING nodes

    @property
    def root(self):
        return self.tree.root_node

    def line(self, node) -> int | None:
        row = node.start_point[0]
        return self.rows[row] if row < len(self.rows) else None

    def end_line(self, node) -> int | None:
        row = node.end_point[0]
        # a node ending at column 0 ends on the previous row
        if node.end_point[1] == 0 and row > node.start_point[0]:
            row -= 1
        return self.rows[row] if row < len(self.rows) else None

    def row_of(self, lineno: int) -> int | None:
        return self._row_index.get(lineno)

    @cached_property
    def _row_index(self) -> dict[int, int]:
        return {ln: r for r, ln in enumerate(self.rows) if ln is not None}

    @cached_property
    def _lines(self) -> list[bytes]:
        return self.source.split(b"\n")

    def line_text(self, lineno: int) -> str:
        row = self.row_of(lineno)
        if row is None:
            return ""
        return self._lines[row].decode("utf-8", "replace")

    def text(self, node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def is_added(self, lineno: int | None) -> bool:
        return lineno is not None and lineno in self.added

    def touches_added(self, node) -> bool:
        start, end = self.line(node), self.end_line(node)
        if start is None or end is None:
            return not self.added.isdisjoint(self._node_lines(node))
        return not self.added.isdisjoint(range(start, end + 1))

    def _node_lines(self, node) -> Iterator[int]:
        for row in range(node.start_point[0], node.end_point[0] + 1):
            if row < len(self.rows) and self.rows[row] is not None:
                yield self.rows[row]

    def walk(self) -> Iterator[object]:
        """Every named node, depth first, parents before children."""
        cursor = self.tree.walk()
        while True:
            node = cursor.node
            if node.is_named:
                yield node
            if cursor.goto_first_child():
                continue
            while not cursor.goto_next_sibling():
                if not cursor.goto_parent():
                    return


class NodeIndex:
    """The named nodes of a patch's units by type, in patch order (unit by
    unit, parents before children), for ``PatchContext.nodes``.

    The nodes of a type are searched for when a rule first asks for it, by
    a tree-sitter query over each unit (in C: no Python walk of every node).
    One query finds every type asked for so far in the run (``wanted``, kept
    by the engine), so after the first patch each unit is searched once.
    """

    def __init__(self, parser: Parser, units: tuple[CUnit, ...], wanted: set[str]) -> None:
        self._parser = parser
        self._units = units
        self._wanted = wanted
        self._found: dict[str, tuple[tuple[CUnit, object], ...]] = {}

    def get(self, node_type: str, default: tuple = ()) -> tuple[tuple[CUnit, object], ...]:
        found = self._found.get(node_type)
        if found is None:
            self._search(node_type)
            found = self._found[node_type]
        return found or default

    def _search(self, node_type: str) -> None:
        if not self._parser.findable(node_type) or not self._units:
            self._found[node_type] = ()
            return
        import tree_sitter as ts

        self._wanted.add(node_type)
        types = tuple(sorted(self._wanted - self._found.keys()))
        query = self._parser.nodes_query(types)
        found: dict[str, list] = {t: [] for t in types}
        for unit in self._units:
            # one single-node pattern: matches come in tree order, parents first
            for _, captures in ts.QueryCursor(query).matches(unit.root):
                node = captures["node"][0]
                found[node.type].append((unit, node))
        self._found.update((t, tuple(nodes)) for t, nodes in found.items())


@dataclass(frozen=True)
class _Balance:
    min_depth: int
    end_depth: int
    opens_in_comment: bool  # the fragment starts inside a /* comment */
    ends_in_comment: bool = False  # ... or ends inside one


# What _balance stops at outside comments: braces, quotes, and the slash or
# star that may begin or end a comment; everything in between only tells
# whether the fragment has code yet.
_BALANCE_STOP = re.compile(r"[{}\"'/*]")
# The rest of a string or char literal after its opening quote, up to its
# closing quote (a backslash escapes the next character).
_STRING_REST = re.compile(r'(?:[^"\\]|\\.?)*', re.S)
_CHAR_REST = re.compile(r"(?:[^'\\]|\\.?)*", re.S)


def _balance(lines: list[str]) -> _Balance:
    """Brace depth over C text, skipping comments, strings and char literals."""
    depth = 0
    min_depth = 0
    in_comment = False
    starts_in_comment = False
    seen_code = False
    for text in lines:
        i = 0
        n = len(text)
        stripped = text.lstrip()
        if stripped.startswith("#"):
            continue  # preprocessor lines do not count
        if not (seen_code or starts_in_comment or in_comment) and stripped.startswith("*"):
            # " * text" before any code: the fragment starts inside a comment
            j = text.find("*/")
            if j < 0:
                continue
            starts_in_comment = True
            i = j + 2
        while i < n:
            if in_comment:
                j = text.find("*/", i)
                if j < 0:
                    break
                in_comment = False
                i = j + 2
                continue
            m = _BALANCE_STOP.search(text, i)
            j = m.start() if m is not None else n
            if not seen_code and text[i:j].strip():
                seen_code = True
            if m is None:
                break
            i = j
            c = text[i]
            if c == "/" and text.startswith("//", i):
                break
            if c == "/" and text.startswith("/*", i):
                in_comment = True
                i += 2
                continue
            if c == "*" and text.startswith("*/", i) and not seen_code and not starts_in_comment:
                # closes a comment that began before the fragment
                starts_in_comment = True
                i += 2
                continue
            if c == "'" or c == '"':
                i = (_STRING_REST if c == '"' else _CHAR_REST).match(text, i + 1).end() + 1
                seen_code = True
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                min_depth = min(min_depth, depth)
            seen_code = True
            i += 1
    return _Balance(min_depth, depth, starts_in_comment, in_comment)


_PP_OPEN = re.compile(r"^\s*#\s*if(n?def)?\b")
_PP_CLOSE = re.compile(r"^\s*#\s*endif\b")
_PP_ELSE = re.compile(r"^\s*#\s*(else|elif)\b")


def _conditionals(texts: list[str]) -> tuple[int, int]:
    """How many ``#if``s a fragment closes without opening (they are opened
    on synthetic lines before it) and leaves open (closed after it)."""
    depth = 0
    unopened = 0
    for t in texts:
        if "#" not in t:
            continue
        if _PP_OPEN.match(t):
            depth += 1
        elif _PP_ELSE.match(t):
            if depth == 0:  # an #else/#elif of an #if before the fragment
                unopened += 1
                depth += 1
        elif _PP_CLOSE.match(t):
            if depth == 0:
                unopened += 1
            else:
                depth -= 1
    return unopened, depth


def _looks_like_function(section: str) -> bool:
    s = section.strip()
    return bool(s) and "(" in s and not s.endswith(";") and "=" not in s and bool(_FUNC_HEADER.match(s))


def _opener(section: str) -> str:
    """What opens the block a hunk starts in, from the @@ function context,
    up to and including its ``{``.

    git cuts the context at 80 columns, so an unclosed parameter list is
    closed after its last complete parameter.
    """
    s = section.strip()
    if s.endswith("{"):  # "struct foo {", "static const int x[] = {"
        return s
    if re.match(r"^(typedef\s+)?(struct|union|enum)\b[\w\s]*$", s):
        return s + " {"
    if _looks_like_function(s):
        depth = s.count("(") - s.count(")")
        if depth > 0:
            cut = s.rfind(",")
            s = (s[:cut] if cut > s.find("(") else s) + ")" * depth
        return s + " {"
    return "void __reviewbot_fragment(void) {"


def _continued_rows(texts: list[str], limit: int = 12) -> int:
    """How many leading lines continue a statement begun before the hunk
    (their parentheses close more than they open): those are left out of
    the parse (kept as blank rows)."""
    depth = 0
    for i, t in enumerate(texts[:limit]):
        code = t.split("//", 1)[0]
        depth += code.count("(") - code.count(")")
        if depth < 0:
            return i + 1 if code.rstrip().endswith((";", "{", ",", ")")) else 0
        if code.rstrip().endswith((";", "{", "}")) and depth == 0:
            return 0
    return 0


def _count_errors(node) -> int:
    if not node.has_error:
        return 0
    count = 0
    stack = [node]
    while stack:
        n = stack.pop()
        if n.is_error or n.is_missing:
            count += 1
            continue
        if n.has_error:
            stack.extend(n.children)
    return count


def _build(
    parser: Parser, fc: FileChange, hunk: Hunk | None, lines: tuple[Line, ...], prefix: str, suffix: str, skip: int = 0
) -> CUnit:
    texts = [""] * skip + [ln.text for ln in lines[skip:]]
    rows: list[int | None] = []
    parts: list[str] = []
    pre_if, post_endif = _conditionals(texts)
    for extra in ([prefix] if prefix else []) + ["#if 1"] * pre_if:
        parts.append(extra)
        rows.append(None)
    parts.extend(texts)
    rows.extend([ln.new for ln in lines])
    for extra in ["#endif"] * post_endif + ([suffix] if suffix else []):
        parts.append(extra)
        rows.append(None)
    source = "\n".join(parts).encode("utf-8", "replace") + b"\n"
    tree = parser.parse(source)
    added = frozenset([ln.new for ln in lines if ln.kind == "+" and ln.new is not None])
    return CUnit(
        path=fc.path,
        file=fc,
        hunk=hunk,
        source=source,
        tree=tree,
        rows=tuple(rows),
        added=added,
        errors=_count_errors(tree.root_node),
    )


def fragment_unit(parser: Parser, fc: FileChange, hunk: Hunk) -> CUnit:
    """Parse one hunk's post-image as well as it can be parsed."""
    lines = hunk.post_image()
    texts = [ln.text for ln in lines]
    skip = _continued_rows(texts)
    bal = _balance(texts[skip:])
    head = _opener(hunk.section)
    missing = -bal.min_depth
    comment_open = " /*" if bal.opens_in_comment else ""
    opener = (head + " {" * (missing - 1) if missing > 0 else "") + comment_open
    closer = ("*/" if bal.ends_in_comment else "") + " }" * max(bal.end_depth - bal.min_depth, 0)
    plain = _build(parser, fc, hunk, lines, opener.strip(), closer.strip(), skip)
    if plain.errors == 0:
        return plain
    # Maybe the hunk is a run of statements inside a function body.
    wrapped_open = head + " {" * missing + comment_open
    wrapped = _build(parser, fc, hunk, lines, wrapped_open, (closer + " }").strip(), skip)
    return wrapped if wrapped.errors < plain.errors else plain


def whole_file_unit(parser: Parser, fc: FileChange) -> CUnit:
    """Parse a file the patch creates: its post-image is all added lines."""
    lines = tuple([ln for h in fc.hunks for ln in h.lines if ln.kind != "-"])
    return _build(parser, fc, None, lines, "", "")


def file_units(parser: Parser, fc: FileChange) -> list[CUnit]:
    if not fc.is_c or fc.is_deleted or fc.is_binary or not fc.hunks:
        return []
    if fc.is_new:
        return [whole_file_unit(parser, fc)]
    return [fragment_unit(parser, fc, h) for h in fc.hunks]


def post_image_unit(parser: Parser, fc: FileChange, text: str, rows: tuple[int | None, ...] | None = None) -> CUnit:
    """Parse a whole post-image file (from a kernel tree or ``git show``).

    Rows map one to one to new-side line numbers, unless ``rows`` gives the
    number of each row (a file the patch applied to at an offset);
    ``added`` comes from the patch, so rules still report only what the
    patch adds.
    """
    source = text.encode("utf-8", "replace")
    if not source.endswith(b"\n"):
        source += b"\n"
    tree = parser.parse(source)
    nrows = source.count(b"\n") + 1
    return CUnit(
        path=fc.path,
        file=fc,
        hunk=None,
        source=source,
        tree=tree,
        rows=tuple(range(1, nrows + 1)) if rows is None else (tuple(rows) + (None,) * nrows)[:nrows],
        added=fc.added_lines(),
        errors=_count_errors(tree.root_node),
    )
