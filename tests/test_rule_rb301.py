"""RB301 duplicate-error-code: fixtures, the reference patch and its message."""

import pytest

from reviewbot.engine import Engine

import rulekit

RB301 = rulekit.rule("RB301")
ROOT = rulekit.FIXTURES
HERE, FIRES, QUIET = rulekit.cases("rb301")
review = rulekit.reviewer("RB301")


def test_fixtures_exist():
    assert len(FIRES) >= 5 and len(QUIET) >= 10


@pytest.mark.parametrize("path", FIRES, ids=lambda p: p.stem)
def test_fires(path):
    findings = review(path.read_text())
    assert len(findings) == 1, [f.message for f in findings]
    assert findings[0].rule.code == "RB301"


@pytest.mark.parametrize("path", QUIET, ids=lambda p: p.stem)
def test_quiet(path):
    assert review(path.read_text()) == ()


def test_message_names_both_codes_and_the_value():
    (f,) = review((HERE / "fires" / "tdx-copy-paste-value.diff").read_text())
    assert f.path == "arch/x86/include/asm/tdx.h"
    assert f.line == 34
    assert f.message == "TDX_UPDATE_COMPAT_SENSITIVE and TDX_RND_NO_ENTROPY (line 33) both are 0x8000020300000000"


def test_added_code_equal_to_kept_code():
    (f,) = review((HERE / "fires" / "error-code-equals-kept-one.diff").read_text())
    assert f.line == 43
    assert f.message == "BAR_WMI_ERR_BUSY and BAR_WMI_ERR_INVALID_ARG (line 41) both are 1"


def test_negative_values():
    (f,) = review((HERE / "fires" / "negative-result-codes.diff").read_text())
    assert f.message == "QUX_CHANNEL_CLOSED and QUX_BAD_REQUEST (line 17) both are -2"


def test_reference_patch_is_quiet():
    from reviewbot.loader import load

    result = load([str(ROOT / "tdx-v8-16.patch")])
    patches = [p for s in result.series for p in s.patches]
    assert patches
    for patch in patches:
        findings, problems = Engine([RB301]).review(patch)
        assert findings == () and not problems


def test_reference_series_is_quiet():
    from reviewbot.loader import load

    result = load([str(ROOT / "tdx-module-update-v8.mbox")])
    patches = [p for s in result.series for p in s.patches]
    assert len(patches) == 21
    for patch in patches:
        assert Engine([RB301]).review(patch)[0] == ()
