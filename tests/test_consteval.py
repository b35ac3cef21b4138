"""reviewbot.consteval: C integer constant expressions, table-driven."""

import doctest

import pytest

from reviewbot import consteval
from reviewbot.consteval import Value, evaluate

U32 = (32, False)
S32 = (32, True)
U64 = (64, False)
S64 = (64, True)


def v(value, ty):
    bits, signed = ty
    return Value(value, bits, signed)


# (text, expected Value) -- C semantics on x86-64 (LP64)
CASES = [
    # literals and their types (C11 6.4.4.1)
    ("0", v(0, S32)),
    ("42", v(42, S32)),
    ("0x2a", v(42, S32)),
    ("052", v(42, S32)),
    ("0b101010", v(42, S32)),
    ("2147483647", v(2147483647, S32)),
    ("2147483648", v(2147483648, S64)),  # decimal: int, long
    ("0x80000000", v(0x80000000, U32)),  # hex: int, unsigned int, ...
    ("0xFFFFFFFF", v(0xFFFFFFFF, U32)),
    ("0x100000000", v(0x100000000, S64)),
    ("0xFFFFFFFF00000000", v(0xFFFFFFFF00000000, U64)),
    ("0xFFFFFFFF00000000ULL", v(0xFFFFFFFF00000000, U64)),
    ("0x8000051200000000ULL", v(0x8000051200000000, U64)),
    ("1u", v(1, U32)),
    ("1U", v(1, U32)),
    ("1l", v(1, S64)),
    ("1L", v(1, S64)),
    ("1ul", v(1, U64)),
    ("1Lu", v(1, U64)),
    ("1uLL", v(1, U64)),
    ("1ULL", v(1, U64)),
    ("1ll", v(1, S64)),
    ("0x0ULL", v(0, U64)),
    ("'a'", v(97, S32)),
    ("'\\n'", v(10, S32)),
    ("'\\0'", v(0, S32)),
    ("'\\x41'", v(65, S32)),
    ("'\\''", v(39, S32)),
    # kernel bit macros
    ("BIT(0)", v(1, U64)),
    ("BIT(16)", v(0x10000, U64)),
    ("BIT(63)", v(1 << 63, U64)),
    ("BIT_ULL(47)", v(1 << 47, U64)),
    ("BIT_ULL(18)", v(1 << 18, U64)),
    ("_BITUL(3)", v(8, U64)),
    ("_BITULL(40)", v(1 << 40, U64)),
    ("BIT_U32(31)", v(1 << 31, U32)),
    ("BIT_U8(7)", v(128, S32)),
    ("GENMASK(7, 4)", v(0xF0, U64)),
    ("GENMASK(63, 0)", v((1 << 64) - 1, U64)),
    ("GENMASK(31, 0)", v(0xFFFFFFFF, U64)),
    ("GENMASK_ULL(63, 32)", v(0xFFFFFFFF00000000, U64)),
    ("GENMASK_U32(31, 16)", v(0xFFFF0000, U32)),
    ("GENMASK_U8(3, 0)", v(0xF, S32)),
    ("_AC(1, UL)", v(1, U64)),
    ("_AC(0x80000000, U)", v(0x80000000, U32)),
    ("_UL(1) << 40", v(1 << 40, U64)),
    ("_ULL(0xff)", v(0xFF, U64)),
    ("U64_C(5)", v(5, U64)),
    ("U32_C(5)", v(5, U32)),
    ("UL(12)", v(12, U64)),
    ("FIELD_PREP(GENMASK(7, 4), 3)", v(0x30, U64)),
    ("FIELD_GET(GENMASK(7, 4), 0x35)", v(3, U64)),
    ("FIELD_MAX(GENMASK(7, 4))", v(15, U64)),
    ("U8_MAX", v(255, S32)),
    ("U16_MAX", v(0xFFFF, S32)),
    ("U32_MAX", v(0xFFFFFFFF, U32)),
    ("U64_MAX", v((1 << 64) - 1, U64)),
    ("S32_MAX", v(0x7FFFFFFF, S32)),
    ("S32_MIN", v(-(1 << 31), S32)),
    ("S64_MIN", v(-(1 << 63), S64)),
    ("INT_MAX", v(0x7FFFFFFF, S32)),
    ("UINT_MAX", v(0xFFFFFFFF, U32)),
    ("ULONG_MAX", v((1 << 64) - 1, U64)),
    ("SZ_4K", v(4096, S32)),
    ("SZ_2G", v(0x80000000, U32)),
    ("SZ_4G", v(1 << 32, U64)),
    # operators and the usual arithmetic conversions
    ("~0", v(-1, S32)),
    ("~0U", v(0xFFFFFFFF, U32)),
    ("~0UL", v((1 << 64) - 1, U64)),
    ("~0ULL", v((1 << 64) - 1, U64)),
    ("~BIT(3)", v(((1 << 64) - 1) ^ 8, U64)),
    ("-1", v(-1, S32)),
    ("-1U", v(0xFFFFFFFF, U32)),
    ("-1UL", v((1 << 64) - 1, U64)),
    ("- -1", v(1, S32)),
    ("+7", v(7, S32)),
    ("!0", v(1, S32)),
    ("!5", v(0, S32)),
    ("!!BIT_ULL(40)", v(1, S32)),
    ("1 + 2 * 3", v(7, S32)),
    ("(1 + 2) * 3", v(9, S32)),
    ("10 - 3 - 2", v(5, S32)),
    ("100 / 7", v(14, S32)),
    ("-7 / 2", v(-3, S32)),  # truncates toward zero
    ("-7 % 2", v(-1, S32)),
    ("7 % -2", v(1, S32)),
    ("1 << 4", v(16, S32)),
    ("1 << 31", v(-(1 << 31), S32)),  # gcc wraps
    ("1U << 31", v(1 << 31, U32)),
    ("-16 >> 2", v(-4, S32)),  # arithmetic shift of a negative int
    ("0x80000000 >> 31", v(1, U32)),
    ("1ULL << 32 >> 1", v(1 << 31, U64)),
    ("1 << 2U", v(4, S32)),  # the type of a shift is the left operand's
    ("0xF0 | 0x0F", v(0xFF, S32)),
    ("0xF0 & 0x3C", v(0x30, S32)),
    ("0xF0 ^ 0xFF", v(0x0F, S32)),
    ("1 | 2 ^ 3 & 4", v(1 | (2 ^ (3 & 4)), S32)),
    ("0xFFFFFFFF + 1", v(0, U32)),  # unsigned int wraps
    ("0xFFFFFFFFUL + 1", v(1 << 32, U64)),
    ("1U + -2", v(0xFFFFFFFF, U32)),
    ("1U + -2L", v(-1, S64)),  # long holds every unsigned int
    ("1UL + -2", v((1 << 64) - 1, U64)),
    ("-1 < 0U", v(0, S32)),  # -1 becomes UINT_MAX
    ("-1 < 0", v(1, S32)),
    ("-1L < 0U", v(1, S32)),
    ("3 == 3", v(1, S32)),
    ("3 != 3", v(0, S32)),
    ("2 <= 3 && 3 >= 4", v(0, S32)),
    ("0 || 7", v(1, S32)),
    ("1 ? 2 : 3", v(2, S32)),
    ("0 ? 2 : 3UL", v(3, U64)),
    ("0 ? 1 : 0 ? 2 : 3", v(3, S32)),
    ("1 ? 0 ? 2 : 4 : 3", v(4, S32)),
    # casts
    ("(u64)1", v(1, U64)),
    ("(u64)-1", v((1 << 64) - 1, U64)),
    ("(u32)-1", v(0xFFFFFFFF, U32)),
    ("(s32)0xFFFFFFFF", v(-1, S32)),
    ("(u8)0x1ff", v(0xFF, S32)),
    ("(s8)0xff", v(-1, S32)),
    ("(u16)~0", v(0xFFFF, S32)),
    ("(unsigned long)1 << 40", v(1 << 40, U64)),
    ("(unsigned long long)1", v(1, U64)),
    ("(long)-1", v(-1, S64)),
    ("(unsigned)-1", v(0xFFFFFFFF, U32)),
    ("(unsigned int)1", v(1, U32)),
    ("(int)0xFFFFFFFFFFFFFFFFULL", v(-1, S32)),
    ("(signed char)200", v(-56, S32)),
    ("(unsigned short)70000", v(70000 - 65536, S32)),
    ("(bool)4", v(1, S32)),
    ("(const u32)5", v(5, U32)),
    ("(__force __le32)5", v(5, U32)),
    ("(size_t)1", v(1, U64)),
    ("~(u32)0", v(0xFFFFFFFF, U32)),
    ("~(u8)0", v(-1, S32)),  # promoted to int first
    # comments and layout
    ("/* mask */ 0xff // low byte", v(0xFF, S32)),
    ("  (\n 1 \t| 2 )  ", v(3, S32)),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0] for c in CASES])
def test_value(text, expected):
    assert evaluate(text) == expected


# text -> None: evaluate gives up instead of guessing
GIVE_UP = [
    "",
    "   ",
    "foo",
    "foo(1)",
    "sizeof(int)",
    "sizeof(u32) * 8",
    '"abc"',
    "1.5",
    "1e3",
    "0x1p3",
    "09",
    "0xg",
    "1uu",
    "1lL",
    "1lul",
    "0x10000000000000000",
    "18446744073709551616",
    "9223372036854775808",  # decimal: no unsigned type without a suffix
    "(",
    "(1",
    "1)",
    "1 +",
    "1 2",
    "1 ? 2",
    "a = 1",
    "1, 2",
    "{1}",
    "x[1]",
    "s.f",
    "p->f",
    "&x",
    "*p",
    "(void *)0",
    "(char *)1",
    "(struct foo)1",
    "(foo_t)1",
    "1 / 0",
    "1 % 0",
    "(-2147483647 - 1) / -1",
    "1 << 32",
    "1ULL << 64",
    "1 << -1",
    "1 >> 32",
    "BIT(64)",
    "BIT_ULL(-1)",
    "GENMASK(3, 4)",
    "GENMASK(64, 0)",
    "GENMASK_U32(32, 0)",
    "GENMASK(1)",
    "BIT()",
    "BIT(1, 2)",
    "_AC((1), UL)",
    "_AC(1UL, UL)",
    "_AC(1, 2)",
    "FIELD_PREP(0, 1)",
    "FIELD_PREP(GENMASK(7, 4), 16)",  # does not fit: a build error
    "'ab'",
    "L'a'",
    "'\\q'",
    "#",
    "A ## B",
    "@",
    "`",
    "1 \\ 2",
]


@pytest.mark.parametrize("text", GIVE_UP)
def test_gives_up(text):
    assert evaluate(text) is None, consteval.explain(text)


def test_explain_says_why():
    assert consteval.explain("1 + 2") == ""
    assert "unknown identifier" in consteval.explain("FOO | 1")
    assert "shift" in consteval.explain("1 << 40")


TDX = {
    "TDX_SW_ERROR": "(TDX_ERROR | GENMASK_ULL(47, 40))",
    "TDX_ERROR": "_BITUL(63)",
    "X86_TRAP_GP": "13",
    "TDX_SEAMCALL_GP": "(TDX_SW_ERROR | X86_TRAP_GP)",
    "TDX_SEAMCALL_STATUS_MASK": "0xFFFFFFFF00000000ULL",
    "TDX_UPDATE_COMPAT_SENSITIVE": "0x8000051200000000ULL",
    "TDX_FEATURES0_UPDATE_COMPAT": "BIT_ULL(47)",
}

# (text, defines, expected)
DEFINE_CASES = [
    ("TDX_SEAMCALL_STATUS_MASK", TDX, v(0xFFFFFFFF00000000, U64)),
    ("TDX_SEAMCALL_GP", TDX, v((1 << 63) | (0xFF << 40) | 13, U64)),
    ("TDX_UPDATE_COMPAT_SENSITIVE & ~TDX_SEAMCALL_STATUS_MASK", TDX, v(0, U64)),
    ("TDX_FEATURES0_UPDATE_COMPAT", TDX, v(1 << 47, U64)),
    # token-level expansion, like the preprocessor
    ("A * 3", {"A": "1 + 2"}, v(7, S32)),
    ("A * 3", {"A": "(1 + 2)"}, v(9, S32)),
    ("SHIFTED + 1", {"SHIFTED": "1 << 3"}, v(1 << (3 + 1), S32)),
    # a macro naming a macro, a macro naming a function-like builtin
    ("A", {"A": "B", "B": "C", "C": "5"}, v(5, S32)),
    ("MYBIT(3)", {"MYBIT": "BIT"}, v(8, U64)),
    ("BIT(SHIFT)", {"SHIFT": "12"}, v(4096, U64)),
    ("GENMASK(HI, LO)", {"HI": "15", "LO": "8"}, v(0xFF00, U64)),
    ("_AC(X, UL)", {"X": "3"}, v(3, U64)),
    # defines override builtins
    ("U32_MAX", {"U32_MAX": "7"}, v(7, S32)),
    # a callable works as well as a mapping
    ("FOO + 1", lambda name: {"FOO": "41"}.get(name), v(42, S32)),
]


@pytest.mark.parametrize("text,defines,expected", DEFINE_CASES, ids=[c[0] for c in DEFINE_CASES])
def test_defines(text, defines, expected):
    assert evaluate(text, defines) == expected


DEFINE_GIVE_UP = [
    ("A", {"A": "A"}),  # self-reference stays unexpanded: unknown identifier
    ("A", {"A": "B", "B": "A"}),
    ("A", {"A": "B + 1", "B": "A + 1"}),
    ("A", {"A": ""}),
    ("A", {"A": "do { } while (0)"}),
    ("A", {"A": "readl(base)"}),
    ("A", {"A": "B"}),
    ("A(1)", {"A": "1"}),  # an object-like macro is not callable
    ("A", {f"M{i}": f"M{i + 1}" for i in range(1000)} | {"A": "M0"}),  # nested too deeply
]


@pytest.mark.parametrize("text,defines", DEFINE_GIVE_UP, ids=range(len(DEFINE_GIVE_UP)))
def test_defines_give_up(text, defines):
    assert evaluate(text, defines) is None


def test_billion_laughs_is_bounded():
    defines = {f"L{i}": f"(L{i + 1} + L{i + 1})" for i in range(40)} | {"L40": "1"}
    assert evaluate("L0", defines) is None
    assert evaluate("L35", defines) == v(32, S32)


def test_function_like_macros():
    funcs = {"SHIFT": (("x", "n"), "x << n"), "TWICE": (("x",), "x + x")}
    assert evaluate("SHIFT(1, 4)", functions=funcs) == v(16, S32)
    assert evaluate("TWICE(1 + 2) * 2", functions=funcs) == v(12, S32)
    assert evaluate("TWICE(1, 2)", functions=funcs) is None
    assert evaluate("STR(x)", functions={"STR": (("x",), "#x")}) is None


def test_hostile_inputs_are_bounded():
    assert evaluate("(" * 20000 + "1" + ")" * 20000) is None
    assert evaluate("-" * 20000 + "1") is None
    assert evaluate("~" * 50 + "1") == v(1, S32)
    assert evaluate(" | ".join(["1"] * 20000)) == v(1, S32)
    assert evaluate("1 ? " * 5000 + "1" + " : 0" * 5000) is None
    assert evaluate("1" * 100000) is None
    assert evaluate("x" * (2 << 20)) is None


def test_str_and_helpers():
    assert str(v(0xFFFFFFFF00000000, U64)) == "0xffffffff00000000"
    assert str(v(7, S32)) == "7"
    assert str(v(-22, S32)) == "-22"
    assert v(-1, S32).unsigned == 0xFFFFFFFF
    assert v(-1, S64).type_name == "long"
    assert v(1, U32).type_name == "unsigned int"


def test_doctests():
    assert doctest.testmod(consteval).failed == 0


def _define(name, value, path="a.c", kind="+", params=None):
    from reviewbot.rule import Define

    return Define(name, value, path, 1, kind, params)


def test_scope_prefers_the_file_and_drops_ambiguity():
    defines = [
        _define("M", "0xF0"),
        _define("C", "0x10", "a.c"),
        _define("C", "0x20", "b.h"),
        _define("TWICE", "0x1", "a.c"),
        _define("TWICE", "0x2", "a.c"),
        _define("SAME", "0x3", "b.h"),
        _define("SAME", "0x3", "c.h"),
        _define("OLD", "0x4", kind="-"),
        _define("U32_MAX", "1", "b.h"),
        _define("U32_MAX", "2", "c.h"),
        _define("F", "(x) + 1", params=("x",)),
    ]
    a = consteval.Scope(defines, "a.c")
    assert a.evaluate("M | C") == v(0xF0, S32)
    assert consteval.Scope(defines, "b.h").evaluate("C") == v(0x20, S32)
    assert consteval.Scope(defines, "z.c").evaluate("C") is None  # two files, two values
    assert a.evaluate("TWICE") is None  # #ifdef branches
    assert a.evaluate("SAME") == v(3, S32)
    assert a.evaluate("OLD") is None  # removed lines do not count
    assert a.evaluate("U32_MAX") is None  # an ambiguous define hides the builtin
    assert consteval.Scope([], "a.c").evaluate("U32_MAX") == v(0xFFFFFFFF, U32)
    assert a.evaluate("F(2)") == v(3, S32)


def test_agrees_with_gcc(tmp_path):
    """Random expressions: value and type (after promotion) as gcc computes
    them with -fwrapv (the kernel's -fno-strict-overflow)."""
    import random
    import shutil
    import subprocess

    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no gcc")
    rnd = random.Random(7)
    lits = ["0", "1", "7", "-1", "0x80000000", "0xFFFFFFFF", "2147483647", "2147483648", "1U", "1UL",
            "1ULL", "1L", "0xff", "-5", "0xFFFFFFFF00000000ULL", "'a'", "(u8)300", "(s8)200", "(u64)-1",
            "(u32)-1", "(int)0x80000000U", "(long)-3", "BIT(3)", "GENMASK(7, 4)", "~0U", "~0UL",
            "U32_MAX", "S32_MIN", "(unsigned short)70000", "(bool)4", "_AC(3, UL)"]
    ops = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<", ">", "<=", ">=", "&&", "||"]

    def gen(d):
        r = rnd.random()
        if d == 0 or r < 0.3:
            return rnd.choice(lits)
        if r < 0.4:
            return rnd.choice(["-", "~", "!", "(u8)", "(s32)", "(u64)", "(long)", "(unsigned)"]) + f"({gen(d - 1)})"
        if r < 0.45:
            return f"({gen(d - 1)} ? {gen(d - 1)} : {gen(d - 1)})"
        op = rnd.choice(ops)
        right = str(rnd.randint(0, 31)) if op in ("<<", ">>") else gen(d - 1)
        return f"({gen(d - 1)} {op} {right})"

    exprs = []
    while len(exprs) < 1500:
        e = gen(4)
        val = evaluate(e)
        if val is not None:
            exprs.append((e, val))
    src = [
        "#include <stdio.h>",
        "#include <stdbool.h>",
        "typedef unsigned char u8; typedef signed char s8; typedef unsigned int u32;",
        "typedef int s32; typedef unsigned long long u64;",
        "#define BIT(n) (1UL << (n))",
        "#define GENMASK(h, l) (((~0UL) - (1UL << (l)) + 1) & (~0UL >> (63 - (h))))",
        "#define U32_MAX ((u32)~0U)",
        "#define S32_MAX ((s32)(U32_MAX >> 1))",
        "#define S32_MIN ((s32)(-S32_MAX - 1))",
        "#define __AC(X, Y) (X##Y)",
        "#define _AC(X, Y) __AC(X, Y)",
        '#define T(e) printf("%d %d %lld\\n", (int)sizeof(+(e)), (int)((__typeof__(+(e)))-1 < 0), (long long)(+(e)))',
        "int main(void)",
        "{",
        *(f"\tT({e});" for e, _ in exprs),
        "\treturn 0;",
        "}",
    ]
    (tmp_path / "t.c").write_text("\n".join(src) + "\n")
    subprocess.run([gcc, "-w", "-fwrapv", "-O0", "-o", str(tmp_path / "t"), str(tmp_path / "t.c")], check=True)
    out = subprocess.run([str(tmp_path / "t")], check=True, capture_output=True, text=True).stdout.splitlines()
    assert len(out) == len(exprs)
    for (e, val), line in zip(exprs, out):
        size, signed, value = line.split()
        bits = int(size) * 8
        assert (val.bits, val.signed, val.unsigned) == (bits, signed == "1", int(value) & ((1 << bits) - 1)), e
