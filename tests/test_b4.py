"""reviewbot as b4's check command, checked with b4 itself.

``b4 am --check`` runs ``b4.am-perpatch-check-cmd`` with the patch on
stdin and reads one line per finding (``ERROR:`` marks a failure);
``b4 review`` runs ``b4.review-perpatch-check-cmd`` and reads a JSON list.
Both are exercised through b4's own code, offline.
"""

from __future__ import annotations

import email
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from gitkit import (
    FIXTURES, TDX_PATCH, add_clean_comment, add_masked_compare_bug, commit_all, format_patch, git, isolate, kernel_repo,
)

b4 = pytest.importorskip("b4")
from b4.review.checks import run_perpatch_checks  # noqa: E402

REVIEWBOT = pathlib.Path(sys.executable).with_name("reviewbot")
FLAGS = {"\033[32m\u25cf\033[0m": "success", "\033[31m\u25cf\033[0m": "warning", "\033[31;5m\u25cf\033[0m": "fail"}


@pytest.fixture
def repo(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path / "home")
    r = kernel_repo(tmp_path / "linux")
    monkeypatch.chdir(r)
    b4._setup_main_config()  # what b4 reads before it runs checks (cache settings)
    return r


@pytest.fixture
def mails(repo, tmp_path):
    """name -> patch mail file: the reference patch, a clean one, one with an ERROR."""
    clean = add_clean_comment(repo)
    bad = add_masked_compare_bug(repo)
    return {
        "tdx": TDX_PATCH,
        "clean": format_patch(repo, clean, tmp_path / "clean"),
        "error": format_patch(repo, bad, tmp_path / "error"),
    }


def b4_am_checks(repo: pathlib.Path, mail: pathlib.Path, out: pathlib.Path) -> list[tuple[str, str]]:
    """(flag, text) of the check lines ``b4 am --check`` prints for ``mail``."""
    proc = subprocess.run(
        [str(pathlib.Path(sys.executable).with_name("b4")), "--offline-mode", "-n", "am", "--check",
         "-m", str(mail), "-o", str(out)],
        cwd=repo, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    checks = []
    for line in (proc.stdout + proc.stderr).splitlines():
        for mark, flag in FLAGS.items():
            if line.strip().startswith(mark):
                checks.append((flag, line.strip()[len(mark):].strip()))
    return checks


def test_b4_am_check_with_the_documented_config(repo, mails, tmp_path):
    git(repo, "config", "b4.am-perpatch-check-cmd", f"{REVIEWBOT} b4 check")
    tdx = b4_am_checks(repo, mails["tdx"], tmp_path / "o1")
    assert ("warning", "reviewbot: arch/x86/virt/vmx/tdx/tdx.c:1270: CHECK: Add a blank line between these "
            "two if statements: each is a check of its own (line 1268 and line 1270). "
            "[RB101 if-blocks-without-blank-line, profile tip]") in tdx
    assert any("[RB503 reverse-xmas-tree, profile tip]" in text for _, text in tdx)  # as `check` says it
    assert all(flag == "warning" for flag, _ in tdx)
    assert b4_am_checks(repo, mails["clean"], tmp_path / "o2") == [("success", "reviewbot: passed all checks")]
    error = b4_am_checks(repo, mails["error"], tmp_path / "o3")
    assert [flag for flag, text in error if "RB201" in text] == ["fail"]


def test_b4_reads_the_perpatch_lines(mails, repo):
    """b4's own parser of per-patch check output (LoreMessage.run_local_check)."""
    msg = email.message_from_bytes(mails["error"].read_bytes(), policy=b4.emlpolicy)
    report = b4.LoreMessage.run_local_check([str(REVIEWBOT), "b4", "check"], "error", msg, nocache=True)
    assert [flag for flag, text in report if "RB201" in text] == ["fail"]
    assert all(text.startswith("reviewbot: ") for _, text in report)


def test_b4_review_external_check(mails, repo):
    cmd = f"{REVIEWBOT} b4 review"
    patches = [(name, email.message_from_bytes(p.read_bytes(), policy=b4.emlpolicy)) for name, p in mails.items()]
    results = run_perpatch_checks(patches, [cmd], str(repo))
    (tdx,), (clean,), (error,) = results["tdx"], results["clean"], results["error"]
    assert tdx["tool"] == "reviewbot" and tdx["status"] == "warn" and tdx["summary"] == "2 warnings, 1 check"
    details = json.loads(tdx["details"])
    assert [d["status"] for d in details] == ["warn", "warn", "warn"]  # RB401, the tip profile's RB503, RB101
    assert details[2]["description"].startswith("arch/x86/virt/vmx/tdx/tdx.c:1270: CHECK: ")
    assert clean == {"tool": "reviewbot", "status": "pass", "summary": "passed all checks", "url": "", "details": ""}
    assert error["status"] == "fail" and error["summary"] == "1 error"


def run(args, stdin: bytes) -> subprocess.CompletedProcess:
    return subprocess.run([str(REVIEWBOT), *args], input=stdin, capture_output=True, timeout=120)


def test_protocol_on_stdin(mails):
    clean = run(["b4", "check"], mails["clean"].read_bytes())
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, b"", b"")
    tdx = run(["b4", "check"], mails["tdx"].read_bytes())
    lines = tdx.stdout.decode().splitlines()
    assert tdx.returncode == 1 and len(lines) == 3 and not any("ERROR:" in ln for ln in lines)
    error = run(["b4", "check"], mails["error"].read_bytes())
    assert [ln for ln in error.stdout.decode().splitlines() if "ERROR:" in ln][0].endswith("[RB201 masked-compare-precedence]")
    junk = run(["b4", "review"], b"hello\n")
    assert junk.returncode == 2 and junk.stdout == b"" and len(junk.stderr.splitlines()) == 1


def test_b4_prep_check(tmp_path, monkeypatch):
    """``b4 prep --check`` on a prep branch, with the documented config."""
    isolate(monkeypatch, tmp_path / "home")
    r = tmp_path / "linux"
    shutil.copytree(FIXTURES / "kernel-tree", r)
    git(r, "init", "-q", "-b", "master")
    commit_all(r, "base")
    b4_cli = [str(pathlib.Path(sys.executable).with_name("b4")), "--offline-mode", "-n", "prep"]
    subprocess.run([*b4_cli, "-n", "tdx-update", "-f", "master"], cwd=r, check=True, capture_output=True, timeout=300)
    git(r, "am", "-q", str(TDX_PATCH))
    git(r, "config", "b4.prep-perpatch-check-cmd", f"{REVIEWBOT} b4 check")
    proc = subprocess.run([*b4_cli, "--check"], cwd=r, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert "reviewbot: arch/x86/virt/vmx/tdx/tdx.c:1270: CHECK:" in out
    assert "Success: 0, Warning: 3, Error: 0" in out  # RB401, the tip profile's RB503, RB101
