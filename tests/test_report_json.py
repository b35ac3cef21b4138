"""The json format: one document, schema version 1 (documented, stable)."""

import io
import json

import pytest

from reviewbot.model import FileChange, Hunk, Line, Mail, Patch, Subject
from reviewbot.report import FORMATS, render
from reviewbot.result import InputProblem, PatchResult, RunResult
from reviewbot.rule import Finding, PatchRef, Rule, Severity

BLANK = Rule("RB101", "if-blocks-without-blank-line", Severity.CHECK, "s")
MASK = Rule("RB102", "status-compared-without-mask", Severity.WARNING, "s")


def make_patch() -> Patch:
    subject = "[PATCH v8 16/21] x86/virt/tdx: Reject updates — Groß"
    mail = Mail("tdx-v8-16@x", subject, "Chao Gao <chao.gao@intel.com>", (), (), "", "", (), "", "s.mbox#17")
    hunk = Hunk(1, 1, 1, 2, "", (Line(" ", "x", 1, 1), Line("+", "y", None, 2)))
    files = (FileChange("b.h", "b.h", (hunk,)), FileChange("a.c", "a.c", (hunk,)))
    return Patch(mail, Subject(subject, "x", version=8, counter=16, total=21, is_patch=True), "", "", (), files)


def finding(patch, rule, path, line, end_line=None) -> Finding:
    ref = PatchRef(patch.message_id, patch.mail.subject, 8, 16, 21)
    return Finding(rule, path, line, end_line, "msg", ref)


def result() -> RunResult:
    p = make_patch()
    pr = PatchResult(p, None, (finding(p, BLANK, "a.c", 2, 5), finding(p, MASK, "b.h", 2)))
    return RunResult((pr,), (InputProblem("x.mbox#3", "no diff"),), 22, 1)


def rendered(res) -> str:
    out = io.StringIO()
    render("json", res, out)
    return out.getvalue()


def test_schema():
    text = rendered(result())
    assert text.endswith("}\n")
    assert text.startswith('{\n  "version": 1,\n  "findings": [')  # indent 2, key order kept
    doc = json.loads(text)
    assert list(doc) == ["version", "findings", "patches", "errors", "summary"]
    assert doc["summary"] == {
        "messages": 22,
        "series": 1,
        "patches": 1,
        "findings": 2,
        "by_severity": {"error": 0, "warning": 1, "check": 1},
    }
    assert doc["errors"] == [{"source": "x.mbox#3", "message": "no diff"}]
    # findings in patch order: b.h before a.c
    assert [(f["path"], f["rule"]) for f in doc["findings"]] == [("b.h", "RB102"), ("a.c", "RB101")]
    res = result()
    assert doc["findings"][1] == res.patches[0].findings[0].as_dict()
    assert doc["patches"] == [res.patches[0].as_dict()]
    assert "Groß" in text  # not \u-escaped


def test_empty_run():
    doc = json.loads(rendered(RunResult((), (), 0, 0)))
    assert doc["findings"] == [] and doc["patches"] == [] and doc["errors"] == []
    assert doc["summary"]["by_severity"] == {"error": 0, "warning": 0, "check": 0}


def test_render_dispatch_errors():
    assert FORMATS == ("text", "json", "review", "sarif", "github")
    with pytest.raises(ValueError):
        render("xml", result(), io.StringIO())
    with pytest.raises(ValueError):
        render("json", result(), io.StringIO(), output_dir="x")


def test_formats_are_imported_lazily():
    import subprocess
    import sys

    code = "import sys, reviewbot.report; print(sorted(m for m in sys.modules if m.startswith('reviewbot.report.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
