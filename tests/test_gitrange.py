"""reviewbot check --git RANGE on a real repository of kernel files."""

from __future__ import annotations

import json

import pytest

from gitkit import HOST_C, add_clean_comment, commit_all, git, isolate, series_repo
from reviewbot.cli import main
from reviewbot.engine import all_rules
from reviewbot.gitrange import TreeEngine, load_range, review_range
from reviewbot.gitutil import Blobs, GitError

TDX_C = "arch/x86/virt/vmx/tdx/tdx.c"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    return series_repo(tmp_path, monkeypatch)


def line_of(repo, path, text) -> int:
    return git(repo, "show", f"HEAD:{path}").split("\n").index(text) + 1


def where(result):
    return [(pr.patch.subject.counter, f.rule.code, f.path, f.line) for pr in result.patches for f in pr.findings]


def test_each_commit_is_a_patch_of_one_series_in_order(repo):
    series, commits, problems = load_range("base..HEAD")
    assert problems == []
    assert series.total == 2 and series.complete
    subjects = [p.subject.title for p in series.patches]
    assert subjects == [
        "x86/virt/tdx: Reject updates during concurrent TD build",
        "virt: tdx-host: Move tdx_check_size() next to its user",
    ]
    assert [p.subject.counter for p in series.patches] == [1, 2]
    log = git(repo, "rev-list", "--reverse", "base..HEAD").split()
    assert [commits[p.mail.source] for p in series.patches] == log


def test_findings_of_the_range_with_their_post_image_lines(repo):
    result = review_range("base..HEAD", all_rules())
    found = where(result)
    assert (1, "RB101", TDX_C, 1270) in found  # "Whitespace between the if()s please."
    assert (2, "RB101", HOST_C, line_of(repo, HOST_C, "\tif (size > max) {")) in found  # the moved helper
    # a single revision means REV..HEAD, as for git format-patch
    assert where(review_range("base", all_rules())) == found


def test_new_only_drops_what_the_base_already_had(repo):
    result = review_range("base..HEAD", all_rules(), new_only=True)
    found = where(result)
    assert (1, "RB101", TDX_C, 1270) in found
    assert not [f for f in found if f[2] == HOST_C]


def test_whole_post_image_files_and_headers_from_the_tree(repo):
    series, commits, _ = load_range("base..HEAD")
    moved = series.patches[1]
    with Blobs() as blobs:
        ctx = TreeEngine(all_rules(), blobs, commits).context(moved, series)
    (unit,) = ctx.units
    assert unit.hunk is None  # the whole file, not hunk fragments
    assert unit.source.decode() == git(repo, "show", f"HEAD:{HOST_C}")
    # tdx-host.c includes <asm/tdx.h>: its macros come from the tree, as of
    # the commit (TDX_UPDATE_COMPAT_SENSITIVE was added by the first patch)
    header = {d.name: d for d in ctx.defines if d.path == "arch/x86/include/asm/tdx.h"}
    assert header["TDX_UPDATE_COMPAT_SENSITIVE"].value == "0x8000051200000000ULL"
    assert header["TDX_UPDATE_COMPAT_SENSITIVE"].kind == " "


def test_cli_exit_status_and_text(repo, capsys):
    assert main(["check", "--git", "base..HEAD"]) == 1
    out = capsys.readouterr().out
    assert f"{TDX_C}:1270: CHECK:" in out
    assert main(["check", "--git", "base..HEAD", "--fail-on", "error"]) == 0


def test_cli_empty_range_is_clean(repo, capsys):
    assert main(["check", "--git", "HEAD..HEAD", "--format", "sarif"]) == 0
    cap = capsys.readouterr()
    assert "no commits to review in HEAD..HEAD" in cap.err
    assert json.loads(cap.out)["runs"][0]["results"] == []


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "--git", "no-such-ref..HEAD"], "no-such-ref"),
        (["check", "--git", "--output=x"], "expected one argument"),
        (["check", "--git", "HEAD~1", "some.patch"], "--git RANGE takes no PATH"),
        (["check", "--new-only"], "--new-only goes with --git"),
        (["check", "--git", "HEAD~1", "--baseline", "missing.sarif"], "missing.sarif: cannot read"),
    ],
)
def test_cli_usage_errors_are_one_line(repo, capsys, argv, message):
    assert run_cli(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def run_cli(argv) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse errors
        return exc.code


def test_outside_a_repository(tmp_path, monkeypatch, capsys):
    isolate(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert main(["check", "--git", "HEAD~1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reviewbot: fatal: not a git repository") and len(err.splitlines()) == 1
    with pytest.raises(GitError):
        review_range("-p", all_rules())


def test_clean_commit_has_no_findings(repo):
    add_clean_comment(repo)
    assert where(review_range("HEAD~1", all_rules())) == []


def test_merges_are_skipped(repo):
    git(repo, "checkout", "-q", "-b", "side", "base")
    (repo / "README").write_text("side branch\n")
    commit_all(repo, "README: add")
    git(repo, "checkout", "-q", "master")
    git(repo, "merge", "-q", "--no-edit", "side")
    series, _, _ = load_range("base..HEAD")
    assert [p.subject.title for p in series.patches][-1] != "Merge branch 'side'"
    assert series.total == 3


# -- findings at the last commit, for code scanning ------------------------

from reviewbot.headmap import map_line  # noqa: E402
from reviewbot.model import FileChange, Hunk, Line  # noqa: E402


def test_map_line_through_a_later_patch():
    hunks = (
        Hunk(10, 0, 11, 2, "", (Line("+", "a", None, 11), Line("+", "b", None, 12))),  # insert after 10
        Hunk(20, 3, 22, 2, "", (Line(" ", "x", 20, 22), Line("-", "y", 21, None), Line(" ", "z", 22, 23))),
    )
    fc = FileChange("f.c", "f.c", hunks)
    assert [map_line(fc, n) for n in (9, 10, 11, 19, 20, 21, 22, 30)] == [9, 10, 13, 21, 22, None, 23, 31]


def sarif_locations(argv, capsys):
    assert main(argv) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    return [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
         r["locations"][0]["physicalLocation"]["region"]["startLine"], r["partialFingerprints"]["reviewbot/v1"])
        for r in doc["runs"][0]["results"] if "locations" in r
    ]


def test_sarif_lines_are_those_of_the_last_commit(repo, capsys):
    before = [x for x in sarif_locations(["check", "--git", "base..HEAD", "--format", "sarif"], capsys) if x[1] == TDX_C]
    # as `check` on the patch: the tip profile's RB503 too
    assert [x[:3] for x in before] == [("RB503", TDX_C, 1243), ("RB101", TDX_C, 1270)]
    edit_text = (repo / TDX_C).read_text().replace('#include "tdx.h"\n', '#include "tdx.h"\n#include "one.h"\n#include "two.h"\n', 1)
    (repo / TDX_C).write_text(edit_text)
    commit_all(repo, "x86/virt/tdx: Include two more headers")
    after = [x for x in sarif_locations(["check", "--git", "base..HEAD", "--format", "sarif"], capsys) if x[1] == TDX_C]
    assert [x[:3] for x in after] == [("RB503", TDX_C, 1245), ("RB101", TDX_C, 1272)]
    assert [x[3] for x in after] == [x[3] for x in before]  # same code, same fingerprints
    assert main(["check", "--git", "base..HEAD"]) == 1
    assert f"{TDX_C}:1270: CHECK:" in capsys.readouterr().out  # the review keeps the patch's numbers
    assert main(["check", "--git", "base..HEAD", "--format", "github"]) == 1
    assert f"file={TDX_C},line=1272," in capsys.readouterr().out


def test_a_finding_fixed_later_in_the_series_is_not_at_the_last_commit(repo, capsys):
    text = (repo / TDX_C).read_text()
    fixed = text.replace("\t\treturn -EBUSY;\n\tif (err) {", "\t\treturn -EBUSY;\n\n\tif (err) {", 1)
    assert fixed != text
    (repo / TDX_C).write_text(fixed)
    commit_all(repo, "x86/virt/tdx: Whitespace between the if()s")
    left = [x[:3] for x in sarif_locations(["check", "--git", "base..HEAD", "--format", "sarif"], capsys) if x[1] == TDX_C]
    assert left == [("RB503", TDX_C, 1243)]  # RB101 is fixed at the last commit; the declarations are not
