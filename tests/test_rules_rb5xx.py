"""RB501-RB510, the maintainer-profile rules: fixtures that must fire or stay
quiet, the reference series, and the cases the corpus taught."""

import pathlib

import pytest

from reviewbot import docs
from reviewbot.engine import Engine, all_rules, find_rule

RULES = all_rules()
HERE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "rb5xx"
CODES = [f"RB5{n:02d}" for n in range(1, 11)]


def _cases(kind):
    return [(code, p) for code in CODES for p in sorted((HERE / code / kind).glob("*.*"))]


def review(code: str, text: str, path: str = "drivers/misc/example.c", title: str = "rb5xx"):
    lang = "diff" if text.startswith("diff --git") else "c"
    patch = docs.example_patch(lang, {"path": path}, text, title=title)
    findings, problems = Engine([find_rule(RULES, code)]).review(patch)
    assert not problems
    return findings


def review_fixture(code: str, path: pathlib.Path):
    return review(code, path.read_text(), path=f"drivers/misc/{path.stem}.c", title=path.stem)


def test_every_rule_has_fixtures():
    for code in CODES:
        assert find_rule(RULES, code) is not None, code
        assert len(list((HERE / code / "fires").glob("*.*"))) >= 2, code
        assert len(list((HERE / code / "quiet").glob("*.*"))) >= 2, code


@pytest.mark.parametrize("code,path", _cases("fires"), ids=lambda v: v if isinstance(v, str) else v.name)
def test_fires(code, path):
    findings = review_fixture(code, path)
    assert findings, f"{code}: {path.name} gives no finding"
    assert {f.rule.code for f in findings} == {code}


@pytest.mark.parametrize("code,path", _cases("quiet"), ids=lambda v: v if isinstance(v, str) else v.name)
def test_quiet(code, path):
    findings = review_fixture(code, path)
    assert findings == (), [(f.line, f.message) for f in findings]


def test_off_by_default_rules():
    off = {lr.rule.code for lr in RULES if not lr.rule.default}
    assert {"RB503", "RB504", "RB505", "RB506"} <= off
    assert not {"RB501", "RB502", "RB507", "RB508", "RB509", "RB510"} & off


# --- the reference series ------------------------------------------------------

def _series_findings(fixtures, code):
    from reviewbot.loader import load

    loaded = load([str(fixtures / "tdx-module-update-v8.mbox")])
    engine = Engine([find_rule(RULES, code)])
    out = []
    for s in loaded.series:
        for p in (*s.patches, *s.extras):
            findings, problems = engine.review(p, s)
            assert not problems
            out.extend((p.message_id, f) for f in findings)
    return out


def test_reference_series_mixed_declaration(fixtures):
    (mid, f), = _series_findings(fixtures, "RB501")
    assert mid == "tdx-v8-15@reconstructed.invalid"
    assert (f.path, f.line) == ("arch/x86/virt/vmx/tdx/tdx.c", 1284)
    assert "'new'" in f.message


def test_reference_series_lone_tab(fixtures):
    (mid, f), = _series_findings(fixtures, "RB502")
    assert mid == "tdx-v8-15@reconstructed.invalid"
    assert (f.path, f.line) == ("arch/x86/virt/vmx/tdx/tdx.c", 1297)
    assert "before '='" in f.message


def test_reference_patch_reverse_xmas_tree(fixtures):
    """tdx-v8-16 adds 'u64 err;' above 'int ret, cpu;' in a sorted block."""
    hits = [(m, f) for m, f in _series_findings(fixtures, "RB503") if m == "tdx-v8-16@reconstructed.invalid"]
    assert [(f.line, f.message) for _, f in hits] == [
        (1243, "Order the declarations longest line first (reverse xmas tree): 'int ret, cpu;' (13 columns) "
               "goes above 'u64 err;' (8).")
    ]


# --- details ---------------------------------------------------------------------

def test_rb501_names_every_non_pointer():
    (f,) = review("RB501", "void f(void)\n{\n\tint *irqs, err, i;\n\tuse(irqs, err, i);\n}\n")
    assert "'err', 'i'" in f.message


def test_rb502_message_says_tab_or_spaces():
    (f,) = review("RB502", "void f(void)\n{\n\tx = 1;\n\n\tenergy =  be64_to_cpu(raw);\n\n\ty = 2;\n}\n")
    assert "the spaces before 'be64_to_cpu(raw);'" in f.message


def test_rb503_one_finding_per_group():
    findings = review("RB503", "void f(void)\n{\n\tint a;\n\tlong bb;\n\tchar *ccc;\n\n\tint d;\n\tu64 eeeee;\n}\n")
    assert [(f.line, f.end_line) for f in findings] == [(3, 4), (7, 8)]  # both lines of each pair


def test_rb505_reports_the_else_line():
    (f,) = review("RB505", (HERE / "RB505" / "fires" / "else-split.c").read_text())
    assert (f.line, f.end_line) == (5, 7) and "body of this else" in f.message


def test_rb506_one_finding_per_header_listing_symbols():
    text = "#include <linux/module.h>\n\nstatic u32 f(u32 x)\n{\n\treturn BIT(3) | GENMASK(7, 4) | BIT(1) | x;\n}\n"
    (f,) = review("RB506", text)
    assert f.message.startswith("Include <linux/bits.h> for BIT(), GENMASK()")


def test_rb506_symbols_in_comments_and_strings_do_not_count():
    text = "#include <linux/module.h>\n\n/* use BIT() here */\nstatic const char *s = \"min(\";\n"
    assert review("RB506", text) == ()


def test_rb507_width_counts_tabs():
    from reviewbot.rules.needless_line_break import joined, width

    one = joined(["\t\tret = foo(a,", "\t\t\t  b);"])
    assert one == "\t\tret = foo(a, b);" and width(one) == 16 + len("ret = foo(a, b);")


def test_rb508_suggests_field_prep_for_values():
    (f,) = review("RB508", (HERE / "RB508" / "fires" / "field-prep.c").read_text())
    assert f.message.startswith("Use FIELD_PREP()")


def test_rb509_says_where_it_goes():
    (f,) = review("RB509", (HERE / "RB509" / "fires" / "added-in-sorted-block.diff").read_text())
    assert f.line == 12
    assert f.message.endswith("linux/platform_device.h goes after linux/platform_data/cros_ec_commands.h.")


def test_rb510_points_at_the_entry():
    (f,) = review("RB510", (HERE / "RB510" / "fires" / "designated.c").read_text())
    assert f.line == 4
