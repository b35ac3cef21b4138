"""RB303 positive-errno: fixtures, messages, the reference patch."""

import pytest

from reviewbot.engine import Engine

import rulekit
from reviewbot.rules.positive_errno import ERRNO_NAMES

RB303 = rulekit.rule("RB303")
ROOT = rulekit.FIXTURES
HERE, FIRES, QUIET = rulekit.cases("rb303")
review = rulekit.reviewer("RB303")


def test_fixtures_exist():
    assert len(FIRES) >= 5 and len(QUIET) >= 10


@pytest.mark.parametrize("path", FIRES, ids=lambda p: p.stem)
def test_fires(path):
    findings = review(path.read_text())
    assert len(findings) == 1, [f.message for f in findings]
    assert findings[0].rule.code == "RB303"


@pytest.mark.parametrize("path", QUIET, ids=lambda p: p.stem)
def test_quiet(path):
    assert review(path.read_text()) == ()


def test_messages():
    (f,) = review((HERE / "fires" / "return-positive-in-probe.diff").read_text())
    assert (f.line, f.message) == (6, "returns positive EOPNOTSUPP: kernel functions return a negative errno, -EOPNOTSUPP")
    (f,) = review((HERE / "fires" / "macro-expands-to-errno.diff").read_text())
    assert f.message == (
        "returns positive EIO (FOO_WMI_ERR expands to EIO): kernel functions return a negative errno, -EIO"
    )
    (f,) = review((HERE / "fires" / "err-ptr-assigned.diff").read_text())
    assert f.message == "ERR_PTR() of positive ENODEV: IS_ERR() does not see it; use ERR_PTR(-ENODEV)"


def test_errno_list_is_the_kernel_one():
    assert {"EPERM", "ERANGE", "EHWPOISON", "ERESTARTSYS", "EPROBE_DEFER", "ENOTSUPP", "ENOGRACE"} <= ERRNO_NAMES
    assert not {"EOF", "ES_OK", "EC_FOO", "E2BIG_NOT"} & ERRNO_NAMES
    assert len(ERRNO_NAMES) == 34 + 99 + 19


def test_reference_series_is_quiet():
    from reviewbot.loader import load

    patches = [p for s in load([str(ROOT / "tdx-module-update-v8.mbox")]).series for p in s.patches]
    assert len(patches) == 21
    for patch in patches:
        findings, problems = Engine([RB303]).review(patch)
        assert findings == () and not problems
