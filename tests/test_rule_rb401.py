"""RB401 refactor-mixed-with-feature: fixtures, the reference review, the TDX series."""

import pathlib

import pytest

from reviewbot import docs
from reviewbot.engine import Engine, all_rules, find_rule

RB401 = find_rule(all_rules(), "RB401")
ROOT = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
HERE = ROOT / "rules" / "rb401"
FIRES = sorted((HERE / "fires").glob("*.diff"))
QUIET = sorted((HERE / "quiet").glob("*.diff"))


def review_diff(text: str, title: str = "rb401", subject_title: str | None = None):
    patch = docs.example_patch("diff", {}, text, title=subject_title or title)
    findings, problems = Engine([RB401]).review(patch)
    assert not problems
    return findings


def review_fixture(path: pathlib.Path):
    return review_diff(path.read_text(), subject_title=f"drivers: rb401 fixture {path.stem}")


def test_fixtures_exist():
    assert len(FIRES) >= 5 and len(QUIET) >= 10


@pytest.mark.parametrize("path", FIRES, ids=lambda p: p.stem)
def test_fires(path):
    findings = review_fixture(path)
    assert len(findings) == 1
    assert findings[0].rule.code == "RB401"
    assert findings[0].message.startswith("Refactor first. Add new features second")


@pytest.mark.parametrize("path", QUIET, ids=lambda p: p.stem)
def test_quiet(path):
    assert review_fixture(path) == ()


def test_moved_and_changed_says_what_changed():
    (f,) = review_fixture(HERE / "fires" / "define-moved-and-changed.diff")
    # the comment above the macro moves with it: one piece, not two
    assert "  - BAR_CAPS_DMA moved from drivers/misc/bar/bar.h:89-90 to include/linux/bar.h:32-33" in f.message
    assert "(changed: BIT(18) -> BIT_ULL(18))" in f.message
    assert f.message.count("\n  - ") == 1


def test_realignment_lists_the_macros():
    (f,) = review_fixture(HERE / "fires" / "defines-realigned-beside-new-define.diff")
    assert "BAZ_CMD_GET, BAZ_CMD_SET realigned only (whitespace) at drivers/platform/x86/baz.c:22-23" in f.message
    assert (f.path, f.line, f.end_line) == ("drivers/platform/x86/baz.c", 22, 24)


def test_extracted_helper_is_a_block_move():
    (f,) = review_fixture(HERE / "fires" / "helper-extracted-and-extended.diff")
    assert "lines moved from drivers/hwmon/qux.c:" in f.message


def test_title_that_announces_the_refactor_is_quiet():
    text = (HERE / "fires" / "define-moved-to-header.diff").read_text()
    assert review_diff(text, subject_title="hwmon: (foo) Move FOO_STATUS_MASK to foo.h") == ()
    assert len(review_diff(text, subject_title="hwmon: (foo) Move FOO_STATUS_MASK and add alarm")) == 1


def _reference():
    from reviewbot.loader import load

    loaded = load([str(ROOT / "tdx-v8-16.patch")])
    (series,) = loaded.series
    (patch,) = series.patches
    return patch, series


REFERENCE_MESSAGE = """\
Refactor first. Add new features second: this patch mixes preparatory changes with the new feature. Move these into a patch of their own before this one:
  - TDX_SEAMCALL_STATUS_MASK moved from arch/x86/kvm/vmx/tdx_errno.h:7 to arch/x86/include/asm/tdx.h:29
  - TDX_FEATURES0_NO_RBP_MOD moved from arch/x86/virt/vmx/tdx/tdx.h:89-90 to arch/x86/include/asm/tdx.h:38-39 (changed: BIT(18) -> BIT_ULL(18))
  - TDX_SUCCESS, TDX_RND_NO_ENTROPY realigned only (whitespace) at arch/x86/include/asm/tdx.h:34-35"""


def test_reference_review():
    """Dave Hansen on v8 16/21: "Refactor first. Add new features second.",
    under the quoted arch/x86/include/asm/tdx.h hunk."""
    patch, series = _reference()
    findings, problems = Engine([RB401]).review(patch, series)
    assert not problems
    (f,) = findings
    assert (f.path, f.line, f.end_line) == ("arch/x86/include/asm/tdx.h", 29, 40)
    assert f.message == REFERENCE_MESSAGE


def test_tdx_series_only_patch_16():
    from reviewbot.loader import load

    mbox = ROOT / "tdx-module-update-v8.mbox"
    if not mbox.exists():
        pytest.skip("series fixture missing")
    loaded = load([str(mbox)])
    result = Engine([RB401]).run(loaded.series)
    flagged = [pr.patch.subject.counter for pr in result.patches if pr.findings]
    assert flagged == [16]
    assert len(result.patches) == 21
