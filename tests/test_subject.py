import pytest

from reviewbot.subject import parse_subject

# raw subject -> (title, prefixes, version, counter, total, is_patch, rfc, resend, is_reply)
CASES = {
    "[PATCH v8 16/21] x86/virt/tdx: Reject updates during concurrent TD build": (
        "x86/virt/tdx: Reject updates during concurrent TD build", (), 8, 16, 21, True, False, False, False),
    "[PATCH 0/5] hwmon: cover": ("hwmon: cover", (), 1, 0, 5, True, False, False, False),
    "[RFC PATCH v2 3/5] mm: x": ("mm: x", ("RFC",), 2, 3, 5, True, True, False, False),
    "[PATCH RFC v2 03/10] mm: y": ("mm: y", ("RFC",), 2, 3, 10, True, True, False, False),
    "[PATCH RESEND v3 1/2] z": ("z", ("RESEND",), 3, 1, 2, True, False, True, False),
    "[PATCH net-next v2 3/5] net: foo": ("net: foo", ("net-next",), 2, 3, 5, True, False, False, False),
    "[PATCH v2] foo": ("foo", (), 2, None, None, True, False, False, False),
    "[PATCHv2 1/3] bar": ("bar", (), 2, 1, 3, True, False, False, False),
    "[PATCH 6.1.y 1/2] stable fix": ("stable fix", ("6.1.y",), 1, 1, 2, True, False, False, False),
    "[PATCH] [v2] two groups": ("two groups", (), 2, None, None, True, False, False, False),
    "[PATCH v2][RESEND] again": ("again", ("RESEND",), 2, None, None, True, False, True, False),
    "[RFC 1/2] rfc alone": ("rfc alone", ("RFC",), 1, 1, 2, True, True, False, False),
    "[patch V2 00/46] x86: lower case": ("x86: lower case", (), 2, 0, 46, True, False, False, False),
    "Re: [PATCH v2 1/3] foo": ("foo", (), 2, 1, 3, True, False, False, True),
    "RE: Aw: Fwd: [PATCH] x": ("x", (), 1, None, None, True, False, False, True),
    "Re[2]: [PATCH] x": ("x", (), 1, None, None, True, False, False, True),
    "\u7b54\u590d: [External] Re: [PATCH] x86/mce: fix": (
        "x86/mce: fix", ("External",), 1, None, None, True, False, False, True),
    "hwmon: a subject without tags": ("hwmon: a subject without tags", (), 1, None, None, False, False, False, False),
    "[GIT PULL] hwmon fixes": ("hwmon fixes", ("GIT", "PULL"), 1, None, None, False, False, False, False),
    "[PATCH v2 0/3] [PATCH v2 0/3] repeated tags": ("repeated tags", (), 2, 0, 3, True, False, False, False),
    "[PATCH] fwd: a title, not a forward": ("fwd: a title, not a forward", (), 1, None, None, True, False, False, False),
}


@pytest.mark.parametrize("raw", list(CASES))
def test_subject(raw):
    s = parse_subject(raw)
    got = (s.title, s.prefixes, s.version, s.counter, s.total, s.is_patch, s.rfc, s.resend, s.is_reply)
    assert got == CASES[raw]
    assert s.raw == raw


def test_whitespace_is_collapsed():
    s = parse_subject("  [PATCH  v2   1/2]\t hwmon:   x  ")
    assert (s.title, s.version, s.counter) == ("hwmon: x", 2, 1)


def test_empty_subject():
    s = parse_subject("")
    assert (s.title, s.is_patch, s.version) == ("", False, 1)
