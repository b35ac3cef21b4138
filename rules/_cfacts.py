"""Small facts about C functions for the value rules (RB203, RB305, RB306).

Not a rule (the loader skips modules starting with ``_``): helpers to read
declared types, assignments and calls out of tree-sitter nodes.
"""

from __future__ import annotations

import functools
import re
from typing import Iterator

_64 = frozenset({"u64", "__u64", "uint64_t", "u_int64_t", "s64", "__s64", "int64_t", "unsigned long long",
                 "long long", "unsigned long", "long", "unsigned long int", "long int", "size_t", "ssize_t",
                 "phys_addr_t", "hv_status_t", "unsigned long long int", "long unsigned int"})
_32 = frozenset({"int", "u32", "__u32", "uint32_t", "s32", "__s32", "int32_t", "unsigned int", "unsigned",
                 "signed int", "signed"})
_16 = frozenset({"u16", "__u16", "uint16_t", "s16", "__s16", "int16_t", "short", "unsigned short"})
_8 = frozenset({"u8", "__u8", "uint8_t", "s8", "__s8", "int8_t", "char", "unsigned char", "bool", "_Bool"})
_QUALIFIERS = re.compile(r"\b(const|volatile|static|register|extern|inline|__always_inline|noinstr|__init|"
                         r"__maybe_unused|__must_check|__used|__read_mostly)\b")


def type_bits(text: str | None) -> int | None:
    if not text:
        return None
    t = " ".join(_QUALIFIERS.sub(" ", text).split())
    if "*" in t or "struct" in t or "enum" in t:
        return None
    for bits, names in ((64, _64), (32, _32), (16, _16), (8, _8)):
        if t in names:
            return bits
    return None


def strip(node):
    """The expression inside parentheses (and casts are kept)."""
    while node is not None and node.type == "parenthesized_expression":
        inner = [c for c in node.named_children if c.type != "comment"]
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


def function_of(node):
    while node is not None and node.type != "function_definition":
        node = node.parent
    return node


def _declarator_name(unit, decl) -> str | None:
    while decl is not None and decl.type not in ("identifier", "field_identifier"):
        if decl.type == "function_declarator":
            decl = decl.child_by_field_name("declarator")
            continue
        if decl.type in ("pointer_declarator", "array_declarator", "init_declarator",
                         "parenthesized_declarator", "attributed_declarator"):
            inner = decl.child_by_field_name("declarator")
            if inner is None:
                inner = next((c for c in decl.named_children if c.type.endswith("declarator") or c.type == "identifier"), None)
            if decl.type == "pointer_declarator":
                return None  # a pointer: not an integer
            decl = inner
            continue
        return None
    return unit.text(decl) if decl is not None else None


def function_name(unit, fn) -> str | None:
    decl = fn.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    if decl is None:
        return None
    ident = decl.child_by_field_name("declarator")
    return unit.text(ident) if ident is not None and ident.type == "identifier" else None


def return_type(unit, fn) -> str | None:
    """The declared return type of a function definition (None for a pointer)."""
    decl = fn.child_by_field_name("declarator")
    if decl is None or decl.type != "function_declarator":
        return None  # returns a pointer, or something tree-sitter could not read
    t = fn.child_by_field_name("type")
    return " ".join(unit.text(t).split()) if t is not None else None


def _type_text(unit, node) -> str | None:
    t = node.child_by_field_name("type")
    return " ".join(unit.text(t).split()) if t is not None else None


# Kept in ctx.memo per unit: {(start, end) of a function: its local_types}.
# Four rules ask for the same functions again and again (349 distinct
# functions, 1,643 calls on linux-edac): each call walked the whole body.
def local_types(unit, fn, memo=None) -> dict[str, str]:
    """name -> declared type for the parameters and locals of ``fn`` (a
    name declared twice with different types is left out).  With ``memo``
    (``ctx.memo``), worked out once per function and run, for every rule
    that asks."""
    if memo is None:
        return _local_types(unit, fn)
    per_unit = memo.get("cfacts.local_types", unit, dict)
    key = (fn.start_byte, fn.end_byte)
    if key not in per_unit:
        per_unit[key] = _local_types(unit, fn)
    return dict(per_unit[key])


def _local_types(unit, fn) -> dict[str, str]:
    out: dict[str, str] = {}
    bad: set[str] = set()

    def add(name, typ):
        if name is None or typ is None:
            return
        if name in out and out[name] != typ:
            bad.add(name)
        out[name] = typ

    decl = fn.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    if decl is not None:
        params = decl.child_by_field_name("parameters")
        if params is not None:
            for p in params.named_children:
                if p.type == "parameter_declaration":
                    d = p.child_by_field_name("declarator")
                    if d is not None:
                        add(_declarator_name(unit, d), _type_text(unit, p))
    body = fn.child_by_field_name("body")
    if body is not None:
        for node in _declarations(unit, body):
            typ = _type_text(unit, node)
            for d in node.children_by_field_name("declarator"):
                add(_declarator_name(unit, d), typ)
    for b in bad:
        out.pop(b, None)
    return out


def _declarations(unit, body) -> list:
    """The declarations under ``body``, in tree order (a query runs in C:
    faster than ``descendants`` over a whole function body)."""
    import tree_sitter as ts

    query = _query(unit.tree.language, "(declaration) @declaration")
    return [captures["declaration"][0] for _, captures in ts.QueryCursor(query).matches(body)]


@functools.lru_cache(maxsize=16)
def _query(language, text: str):
    import tree_sitter as ts

    return ts.Query(language, text)


def descendants(node, types: frozenset[str]) -> Iterator:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in types:
            yield n
        stack.extend(reversed(n.children))


def assignments(unit, fn, name: str) -> list[tuple[int, object]]:
    """(byte offset, value node) of each ``name = value`` and ``T name = value``
    in ``fn``, in order."""
    out = []
    body = fn.child_by_field_name("body")
    if body is None:
        return out
    for node in descendants(body, frozenset({"assignment_expression", "init_declarator"})):
        if node.type == "assignment_expression":
            left = node.child_by_field_name("left")
            op = node.child_by_field_name("operator")
            if left is not None and unit.text(left) == name and (op is None or unit.text(op) == "="):
                out.append((node.start_byte, node.child_by_field_name("right")))
        else:
            d = node.child_by_field_name("declarator")
            if d is not None and d.type == "identifier" and unit.text(d) == name:
                out.append((node.start_byte, node.child_by_field_name("value")))
    out.sort(key=lambda x: x[0])
    return out


def call_name(unit, node) -> str | None:
    node = strip(node)
    if node is None or node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    return unit.text(fn) if fn is not None and fn.type == "identifier" else None


def binary_op(node) -> str | None:
    if node is None or node.type != "binary_expression":
        return None
    op = node.child_by_field_name("operator")
    return op.type if op is not None else None


CONSTANT = re.compile(r"[A-Z_][A-Z0-9_]*\Z")
