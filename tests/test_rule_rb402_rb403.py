"""RB402 series-churn and RB403 refactor-after-feature: the series fixtures,
the TDX series, and series that must stay quiet."""

import pathlib

import pytest

from reviewbot import docs
from reviewbot.engine import Engine, all_rules, find_rule
from reviewbot.loader import load
from reviewbot.model import Series

RULES = all_rules()
RB401, RB402, RB403 = (find_rule(RULES, c) for c in ("RB401", "RB402", "RB403"))
ROOT = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
SERIES = ROOT / "series"


def run(name: str, *rules):
    (series,) = load([str(SERIES / f"{name}.mbox")]).series
    result = Engine(list(rules)).run([series])
    assert not result.problems
    return [(pr.patch.subject.counter, f) for pr in result.patches for f in pr.findings]


def test_churn_names_the_earlier_patch_and_what_changed():
    ((counter, f),) = run("churn", RB402)
    assert counter == 3 and f.rule.code == "RB402"
    assert f.message.startswith('Patch 1/3 ("hwmon: (foo) Add alarm bits") added these lines (drivers/hwmon/foo.c:13-14, 47)')
    assert "renames foo_get_alarm_bits to foo_read_alarm_bits" in f.message
    assert "changes the value of FOO_ALARM_LOW (BIT(3) -> BIT(2)), FOO_ALARM_HIGH (BIT(3) -> BIT(4))" in f.message
    assert f.message.endswith("Fold this into patch 1/3, or shape patch 1/3 so it does not need rewriting.")
    assert (f.path, f.line, f.end_line) == ("drivers/hwmon/foo.c", 13, 14)


@pytest.mark.parametrize("name", ["grows-a-function", "pure-move-first", "whitespace-only"])
def test_healthy_series_are_quiet(name):
    assert run(name, RB401, RB402, RB403) == []


def test_late_refactor_is_moved_to_the_front():
    ((counter, f),) = run("late-refactor", RB403)
    assert counter == 3
    assert f.message == (
        "Refactor first. Add new features second: this patch only moves code, but comes after "
        '1/3 ("hwmon: (foo) Add the minimum") and 2/3 ("hwmon: (foo) Add the maximum"), which add features to '
        "the same files. Move it to the front of the series, before 1/3."
    )
    assert (f.path, f.line) == ("drivers/hwmon/foo.h", 12)
    # the same move first in the series is what RB403 asks for
    assert run("pure-move-first", RB403) == []


def test_series_rules_need_a_series():
    patch = load([str(SERIES / "churn.mbox")]).series[0].patches[2]
    findings, problems = Engine([RB402, RB403]).review(patch)
    assert findings == () and problems == ()


def test_another_authors_patch_is_theirs():
    (series,) = load([str(SERIES / "churn.mbox")]).series
    from dataclasses import replace

    first = series.items[1]
    other = replace(first, mail=replace(first.mail, from_="Grace Hopper <grace@example.org>"))
    moved = Series(series.version, series.total, (series.items[0], other, *series.items[2:]), series.title)
    assert Engine([RB402]).run([moved]).findings == ()


def test_stable_backports_are_history():
    (series,) = load([str(SERIES / "churn.mbox")]).series
    from dataclasses import replace

    patches = [replace(p, subject=replace(p.subject, prefixes=("6.6.y",))) for p in series.patches]
    backport = Series(series.version, series.total, (series.items[0], *patches), series.title)
    assert Engine([RB402]).run([backport]).findings == ()


def test_tdx_series():
    """The TDX module update series v8 grows its code patch by patch: no
    churn, no late refactoring; 16/21 mixes refactoring and feature and
    01/21 is the preparatory patch where its moves would belong."""
    mbox = ROOT / "tdx-module-update-v8.mbox"
    if not mbox.exists():
        pytest.skip("series fixture missing")
    (series,) = load([str(mbox)]).series
    result = Engine([RB401, RB402, RB403]).run([series])
    found = [(pr.patch.subject.counter, f.rule.code) for pr in result.patches for f in pr.findings]
    assert found == [(16, "RB401")]
    (f,) = result.findings
    assert 'or into 01/21 ("x86/virt/tdx: Move low level SEAMCALL helpers out of <asm/tdx.h>"), which already ' \
           "prepares arch/x86/include/asm/tdx.h:" in f.message


def test_doc_examples_are_series():
    for lr in (RB402, RB403):
        block = docs.code_block(docs.sections(lr.doc)["Example"])
        assert docs.is_series(block[2])
        assert len(docs.example_series(block[2]).patches) == 2
