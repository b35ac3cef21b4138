"""RB101 if-blocks-without-blank-line: fixtures, the reference review, edge cases."""

import pathlib

import pytest

from reviewbot import docs
from reviewbot.engine import Engine, all_rules, find_rule

RB101 = find_rule(all_rules(), "RB101")
HERE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "rb101"
FIRES = sorted((HERE / "fires").glob("*.diff"))
QUIET = sorted((HERE / "quiet").glob("*.diff"))


def review_diff(text: str, title: str = "rb101"):
    patch = docs.example_patch("diff", {}, text, title=title)
    findings, problems = Engine([RB101]).review(patch)
    assert not problems
    return findings


def review_fixture(path: pathlib.Path):
    return review_diff(path.read_text(), title=path.stem)


def test_fixtures_exist():
    assert len(FIRES) >= 5 and len(QUIET) >= 8


@pytest.mark.parametrize("path", FIRES, ids=lambda p: p.stem)
def test_fires(path):
    findings = review_fixture(path)
    assert len(findings) == 1
    assert findings[0].rule.code == "RB101"


@pytest.mark.parametrize("path", QUIET, ids=lambda p: p.stem)
def test_quiet(path):
    assert review_fixture(path) == ()


def test_reference_review(fixtures):
    """Dave Hansen: "Whitespace between the if()s please." on tdx.c."""
    from reviewbot.loader import load

    loaded = load([str(fixtures / "tdx-v8-16.patch")])
    assert not loaded.errors
    patches = [p for s in loaded.series for p in (*s.patches, *s.extras)]
    assert len(patches) == 1
    findings, problems = Engine([RB101]).review(patches[0])
    assert not problems
    assert [(f.path, f.line, f.end_line) for f in findings] == [("arch/x86/virt/vmx/tdx/tdx.c", 1270, 1273)]
    assert "line 1268 and line 1270" in findings[0].message


def test_hit_is_on_the_second_if():
    (f,) = review_fixture(HERE / "fires" / "guard-then-block.diff")
    assert (f.line, f.end_line) == (43, 46)
    assert "line 41 and line 43" in f.message


def test_only_first_if_added_quotes_both():
    """The second if is context: the hit must still cover an added line."""
    (f,) = review_fixture(HERE / "fires" / "first-added-second-context.diff")
    assert (f.line, f.end_line) == (41, 46)


def test_comment_between_asks_for_blank_line_before_it():
    (f,) = review_fixture(HERE / "fires" / "comment-between.diff")
    assert "before the comment" in f.message
    assert f.line == 46


def _new_file(body: str) -> str:
    lines = body.strip("\n").split("\n")
    plus = "".join(f"+{ln}\n" for ln in lines)
    return (
        "diff --git a/drivers/misc/x.c b/drivers/misc/x.c\n"
        "new file mode 100644\n"
        "--- /dev/null\n"
        "+++ b/drivers/misc/x.c\n"
        f"@@ -0,0 +1,{len(lines)} @@\n{plus}"
    )


def test_new_file_nested_blocks():
    findings = review_diff(_new_file(
        "int f(struct s *s)\n"
        "{\n"
        "\tif (s->a) {\n"
        "\t\tif (s->b)\n"
        "\t\t\treturn 1;\n"
        "\t\tif (s->c) {\n"
        "\t\t\ts->d = 0;\n"
        "\t\t\treturn 2;\n"
        "\t\t}\n"
        "\t}\n"
        "\treturn 0;\n"
        "}\n"
    ))
    assert [(f.line, f.end_line) for f in findings] == [(6, 9)]


def test_if_after_else_block_is_a_new_check():
    findings = review_diff(_new_file(
        "int f(int a, int b)\n"
        "{\n"
        "\tif (a) {\n"
        "\t\tg();\n"
        "\t\th();\n"
        "\t} else {\n"
        "\t\tk();\n"
        "\t}\n"
        "\tif (b)\n"
        "\t\treturn 1;\n"
        "\treturn 0;\n"
        "}\n"
    ))
    assert [f.line for f in findings] == [9]


def test_clamp_then_check_is_quiet():
    findings = review_diff(_new_file(
        "int f(struct s *s, int v)\n"
        "{\n"
        "\tif (v > 100)\n"
        "\t\tv = 100;\n"
        "\tif (v < 0) {\n"
        "\t\ts->err = -EINVAL;\n"
        "\t\treturn -EINVAL;\n"
        "\t}\n"
        "\treturn v;\n"
        "}\n"
    ))
    assert findings == ()


def test_write_in_a_branch_that_jumps_does_not_count():
    """``if (!ret) { ret = -ETIMEDOUT; goto out; } if (ret < 0) {...}``:
    the second if checks the call, not the first if."""
    findings = review_diff(_new_file(
        "int f(struct s *s)\n"
        "{\n"
        "\tlong ret = wait_for_completion_timeout(&s->done, HZ);\n"
        "\tif (!ret) {\n"
        "\t\tret = -ETIMEDOUT;\n"
        "\t\tgoto out;\n"
        "\t}\n"
        "\tif (ret < 0) {\n"
        "\t\tdev_err(s->dev, \"failed\\n\");\n"
        "\t\tgoto out;\n"
        "\t}\n"
        "out:\n"
        "\treturn ret;\n"
        "}\n"
    ))
    assert [f.line for f in findings] == [8]


def test_single_braced_statement_is_a_guard():
    findings = review_diff(_new_file(
        "int f(int a, int b)\n"
        "{\n"
        "\tif (a) {\n"
        "\t\treturn -EINVAL;\n"
        "\t}\n"
        "\tif (b)\n"
        "\t\treturn -ERANGE;\n"
        "\treturn 0;\n"
        "}\n"
    ))
    assert findings == ()


def test_ifdef_body():
    findings = review_diff(_new_file(
        "int f(int a, int b)\n"
        "{\n"
        "#ifdef CONFIG_FOO\n"
        "\tif (a)\n"
        "\t\treturn -EINVAL;\n"
        "\tif (b) {\n"
        "\t\tg();\n"
        "\t\treturn 1;\n"
        "\t}\n"
        "#endif\n"
        "\treturn 0;\n"
        "}\n"
    ))
    assert [f.line for f in findings] == [6]


def test_suppressed():
    text = (HERE / "fires" / "guard-then-block.diff").read_text()
    text = text.replace("if (ret != FOO_ID) {", "if (ret != FOO_ID) { /* reviewbot-ignore: RB101 */")
    assert review_diff(text) == ()


def test_second_if_cut_by_the_hunk_end():
    """The fragment ends inside the second if: its end maps to a synthetic
    closing brace, the hit ends at its last real line."""
    text = (
        "diff --git a/drivers/misc/x.c b/drivers/misc/x.c\n"
        "--- a/drivers/misc/x.c\n"
        "+++ b/drivers/misc/x.c\n"
        "@@ -10,4 +10,8 @@ static bool f(struct m *m)\n"
        " \tu64 cfg = read_cfg(m);\n"
        "+\tif (cfg & CFG_VALID) {\n"
        "+\t\tlog(m);\n"
        "+\t\treturn true;\n"
        "+\t}\n"
        " \tif (!flags.smca) {\n"
        " \t\tif (legacy(m))\n"
        " \t\t\treturn true;\n"
    )
    findings = review_diff(text)
    assert [(f.line, f.end_line) for f in findings] == [(11, 17)]
