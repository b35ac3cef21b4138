"""RB202 impossible-masked-compare."""

import re

import pytest

from reviewbot import docs
from reviewbot.engine import Engine, all_rules, find_rule

RB202 = find_rule(all_rules(), "RB202")
EXPECT = re.compile(r"/\* expect: (RB\d+) \*/")


def review(lang, code, path="drivers/misc/example.c"):
    patch = docs.example_patch(lang, {"path": path}, code, title="rb202-test")
    findings, problems = Engine([RB202]).review(patch)
    assert not problems
    return list(findings)


def reference_diff(fixtures) -> str:
    text = (fixtures / "tdx-v8-16.patch").read_text()
    return text[text.index("diff --git"):]


def test_reference_patch_is_correct_code(fixtures):
    """tdx.c:1268 `(err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE`
    compares 0x8000051200000000 under the mask 0xFFFFFFFF00000000: fine."""
    diff = reference_diff(fixtures)
    assert "if ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE)" in diff
    assert review("diff", diff) == []


def test_reference_variant_with_a_detail_bit_fires(fixtures):
    diff = reference_diff(fixtures)
    assert diff.count("0x8000051200000000ULL") == 1
    diff = diff.replace("0x8000051200000000ULL", "0x8000051200000001ULL")
    (f,) = review("diff", diff)
    assert (f.path, f.line) == ("arch/x86/virt/vmx/tdx/tdx.c", 1268)
    assert f.message == (
        "`(err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE` is always false: "
        "TDX_UPDATE_COMPAT_SENSITIVE = 0x8000051200000001 has bits 0x1 outside "
        "TDX_SEAMCALL_STATUS_MASK = 0xffffffff00000000"
    )


def test_fixture_lines(fixtures):
    code = (fixtures / "rules/rb20x/rb202.c").read_text()
    expected = [i for i, ln in enumerate(code.splitlines(), 1) if EXPECT.search(ln)]
    assert expected, "the fixture marks no line"
    assert [f.line for f in review("c", code)] == expected


def test_defines_from_other_files_and_ambiguity(fixtures):
    findings = review("diff", (fixtures / "rules/rb20x/rb202-files.diff").read_text())
    assert [(f.path, f.line) for f in findings] == [
        ("drivers/misc/qux.c", 47),  # BAZ_STATE_ON from baz.h
        ("drivers/misc/qux.c", 49),  # BAZ_STATE_OFF from qux.c itself
        ("drivers/misc/qux.c", 53),
    ]  # AMBIGUOUS_MASK is defined twice, differently: no value, no finding
    assert "BAZ_STATE_ON = 0x10 has bits 0x10 outside BAZ_STATE_MASK = 0xf" in findings[0].message


@pytest.mark.parametrize(
    "expr,message",
    [
        ("(x & 0xf0) == 0x1", "`(x & 0xf0) == 0x1` is always false: 0x1 has bits 0x1 outside 0xf0"),
        ("(x & 0xf0) != 0x1", "`(x & 0xf0) != 0x1` is always true: 0x1 has bits 0x1 outside 0xf0"),
        ("0x101 == (0xff & x)", "`0x101 == (0xff & x)` is always false: 0x101 has bits 0x100 outside 0xff"),
        ("(x | 0x3) == 0x1", "`(x | 0x3) == 0x1` is always false: 0x3 sets bits 0x2 that 0x1 does not have"),
        ("(x & GENMASK(3, 0)) == BIT(4)",
         "`(x & GENMASK(3, 0)) == BIT(4)` is always false: BIT(4) = 0x10 has bits 0x10 outside GENMASK(3, 0) = 0xf"),
        ("(x & 0xff & y) == 0x100", "`(x & 0xff & y) == 0x100` is always false: 0x100 has bits 0x100 outside 0xff"),
        ("FIELD_GET(GENMASK(7, 4), x) != 0x30",
         "`FIELD_GET(GENMASK(7, 4), x) != 0x30` is always true: "
         "0x30 has bits 0x30 outside FIELD_MAX(GENMASK(7, 4)) = 0xf"),
    ],
)
def test_messages(expr, message):
    (f,) = review("c", f"int f(u64 x, u64 y)\n{{\n\treturn {expr};\n}}\n")
    assert f.message == message


@pytest.mark.parametrize(
    "expr",
    [
        "(x & 0xf0) == 0x10",
        "(x & 0xffffffff) == 0xffffffff",
        "(x & 0xFFFFFFFF00000000ULL) == 0x8000051200000000ULL",
        "(x & ~0xfULL) == 0x10",  # ~0xfULL: 64-bit, no sign games
        "(x | 0x3) == 0x7",
        "(x & 0xff) == -1",  # negative: depends on the type of x
        "(x & -16) == 0x10",
        "(x & y) == 0x10",  # mask unknown
        "(x & 0xf) == y",  # value unknown
        "(0xf0 & 0x0f) == 0x1",  # all constant: a deliberate compile-time check
        "(x & 0xf) < 0x10",
        "(x & 0xf) == (y & 0xf0)",
        "(x ^ 0xf) == 0x10",
        "FIELD_GET(GENMASK(7, 4), x) == 0xf",
        "FIELD_GET(GENMASK(7, 4), 0x30) == 0x30",  # all constant
        "FIELD_GET(y, x) == 0x30",
    ],
)
def test_quiet(expr):
    assert review("c", f"int f(u64 x, u64 y)\n{{\n\treturn {expr};\n}}\n") == []


def test_only_added_lines():
    diff = (
        "diff --git a/drivers/misc/a.c b/drivers/misc/a.c\n"
        "index 1111111..2222222 100644\n"
        "--- a/drivers/misc/a.c\n"
        "+++ b/drivers/misc/a.c\n"
        "@@ -10,4 +10,5 @@ int f(int x)\n"
        " {\n"
        " \tif ((x & 0xf) == 0x10)\n"
        " \t\treturn 1;\n"
        "+\treturn (x & 0xf0) == 0x1;\n"
        " }\n"
    )
    assert [f.line for f in review("diff", diff)] == [13]
