"""RB302 redefined-macro: fixtures, the reference patch (a move done right)
and the same patch with the old definitions left in place."""

import pytest

from reviewbot import docs
from reviewbot.engine import Engine

import rulekit

RB302 = rulekit.rule("RB302")
ROOT = rulekit.FIXTURES
HERE, FIRES, QUIET = rulekit.cases("rb302")
review = rulekit.reviewer("RB302")


def test_fixtures_exist():
    assert len(FIRES) >= 5 and len(QUIET) >= 10


@pytest.mark.parametrize("path", FIRES, ids=lambda p: p.stem)
def test_fires(path):
    findings = review(path.read_text())
    assert findings, path.name
    assert all(f.rule.code == "RB302" for f in findings)


@pytest.mark.parametrize("path", QUIET, ids=lambda p: p.stem)
def test_quiet(path):
    assert review(path.read_text()) == ()


def test_reference_patch_moves_and_removes():
    """TDX_SEAMCALL_STATUS_MASK and TDX_FEATURES0_NO_RBP_MOD move to
    asm/tdx.h and their old lines go: no finding."""
    from reviewbot.loader import load

    patches = [p for s in load([str(ROOT / "tdx-v8-16.patch")]).series for p in s.patches]
    assert patches
    for patch in patches:
        findings, problems = Engine([RB302]).review(patch)
        assert findings == () and not problems


def test_reference_series_is_quiet():
    from reviewbot.loader import load

    patches = [p for s in load([str(ROOT / "tdx-module-update-v8.mbox")]).series for p in s.patches]
    assert len(patches) == 21
    for patch in patches:
        assert Engine([RB302]).review(patch)[0] == ()


def test_move_with_old_definitions_kept_names_place_and_values():
    findings = review((HERE / "fires" / "tdx-moved-but-old-kept.diff").read_text())
    got = {(f.path, f.line, f.message) for f in findings}
    assert got == {
        (
            "arch/x86/include/asm/tdx.h", 29,
            "TDX_SEAMCALL_STATUS_MASK is defined here and at arch/x86/kvm/vmx/tdx_errno.h:7 (kept): "
            "both '0xFFFFFFFF00000000ULL'",
        ),
        (
            "arch/x86/include/asm/tdx.h", 39,
            "TDX_FEATURES0_NO_RBP_MOD is defined here and at arch/x86/virt/vmx/tdx/tdx.h:90 (kept): "
            "'BIT(18)' there, 'BIT_ULL(18)' here",
        ),
    }


def test_pasted_twice():
    (f,) = review((HERE / "fires" / "pasted-twice-new-file.diff").read_text())
    assert (f.line, f.message) == (7, "FOO_GET_CAP is defined here and at drivers/platform/x86/foo-wmi.c:5 (also added): both '0'")


def test_one_remark_per_name_and_a_cap_per_file():
    body = "".join(f"#define REG_{i}\t{i}\n" for i in range(20)) * 2
    findings = review(docs._new_file_diff("drivers/gpu/foo_regs.h", body))
    assert len(findings) == 5
    assert findings[-1].message.endswith("(15 more in this file)")
