"""The text format: checkpatch-like lines and a total."""

import io

from reviewbot.model import FileChange, Hunk, Line, Mail, Patch, Subject
from reviewbot.report import render
from reviewbot.report.text import format_finding
from reviewbot.result import InputProblem, PatchResult, RunResult
from reviewbot.rule import Finding, PatchRef, Rule, Severity

BLANK = Rule("RB101", "if-blocks-without-blank-line", Severity.CHECK, "s")
MASK = Rule("RB102", "status-compared-without-mask", Severity.WARNING, "s")
FATAL = Rule("RB001", "diff-does-not-apply", Severity.ERROR, "s")


def make_patch(n: int, paths=("b.h", "a.c")) -> Patch:
    subject = f"[PATCH v8 {n}/21] x86/virt/tdx: Reject updates"
    mail = Mail(f"tdx-v8-{n}@x", subject, "A <a@b>", (), (), "", "", (), "", f"s.mbox#{n}")
    hunk = Hunk(1, 1, 1, 2, "", (Line(" ", "x", 1, 1), Line("+", "y", None, 2)))
    files = tuple(FileChange(p, p, (hunk,)) for p in paths)
    return Patch(mail, Subject(subject, "x", version=8, counter=n, total=21, is_patch=True), "", "", (), files)


def finding(patch, rule, path, line, message="m") -> Finding:
    return Finding(rule, path, line, None, message, PatchRef(patch.message_id, patch.mail.subject, 8, 1, 21))


def text(result) -> str:
    out = io.StringIO()
    render("text", result, out)
    return out.getvalue()


def test_patch_header_findings_in_patch_order_and_total():
    p1, p2 = make_patch(1), make_patch(2)
    r1 = PatchResult(
        p1,
        None,
        (
            finding(p1, BLANK, "a.c", 9, "Whitespace between the if()s please."),
            finding(p1, MASK, "a.c", 3, "Mask first"),
            finding(p1, FATAL, "b.h", None, "Does not apply"),
            finding(p1, BLANK, "b.h", 2),
        ),
    )
    result = RunResult((r1, PatchResult(p2, None, ())), (InputProblem("x.mbox#3", "no diff"),), 3, 1)
    assert text(result).splitlines() == [
        "--- [PATCH v8 1/21] x86/virt/tdx: Reject updates <tdx-v8-1@x>",
        "b.h: ERROR: Does not apply [RB001 diff-does-not-apply]",
        "b.h:2: CHECK: m [RB101 if-blocks-without-blank-line]",
        "a.c:3: WARNING: Mask first [RB102 status-compared-without-mask]",
        "a.c:9: CHECK: Whitespace between the if()s please. [RB101 if-blocks-without-blank-line]",
        "total: 1 error, 1 warning, 2 checks in 1 patch (2 patches reviewed, 1 input problem)",
    ]


def test_input_problems_are_counted_not_printed():
    result = RunResult((), (InputProblem("a", "bad"), InputProblem("b", "worse")), 2, 0)
    assert text(result) == "total: 0 errors, 0 warnings, 0 checks in 0 patches (0 patches reviewed, 2 input problems)\n"


def test_multi_line_message_is_indented():
    p = make_patch(1)
    f = finding(p, MASK, "a.c", 3, "Compare the status, not the value:\n\n(err & MASK) == CODE")
    assert format_finding(f).splitlines() == [
        "a.c:3: WARNING: Compare the status, not the value: [RB102 status-compared-without-mask]",
        "",
        "    (err & MASK) == CODE",
    ]


def test_patch_level_finding_has_no_location():
    p = make_patch(1)
    assert format_finding(finding(p, FATAL, "", None, "Empty")) == "ERROR: Empty [RB001 diff-does-not-apply]"
