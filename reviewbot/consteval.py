"""Evaluate C integer constant expressions as they appear in kernel macros.

    >>> evaluate("0xFFFFFFFF00000000ULL")
    Value(value=18446744069414584320, bits=64, signed=False)
    >>> evaluate("(TDX_SW_ERROR | X86_TRAP_GP)", {"TDX_SW_ERROR": "BIT_ULL(62)", "X86_TRAP_GP": "13"})
    Value(value=4611686018427387917, bits=64, signed=False)

The model is the x86-64 kernel (LP64): ``int`` is 32 bits, ``long``, ``long
long`` and pointers-sized typedefs are 64 bits; ``BIT()`` is ``unsigned
long``.  Integer literals get their C type (suffix and value), operands get
the usual arithmetic conversions, so ``~0U`` is ``0xffffffff`` while
``~0UL`` is ``0xffffffffffffffff``, and ``-1 < 0U`` is false as in C.

Macros: ``defines`` maps object-like macro names to replacement text (a
mapping or a function returning ``None`` for unknown names); expansion is
token-level like the preprocessor (``#define A 1 + 2`` then ``A * 3`` is 7),
with a hide set per token, so a cycle leaves the name unexpanded and the
result is ``None``.  ``functions`` optionally maps function-like macro names
to ``(params, body)``.  Some kernel macros are built in: ``BIT``,
``BIT_ULL``, ``GENMASK``, ``GENMASK_ULL``, ``_BITUL``, ``_BITULL``, ``_AC``,
``_UL``, ``_ULL``, ``UL``, ``ULL``, ``U32_C``, ``U64_C``, ``FIELD_PREP``,
``FIELD_GET``, ``FIELD_MAX``, ``U32_MAX`` and friends, ``SZ_4K`` and friends.

Anything else -- function calls, unknown identifiers, ``sizeof``, strings,
floating point, pointer casts, undefined behaviour such as a shift by the
width or more, division by zero -- gives ``None``: the evaluator gives up
rather than guess.  It never calls ``eval``; recursion, macro nesting and
expansion size are bounded, so hostile input only costs linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

__all__ = ["Value", "evaluate", "BUILTIN_DEFINES", "BUILTIN_FUNCTIONS"]

MAX_DEPTH = 100  # nested parentheses / unary operators / conditionals
MAX_NESTING = 64  # macros expanding inside macros
MAX_TOKENS = 20000  # tokens produced by macro expansion, per evaluation
MAX_TEXT = 1 << 20  # characters of input text


@dataclass(frozen=True)
class Value:
    """An integer with its C type: ``bits`` is 32 (int) or 64 (long)."""

    value: int  # in range for the type: [0, 2**bits) or [-2**(bits-1), 2**(bits-1))
    bits: int
    signed: bool

    @property
    def unsigned(self) -> int:
        """The bit pattern, as a non-negative number."""
        return self.value & ((1 << self.bits) - 1)

    @property
    def type_name(self) -> str:
        base = "int" if self.bits == 32 else "long"
        return base if self.signed else f"unsigned {base}"

    def __str__(self) -> str:
        """How a reviewer writes it: ``-22``, ``7``, ``0xffffffff00000000``."""
        if self.value < 0 or self.value < 10:
            return str(self.value)
        return f"{self.value:#x}"


class _GiveUp(Exception):
    pass


def _wrap(v: int, bits: int, signed: bool) -> Value:
    v &= (1 << bits) - 1
    if signed and v >> (bits - 1):
        v -= 1 << bits
    return Value(v, bits, signed)


def _bool(b: bool) -> Value:
    return Value(1 if b else 0, 32, True)


def _common(a: Value, b: Value) -> tuple[int, bool]:
    """The usual arithmetic conversions, for 32/64-bit int types."""
    if a.signed == b.signed:
        return max(a.bits, b.bits), a.signed
    u, s = (a, b) if not a.signed else (b, a)
    if u.bits >= s.bits:
        return u.bits, False
    return s.bits, True  # the wider signed type holds every value of the narrower unsigned one


def _conv(a: Value, bits: int, signed: bool) -> Value:
    return _wrap(a.value, bits, signed)


# ---------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|/\*.*?\*/|//[^\n]*)
  | (?P<num>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*)
  | (?P<char>(?:[LuU]|u8)?'(?:[^'\\\n]|\\[^\n])*')
  | (?P<id>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op><<|>>|<=|>=|==|!=|&&|\|\||\#\#|[-+*/%&|^~!<>?:(),\#])
    """,
    re.X | re.S,
)
_INT = re.compile(r"(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)\Z")
_SUFFIXES = {"": "", "u": "u", "l": "l", "ul": "ul", "lu": "ul", "ll": "l", "ull": "ul", "llu": "ul"}
_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11, "e": 27,
            "\\": 92, "'": 39, '"': 34, "?": 63}


@dataclass(frozen=True)
class _Tok:
    kind: str  # "num", "id", "op"
    text: str
    value: Value | None = None
    hide: frozenset = frozenset()


def _int_literal(text: str) -> Value:
    m = _INT.match(text)
    if not m:
        raise _GiveUp(f"not an integer literal: {text}")
    digits, suffix = m.group(1), m.group(2)
    if len(digits) > 70:  # more than 64 bits in any base
        raise _GiveUp("literal too long")
    kind = _SUFFIXES.get(suffix.lower())
    if kind is None or ("l" in suffix and "L" in suffix):
        raise _GiveUp(f"bad suffix: {text}")
    if digits[:2] in ("0x", "0X"):
        v, decimal = int(digits[2:], 16), False
    elif digits[:2] in ("0b", "0B"):
        v, decimal = int(digits[2:], 2), False
    elif digits.startswith("0"):
        v, decimal = int(digits, 8), False
    else:
        v, decimal = int(digits), True
    # C11 6.4.4.1: the first type of the list that holds the value (LP64)
    candidates = {
        "": [(32, True), (64, True)] if decimal else [(32, True), (32, False), (64, True), (64, False)],
        "u": [(32, False), (64, False)],
        "l": [(64, True)] if decimal else [(64, True), (64, False)],
        "ul": [(64, False)],
    }[kind]
    for bits, signed in candidates:
        if v < (1 << (bits - 1 if signed else bits)):
            return Value(v, bits, signed)
    raise _GiveUp(f"literal too large: {text}")


def _char_literal(text: str) -> int:
    if not text.startswith("'"):
        raise _GiveUp("wide or unicode char literal")
    body = text[1:-1]
    if len(body) == 1:
        v = ord(body)
    elif body.startswith("\\"):
        e = body[1:]
        if e in _ESCAPES:
            v = _ESCAPES[e]
        elif re.fullmatch(r"[0-7]{1,3}", e):
            v = int(e, 8)
        elif re.fullmatch(r"x[0-9a-fA-F]{1,2}", e):
            v = int(e[1:], 16)
        else:
            raise _GiveUp("unknown escape")
    else:
        raise _GiveUp("multi-character literal")
    if v > 0xFF:
        raise _GiveUp("non-ASCII char literal")
    return v if v < 0x80 else v - 0x100  # char is signed on x86


def _tokenize(text: str) -> list[_Tok]:
    if len(text) > MAX_TEXT:
        raise _GiveUp("input too long")
    out: list[_Tok] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _GiveUp(f"unexpected character {text[pos]!r}")
        pos = m.end()
        kind = m.lastgroup
        tok = m.group()
        if kind == "ws":
            continue
        if kind == "num":
            out.append(_Tok("num", tok, _int_literal(tok)))
        elif kind == "char":
            out.append(_Tok("num", tok, Value(_char_literal(tok), 32, True)))
        else:
            out.append(_Tok(kind, tok))
    return out


# ------------------------------------------------------- types for casts

_TYPEDEFS: dict[str, tuple[int, bool]] = {}
for _w in (8, 16, 32, 64):
    for _n in (f"u{_w}", f"__u{_w}", f"uint{_w}_t", f"u_int{_w}_t", f"__le{_w}", f"__be{_w}"):
        _TYPEDEFS[_n] = (_w, False)
    for _n in (f"s{_w}", f"__s{_w}", f"int{_w}_t"):
        _TYPEDEFS[_n] = (_w, True)
del _w, _n
_TYPEDEFS.update({
    "__le8": (8, False), "__be8": (8, False),
    "size_t": (64, False), "ssize_t": (64, True), "ptrdiff_t": (64, True),
    "uintptr_t": (64, False), "intptr_t": (64, True), "phys_addr_t": (64, False),
    "dma_addr_t": (64, False), "resource_size_t": (64, False), "ulong": (64, False),
    "uint": (32, False), "ushort": (16, False), "uchar": (8, False),
    "bool": (1, False), "_Bool": (1, False),
})
_TYPE_WORDS = {"signed", "unsigned", "short", "int", "long", "char", "__signed__"}
_QUALIFIERS = {"const", "volatile", "__force", "__user", "__iomem"}


def _cast(v: Value, bits: int, signed: bool) -> Value:
    if bits == 1:
        return _bool(v.value != 0)
    r = _wrap(v.value, bits, signed)
    if bits < 32:  # integer promotion: the value fits an int
        return Value(r.value, 32, True)
    return r


# -------------------------------------------------------- builtin macros

BUILTIN_DEFINES: dict[str, str] = {
    "true": "1", "false": "0",
    "BITS_PER_BYTE": "8", "BITS_PER_LONG": "64", "BITS_PER_LONG_LONG": "64",
    "U8_MAX": "((u8)~0U)", "S8_MAX": "((s8)(U8_MAX >> 1))", "S8_MIN": "((s8)(-S8_MAX - 1))",
    "U16_MAX": "((u16)~0U)", "S16_MAX": "((s16)(U16_MAX >> 1))", "S16_MIN": "((s16)(-S16_MAX - 1))",
    "U32_MAX": "((u32)~0U)", "S32_MAX": "((s32)(U32_MAX >> 1))", "S32_MIN": "((s32)(-S32_MAX - 1))",
    "U64_MAX": "((u64)~0ULL)", "S64_MAX": "((s64)(U64_MAX >> 1))", "S64_MIN": "((s64)(-S64_MAX - 1))",
    "INT_MAX": "((int)(~0U >> 1))", "INT_MIN": "(-INT_MAX - 1)", "UINT_MAX": "(~0U)",
    "LONG_MAX": "((long)(~0UL >> 1))", "LONG_MIN": "(-LONG_MAX - 1)", "ULONG_MAX": "(~0UL)",
    "LLONG_MAX": "((long long)(~0ULL >> 1))", "LLONG_MIN": "(-LLONG_MAX - 1)", "ULLONG_MAX": "(~0ULL)",
    "SHRT_MAX": "((short)(USHRT_MAX >> 1))", "USHRT_MAX": "((unsigned short)~0U)",
    "SIZE_MAX": "(~(size_t)0)", "PHYS_ADDR_MAX": "(~(phys_addr_t)0)",
}
for _i in range(0, 33):  # include/linux/sizes.h
    _v = 1 << _i
    if _i < 10:
        _name = f"SZ_{_v}"
    elif _i < 20:
        _name = f"SZ_{_v >> 10}K"
    elif _i < 30:
        _name = f"SZ_{_v >> 20}M"
    else:
        _name = f"SZ_{_v >> 30}G"
    BUILTIN_DEFINES[_name] = f"{_v:#x}" if _i < 32 else f"{_v:#x}ULL"
del _i, _v, _name

BUILTIN_FUNCTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "BIT": (("nr",), "(1UL << (nr))"),
    "BIT_ULL": (("nr",), "(1ULL << (nr))"),
    "_BITUL": (("x",), "(1UL << (x))"),
    "_BITULL": (("x",), "(1ULL << (x))"),
    "BIT_U8": (("b",), "((u8)(1U << (b)))"),
    "BIT_U16": (("b",), "((u16)(1U << (b)))"),
    "BIT_U32": (("b",), "((u32)(1U << (b)))"),
    "BIT_U64": (("b",), "((u64)(1ULL << (b)))"),
    "BIT_MASK": (("nr",), "(1UL << ((nr) % 64))"),
    "BIT_WORD": (("nr",), "((nr) / 64)"),
    "BIT_ULL_MASK": (("nr",), "(1ULL << ((nr) % 64))"),
    "DIV_ROUND_UP": (("n", "d"), "(((n) + (d) - 1) / (d))"),
}
# Native: evaluated by the parser itself (range checks, token pasting).
_GENMASK = {"GENMASK": (64, 64), "GENMASK_ULL": (64, 64), "GENMASK_U8": (8, 8),
            "GENMASK_U16": (16, 16), "GENMASK_U32": (32, 32), "GENMASK_U64": (64, 64)}
_PASTE = {"_AC": None, "__AC": None, "_UL": "UL", "_ULL": "ULL", "UL": "UL", "ULL": "ULL",
          "U8_C": "", "U16_C": "", "U32_C": "U", "U64_C": "ULL",
          "S8_C": "", "S16_C": "", "S32_C": "", "S64_C": "LL"}
_FIELD = {"FIELD_PREP": 2, "FIELD_GET": 2, "FIELD_MAX": 1, "FIELD_FIT": 2}


# ---------------------------------------------------------------- parser

_BINARY = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5,
    "==": 6, "!=": 6, "<": 7, "<=": 7, ">": 7, ">=": 7,
    "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}
_END = _Tok("end", "")


class _Evaluator:
    def __init__(self, lookup: Callable[[str], str | None], functions: Mapping[str, tuple[tuple[str, ...], str]]):
        self.lookup = lookup
        self.functions = functions
        self.produced = 0
        self.depth = 0
        self._cache: dict[str, list[_Tok]] = {}

    # -- token stream: a reversed list, macro expansion at the front
    def run(self, toks: list[_Tok]) -> Value:
        saved = getattr(self, "stack", None)
        self.stack = list(reversed(toks))
        try:
            v = self.conditional()
            if self.peek_raw() is not _END:
                raise _GiveUp(f"unexpected {self.peek_raw().text!r}")
            return v
        finally:
            self.stack = saved

    def peek_raw(self) -> _Tok:
        return self.stack[-1] if self.stack else _END

    def _tokens_of(self, name: str, text: str) -> list[_Tok]:
        toks = self._cache.get(name)
        if toks is None:
            toks = self._cache[name] = _tokenize(text)
        return toks

    def _push(self, toks: list[_Tok], hide: frozenset) -> None:
        self.produced += len(toks)
        if self.produced > MAX_TOKENS:
            raise _GiveUp("macro expansion too large")
        if len(hide) > MAX_NESTING:
            raise _GiveUp("macros nested too deeply")
        for t in reversed(toks):
            self.stack.append(_Tok(t.kind, t.text, t.value, t.hide | hide))

    def peek(self) -> _Tok:
        """The next token after object-like macro expansion."""
        while True:
            t = self.peek_raw()
            if t.kind != "id" or t.text in t.hide:
                return t
            text = self.lookup(t.text)
            if text is None:
                text = BUILTIN_DEFINES.get(t.text)
            if text is None:
                return t
            self.stack.pop()
            self._push(self._tokens_of(t.text, text), t.hide | {t.text})

    def next(self) -> _Tok:
        t = self.peek()
        if self.stack:
            self.stack.pop()
        return t

    def expect(self, text: str) -> None:
        t = self.next()
        if t.text != text or t.kind != "op":
            raise _GiveUp(f"expected {text!r}, got {t.text!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _GiveUp("expression nested too deeply")

    # -- grammar
    def conditional(self) -> Value:
        self.enter()
        try:
            cond = self.binary(1)
            if self.peek().text != "?" or self.peek().kind != "op":
                return cond
            self.next()
            a = self.conditional()
            self.expect(":")
            b = self.conditional()
            bits, signed = _common(a, b)
            return _conv(a if cond.value else b, bits, signed)
        finally:
            self.depth -= 1

    def binary(self, min_prec: int) -> Value:
        left = self.unary()
        while True:
            t = self.peek()
            prec = _BINARY.get(t.text) if t.kind == "op" else None
            if prec is None or prec < min_prec:
                return left
            self.next()
            right = self.binary(prec + 1)
            left = _apply(t.text, left, right)

    def unary(self) -> Value:
        t = self.peek()
        if t.kind == "op" and t.text in ("-", "+", "~", "!", "("):
            self.enter()
            try:
                self.next()
                if t.text == "(":
                    return self.paren()
                v = self.unary()
                if t.text == "!":
                    return _bool(v.value == 0)
                if t.text == "+":
                    return v
                if t.text == "-":
                    return _wrap(-v.value, v.bits, v.signed)
                return _wrap(~v.value, v.bits, v.signed)
            finally:
                self.depth -= 1
        return self.primary()

    def paren(self) -> Value:
        """After '(': a cast or a parenthesized expression."""
        t = self.peek()
        if t.kind == "id" and (t.text in _TYPEDEFS or t.text in _TYPE_WORDS or t.text in _QUALIFIERS):
            bits, signed = self.type_name()
            return _cast(self.unary(), bits, signed)
        v = self.conditional()
        self.expect(")")
        return v

    def type_name(self) -> tuple[int, bool]:
        words: list[str] = []
        typedef: tuple[int, bool] | None = None
        while True:
            t = self.next()
            if t.kind == "op" and t.text == ")":
                break
            if t.kind != "id":
                raise _GiveUp(f"not an integer type: {t.text!r}")  # '*': a pointer cast
            if t.text in _QUALIFIERS:
                continue
            if t.text in _TYPEDEFS and typedef is None and not words:
                typedef = _TYPEDEFS[t.text]
            elif t.text in _TYPE_WORDS and typedef is None:
                words.append(t.text)
            else:
                raise _GiveUp(f"unknown type {t.text!r}")
        if typedef is not None:
            return typedef
        if not words:
            raise _GiveUp("empty cast")
        signed = "unsigned" not in words
        if words.count("long") >= 1:
            return 64, signed
        if "short" in words:
            return 16, signed
        if "char" in words:
            return 8, signed
        return 32, signed

    def primary(self) -> Value:
        t = self.next()
        if t.kind == "num":
            return t.value
        if t.kind != "id":
            raise _GiveUp(f"unexpected {t.text!r}" if t.text else "unexpected end")
        nxt = self.peek_raw()
        if not (nxt.kind == "op" and nxt.text == "(") or t.text in t.hide:
            raise _GiveUp(f"unknown identifier {t.text}")
        name = t.text
        self.stack.pop()  # '('
        args = self.raw_args()
        if name in self.functions or name in BUILTIN_FUNCTIONS:
            params, body = self.functions.get(name) or BUILTIN_FUNCTIONS[name]
            return self.call(name, params, body, args, t.hide)
        if name in _GENMASK:
            return self.genmask(name, args)
        if name in _PASTE:
            return self.paste(name, args)
        if name in _FIELD:
            return self.field(name, args)
        raise _GiveUp(f"unknown function {name}")

    def raw_args(self) -> list[list[_Tok]]:
        """Unexpanded argument tokens up to the matching ')'."""
        args: list[list[_Tok]] = [[]]
        level = 0
        while True:
            if not self.stack:
                raise _GiveUp("unterminated macro call")
            t = self.stack.pop()
            if t.kind == "op":
                if t.text == "(":
                    level += 1
                elif t.text == ")":
                    if level == 0:
                        break
                    level -= 1
                elif t.text == "," and level == 0:
                    args.append([])
                    continue
            args[-1].append(t)
        if args == [[]]:
            return []
        return args

    def eval_arg(self, toks: list[_Tok]) -> Value:
        if not toks:
            raise _GiveUp("empty macro argument")
        self.enter()
        try:
            return self.run(toks)
        finally:
            self.depth -= 1

    def call(self, name: str, params: tuple[str, ...], body: str, args: list[list[_Tok]], hide: frozenset) -> Value:
        if len(args) != len(params):
            raise _GiveUp(f"{name}: wrong number of arguments")
        btoks = self._tokens_of("()" + name, body)
        if any(t.kind == "op" and t.text in ("#", "##") for t in btoks):
            raise _GiveUp("# and ## are not supported")
        hide = hide | {name}
        out: list[_Tok] = []
        for t in btoks:
            if t.kind == "id" and t.text in params:
                arg = args[params.index(t.text)]
                out.append(_Tok("op", "("))  # parenthesize: no textual surprises from arguments
                out.extend(arg)
                out.append(_Tok("op", ")"))
            else:
                out.append(_Tok(t.kind, t.text, t.value, t.hide | hide))
        self.produced += len(out)
        if self.produced > MAX_TOKENS or len(hide) > MAX_NESTING:
            raise _GiveUp("macro expansion too large")
        return self.eval_arg(out)

    def genmask(self, name: str, args: list[list[_Tok]]) -> Value:
        if len(args) != 2:
            raise _GiveUp(f"{name}: wrong number of arguments")
        h, l = (self.eval_arg(a).value for a in args)
        width, tbits = _GENMASK[name]
        if not 0 <= l <= h < width:
            raise _GiveUp(f"{name}({h}, {l}) out of range")
        mask = ((1 << (h + 1)) - 1) & ~((1 << l) - 1)
        return _cast(Value(mask, 64, False), tbits, False)

    def paste(self, name: str, args: list[list[_Tok]]) -> Value:
        suffix = _PASTE[name]
        if suffix is None:  # _AC(X, Y)
            if len(args) != 2 or len(args[1]) != 1 or args[1][0].kind != "id":
                raise _GiveUp("_AC: bad arguments")
            suffix = args[1][0].text
        elif len(args) != 1:
            raise _GiveUp(f"{name}: wrong number of arguments")
        saved = self.stack
        self.stack = list(reversed(args[0]))
        try:
            t = self.next()
            if t.kind != "num" or self.peek() is not _END or not _INT.match(t.text) or _INT.match(t.text).group(2):
                raise _GiveUp(f"{name}: cannot paste onto {t.text!r}")
        finally:
            self.stack = saved
        return _int_literal(t.text + suffix)

    def field(self, name: str, args: list[list[_Tok]]) -> Value:
        if len(args) != _FIELD[name]:
            raise _GiveUp(f"{name}: wrong number of arguments")
        vals = [self.eval_arg(a) for a in args]
        mask = vals[0]
        m = mask.unsigned
        if m == 0:
            raise _GiveUp(f"{name}: zero mask")
        shift = (m & -m).bit_length() - 1
        if name == "FIELD_MAX":
            return _wrap(m >> shift, mask.bits, mask.signed)
        v = vals[1]
        if name == "FIELD_PREP":
            val = _conv(v, mask.bits, mask.signed)
            if (val.unsigned << shift) & ~m & ((1 << mask.bits) - 1):
                raise _GiveUp("FIELD_PREP: value too large for the field")  # a build error in the kernel
            return _wrap(val.value << shift, mask.bits, mask.signed)
        if name == "FIELD_FIT":
            return _bool(not ((_conv(v, mask.bits, mask.signed).unsigned << shift) & ~m))
        bits, signed = _common(v, mask)  # FIELD_GET
        return _wrap((_conv(v, bits, signed).unsigned & m) >> shift, mask.bits, mask.signed)


def _apply(op: str, a: Value, b: Value) -> Value:
    if op == "&&":
        return _bool(a.value != 0 and b.value != 0)
    if op == "||":
        return _bool(a.value != 0 or b.value != 0)
    if op in ("<<", ">>"):
        if b.value < 0 or b.value >= a.bits:
            raise _GiveUp(f"shift by {b.value} of a {a.bits}-bit value")
        if op == "<<":
            return _wrap(a.value << b.value, a.bits, a.signed)
        return _wrap(a.value >> b.value, a.bits, a.signed)
    bits, signed = _common(a, b)
    x, y = _conv(a, bits, signed).value, _conv(b, bits, signed).value
    if op in ("==", "!=", "<", "<=", ">", ">="):
        return _bool({"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op])
    if op in ("/", "%"):
        if y == 0:
            raise _GiveUp("division by zero")
        q = abs(x) // abs(y)
        if (x < 0) != (y < 0):
            q = -q
        if signed and q >= 1 << (bits - 1):
            raise _GiveUp("signed overflow in division")
        return _wrap(q if op == "/" else x - q * y, bits, signed)
    r = {"+": x + y, "-": x - y, "*": x * y, "&": x & y, "|": x | y, "^": x ^ y}[op]
    return _wrap(r, bits, signed)


def _lookup(defines: Mapping[str, str] | Callable[[str], str | None]) -> Callable[[str], str | None]:
    if callable(defines) and not isinstance(defines, Mapping):
        return defines
    return defines.get  # type: ignore[union-attr]


def evaluate(
    text: str,
    defines: Mapping[str, str] | Callable[[str], str | None] = {},  # noqa: B006 (read only)
    functions: Mapping[str, tuple[tuple[str, ...], str]] = {},  # noqa: B006 (read only)
) -> Value | None:
    """The value of the C integer constant expression ``text``, or None."""
    ev = _Evaluator(_lookup(defines), functions)
    try:
        return ev.run(_tokenize(text))
    except (_GiveUp, RecursionError):
        return None


def explain(
    text: str,
    defines: Mapping[str, str] | Callable[[str], str | None] = {},  # noqa: B006 (read only)
    functions: Mapping[str, tuple[tuple[str, ...], str]] = {},  # noqa: B006 (read only)
) -> str:
    """Why ``evaluate`` gives up on ``text`` ("" when it does not): for debugging."""
    ev = _Evaluator(_lookup(defines), functions)
    try:
        ev.run(_tokenize(text))
        return ""
    except _GiveUp as exc:
        return str(exc)
    except RecursionError:
        return "recursion"


class Scope:
    """The macros a patch shows, as seen from one file of it.

    ``defines`` are ``reviewbot.rule.Define``-like objects (``name``,
    ``value``, ``params``, ``path``, ``kind``); removed lines (``kind ==
    '-'``) are ignored.  A name defined in ``path`` itself wins over the
    same name in another file of the patch.  A name with two different
    replacement texts (``#ifdef`` branches, two drivers' private macros)
    is ambiguous and stays unknown, so values are only used when the patch
    leaves no doubt about them.
    """

    def __init__(self, defines, path: str | None = None, fallback=None) -> None:
        """``fallback(name)``: a Define-like object for a name the patch
        does not define (from the series or a kernel tree), or None."""
        self._fallback = fallback
        self._fallen: dict[str, object] = {}
        local: dict[str, set] = {}
        other: dict[str, set] = {}
        for d in defines:
            if getattr(d, "kind", "+") == "-":
                continue
            key = (tuple(d.params) if d.params is not None else None, " ".join(d.value.split()))
            (local if path is not None and d.path == path else other).setdefault(d.name, set()).add(key)
        self._objects: dict[str, str | None] = {}
        self._functions: dict[str, tuple[tuple[str, ...], str]] = {}
        for name in set(local) | set(other):
            keys = local.get(name) or other[name]
            if len(keys) != 1:
                self._objects[name] = None  # ambiguous: hides builtins too
                continue
            params, value = next(iter(keys))
            if params is None:
                self._objects[name] = value
            else:
                self._functions[name] = (params, value)
                self._objects[name] = None

    def lookup(self, name: str) -> str | None:
        if name not in self._objects:
            d = self.outside(name)
            return d.value if d is not None and d.params is None else None
        return self._objects.get(name)

    def knows(self, name: str) -> bool:
        return name in self._objects or self.outside(name) is not None

    def outside(self, name: str):
        """The definition of ``name`` from beyond the patch (``fallback``)."""
        if self._fallback is None or name in self._objects or name in _BUILTIN_NAMES:
            return None  # the kernel's own GENMASK() & co. are built in
        if name not in self._fallen:
            self._fallen[name] = self._fallback(name)
        return self._fallen[name]

    def evaluate(self, text: str) -> Value | None:
        functions = self._functions if self._fallback is None else _Functions(self)
        return evaluate(text, self._lookup_with_hidden, functions)

    def _lookup_with_hidden(self, name: str) -> str | None:
        if name in self._objects and self._objects[name] is None and name not in self._functions:
            return "@ambiguous@"  # untokenizable: evaluation gives up
        if name not in self._objects:
            d = self.outside(name)
            if d is None or d.params is not None:
                return None
            return d.value
        return self._objects.get(name)


_BUILTIN_NAMES = frozenset((*BUILTIN_DEFINES, *BUILTIN_FUNCTIONS, *_GENMASK, *_PASTE, *_FIELD))


class _Functions(Mapping):
    """A scope's function-like macros, the patch's and those beyond it."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def get(self, name, default=None):
        got = self.scope._functions.get(name)
        if got is not None:
            return got
        d = self.scope.outside(name)
        if d is not None and d.params is not None:
            return (tuple(d.params), d.value)
        return default

    def __getitem__(self, name):
        got = self.get(name)
        if got is None:
            raise KeyError(name)
        return got

    def __contains__(self, name) -> bool:
        return self.get(name) is not None

    def __iter__(self):
        return iter(self.scope._functions)

    def __len__(self) -> int:
        return len(self.scope._functions)
