"""RB201 masked-compare-precedence."""

import re

import pytest

from reviewbot import docs
from reviewbot.engine import Engine, all_rules, find_rule

RB201 = find_rule(all_rules(), "RB201")
EXPECT = re.compile(r"/\* expect: (RB\d+) \*/")


def review(lang, code, path="drivers/misc/example.c"):
    patch = docs.example_patch(lang, {"path": path}, code, title="rb201-test")
    findings, problems = Engine([RB201]).review(patch)
    assert not problems
    return list(findings)


def test_fixture_lines(fixtures):
    code = (fixtures / "rules/rb20x/rb201.c").read_text()
    expected = [i for i, ln in enumerate(code.splitlines(), 1) if EXPECT.search(ln)]
    assert expected, "the fixture marks no line"
    got = [f.line for f in review("c", code)]
    assert got == expected


@pytest.mark.parametrize(
    "expr,parsed,meant",
    [
        ("x & MASK == VAL", "x & (MASK == VAL)", "(x & MASK) == VAL"),
        ("x | F != 0", "x | (F != 0)", "(x | F) != 0"),
        ("x ^ 3 >= 2", "x ^ (3 >= 2)", "(x ^ 3) >= 2"),
        ("x == A & M", "(x == A) & M", "x == (A & M)"),
        ("p->f.g & BIT(3) == 0", "p->f.g & (BIT(3) == 0)", "(p->f.g & BIT(3)) == 0"),
    ],
)
def test_message_shows_parse_and_intent(expr, parsed, meant):
    (f,) = review("c", f"int f(int x, struct s *p)\n{{\n\treturn {expr};\n}}\n")
    assert f.line == 3
    assert f"`{expr}` parses as `{parsed}`; probably meant `{meant}`" in f.message


def test_message_shows_values_from_the_patch():
    code = "#define ST_MASK GENMASK(7, 4)\n#define ST_READY 0x10\n\nint f(u32 st)\n{\n\treturn st & ST_MASK == ST_READY;\n}\n"
    (f,) = review("c", code)
    assert f.message.endswith(
        ": `ST_MASK == ST_READY` is always 0 (ST_MASK = 0xf0, ST_READY = 0x10)"
    )


def test_unknown_values_are_not_guessed():
    (f,) = review("c", "int f(int x)\n{\n\treturn x & NOT_IN_PATCH == 0;\n}\n")
    assert "always" not in f.message and "=" not in f.message.split("probably meant")[1].replace("==", "")


@pytest.mark.parametrize(
    "expr",
    [
        "(x & M) == V",
        "x & (M == V)",  # explicit: the author wrote what they meant
        "(a == b) & (c == d)",
        "a == b & c == d",  # two truth values ANDed: same as &&
        "x & M << 2",
        "x & M && y != 0",
        "x == y",
        "x & M",
    ],
)
def test_quiet(expr):
    assert review("c", f"int f(int x, int y, int a, int b, int c, int d)\n{{\n\treturn {expr};\n}}\n") == []


def test_cast_of_an_address_is_not_a_bitwise_and():
    assert review("c", "int f(void *q)\n{\n\treturn (MYTYPE) &x == q;\n}\n") == []


def test_only_added_lines():
    diff = (
        "diff --git a/drivers/misc/a.c b/drivers/misc/a.c\n"
        "index 1111111..2222222 100644\n"
        "--- a/drivers/misc/a.c\n"
        "+++ b/drivers/misc/a.c\n"
        "@@ -10,4 +10,5 @@ int f(int x)\n"
        " {\n"
        " \tif (x & OLD == 1)\n"
        " \t\treturn 1;\n"
        "+\treturn x & NEW == 2;\n"
        " }\n"
    )
    assert [f.line for f in review("diff", diff)] == [13]


def test_reference_patch_is_clean(fixtures):
    text = (fixtures / "tdx-v8-16.patch").read_text()
    assert review("diff", text[text.index("diff --git"):]) == []
