"""reviewbot hook install / uninstall / run, on real repositories."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import types

import pytest

from gitkit import TDX_PATCH, add_clean_comment, format_patch, git, isolate, kernel_repo
from reviewbot import engine, sendhook
from reviewbot.cli import main
from reviewbot.engine import LoadedRule
from reviewbot.rule import Rule, Severity

FOREIGN = "#!/bin/sh\necho checkpatch here\nexit 0\n"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    isolate(monkeypatch, tmp_path / "home")
    r = kernel_repo(tmp_path / "linux")
    monkeypatch.chdir(r)
    return r


def hook_file(repo) -> str:
    return os.path.normpath(os.path.join(repo, git(repo, "rev-parse", "--git-path", "hooks/sendemail-validate").strip()))


def test_install_writes_an_executable_hook_and_updates_its_own(repo, capsys):
    assert main(["hook", "install"]) == 0
    path = hook_file(repo)
    assert path == str(repo / ".git/hooks/sendemail-validate")
    assert os.stat(path).st_mode & stat.S_IXUSR
    assert sendhook.MARKER in open(path).read()
    assert capsys.readouterr().out == f"reviewbot: installed {path}\n"
    assert main(["hook", "install"]) == 0  # ours: replaced in place, no backup
    assert not os.path.exists(path + sendhook.BACKUP_SUFFIX)


def test_core_hooks_path_from_a_subdirectory(repo, monkeypatch):
    git(repo, "config", "core.hooksPath", "my-hooks")
    monkeypatch.chdir(repo / "drivers")
    assert main(["hook", "install"]) == 0
    assert sendhook.is_ours(str(repo / "my-hooks/sendemail-validate"))
    assert not os.path.exists(repo / ".git/hooks/sendemail-validate")


def test_linked_worktree_uses_the_hooks_git_uses(repo, tmp_path, monkeypatch):
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(wt), "HEAD")
    monkeypatch.chdir(wt)
    assert main(["hook", "install"]) == 0
    assert sendhook.is_ours(hook_file(wt))
    assert sendhook.is_ours(str(repo / ".git/hooks/sendemail-validate"))  # hooks are shared


def test_foreign_hook_needs_force_and_comes_back_on_uninstall(repo, capsys):
    path = repo / ".git/hooks/sendemail-validate"
    path.write_text(FOREIGN)
    assert main(["hook", "install"]) == 2
    err = capsys.readouterr().err
    assert "is not reviewbot's" in err and len(err.splitlines()) == 1
    assert path.read_text() == FOREIGN
    assert main(["hook", "install", "--force"]) == 0
    assert sendhook.is_ours(str(path))
    backup = repo / ".git/hooks/sendemail-validate.reviewbot-backup"
    assert backup.read_text() == FOREIGN
    assert main(["hook", "uninstall"]) == 0
    assert path.read_text() == FOREIGN and not backup.exists()


def test_uninstall_removes_only_its_own(repo, capsys):
    assert main(["hook", "uninstall"]) == 2  # nothing there
    path = repo / ".git/hooks/sendemail-validate"
    path.write_text(FOREIGN)
    assert main(["hook", "uninstall"]) == 2
    assert "left alone" in capsys.readouterr().err
    assert path.read_text() == FOREIGN


def test_outside_a_repository(tmp_path, monkeypatch, capsys):
    isolate(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.chdir(tmp_path)
    assert main(["hook", "install"]) == 2
    assert capsys.readouterr().err.startswith("reviewbot: fatal: not a git repository")


# -- what the hook does when git runs it ---------------------------------


@pytest.fixture
def mails(repo, tmp_path):
    clean = format_patch(repo, add_clean_comment(repo), tmp_path / "clean")
    return {"tdx": str(TDX_PATCH), "clean": str(clean)}


def hook_run(args, capsys, **env) -> tuple[int, str]:
    for key in ("GIT_SENDEMAIL_FILE_COUNTER", "GIT_SENDEMAIL_FILE_TOTAL"):
        os.environ.pop(key, None)
    os.environ.update(env)
    try:
        rc = main(["hook", "run", "--", *args])
    finally:
        for key in env:
            os.environ.pop(key, None)
    return rc, capsys.readouterr().err


def test_one_mail_at_a_time_as_git_2_39_runs_it(mails, capsys):
    assert hook_run([mails["clean"]], capsys) == (0, "")
    rc, err = hook_run([mails["tdx"]], capsys)
    assert rc == 1
    assert "arch/x86/virt/vmx/tdx/tdx.c:1270: CHECK:" in err
    assert "reviewbot: not sent: 2 findings at or above WARNING (RB401, RB503)." in err
    assert "git send-email --no-validate" in err and "reviewbot explain RB401" in err


def test_the_configured_level(repo, mails, capsys):
    git(repo, "config", "reviewbot.failOn", "error")
    rc, err = hook_run([mails["tdx"]], capsys)
    assert rc == 0 and "nothing at or above ERROR (reviewbot.failOn): sending." in err
    git(repo, "config", "reviewbot.failOn", "check")
    rc, err = hook_run([mails["tdx"]], capsys)
    # RB101 is a CHECK: only this level blocks on it (the tip profile adds RB503)
    assert rc == 1 and "3 findings at or above CHECK (RB101, RB401, RB503)" in err
    git(repo, "config", "reviewbot.failOn", "loud")
    rc, err = hook_run([mails["tdx"]], capsys)
    assert rc == 1 and "reviewbot.failOn='loud' is not error, warning, check or never; using warning" in err


def test_the_hook_says_what_check_says(mails, capsys):
    """The same rules and profiles: on an x86 file the tip profile asks for
    the reverse xmas tree (RB503), which is off elsewhere."""
    assert main(["check", mails["tdx"]]) == 1
    said = [ln for ln in capsys.readouterr().out.splitlines() if re.search(r": (ERROR|WARNING|CHECK): ", ln)]
    rc, err = hook_run([mails["tdx"]], capsys)
    assert rc == 1 and len(said) == 3 and any("[RB503 reverse-xmas-tree, profile tip]" in ln for ln in said)
    assert all(ln in err.splitlines() for ln in said)


def test_a_broken_profile_file_is_one_line_and_the_review_goes_on(repo, mails, capsys):
    (repo / "reviewbot.toml").write_text("[profiles.tip\n")
    rc, err = hook_run([mails["clean"]], capsys)
    assert rc == 0 and err.count("\n") == 1
    assert "reviewbot.toml: not valid TOML" in err and "reviewing with the built-in profiles" in err
    rc, err = hook_run([mails["tdx"]], capsys)
    assert rc == 1 and "(RB401, RB503)" in err and "Traceback" not in err


def test_a_profile_file_in_the_tree_applies(repo, mails, capsys):
    (repo / "reviewbot.toml").write_text('[profiles.tip]\nignore = ["RB503"]\n')
    rc, err = hook_run([mails["tdx"]], capsys)
    assert rc == 1 and "not sent: 1 finding at or above WARNING (RB401)." in err and "RB503" not in err


def test_counters_review_the_series_once_at_the_last_file(repo, mails, tmp_path, capsys, monkeypatch):
    """Newer git: a second argument (SMTP headers) and file counters."""
    seen = []

    def series_size(ctx):
        seen.append(len(ctx.series.patches))
        return iter(())

    rule = LoadedRule(Rule("RB997", "test-only-series", Severity.CHECK, "t", scope="patch"), series_size, types.ModuleType("t"))
    real = engine.all_rules()
    monkeypatch.setattr(engine, "all_rules", lambda: (*real, rule))
    headers = tmp_path / "headers"
    headers.write_text("To: maint@example.org\n")
    out = tmp_path / "series"
    files = git(repo, "format-patch", "--thread", "--cover-letter", "-o", str(out), "base..HEAD").split()
    assert len(files) == 3  # cover letter, 1/2 (the tdx patch), 2/2 (clean)
    for n, f in enumerate(files[:-1], 1):
        env = {"GIT_SENDEMAIL_FILE_COUNTER": str(n), "GIT_SENDEMAIL_FILE_TOTAL": "3"}
        assert hook_run([f, str(headers)], capsys, **env) == (0, "")
    assert seen == []  # nothing reviewed before the last file
    rc, err = hook_run([files[-1], str(headers)], capsys, GIT_SENDEMAIL_FILE_COUNTER="3", GIT_SENDEMAIL_FILE_TOTAL="3")
    assert rc == 1 and "RB401" in err  # the first patch's finding blocks, at the last file
    assert seen == [2, 2]  # each patch was reviewed once, in a series of two
    assert not os.path.exists(repo / ".git/reviewbot-sendemail.list")  # no state left behind


def test_a_new_send_starts_afresh(repo, mails, capsys):
    """A send that stopped half-way leaves mails behind; counter 1 drops them."""
    hook_run([mails["tdx"]], capsys, GIT_SENDEMAIL_FILE_COUNTER="1", GIT_SENDEMAIL_FILE_TOTAL="3")
    assert hook_run([mails["clean"]], capsys, GIT_SENDEMAIL_FILE_COUNTER="1", GIT_SENDEMAIL_FILE_TOTAL="1") == (0, "")


def test_nothing_but_findings_blocks(mails, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("REVIEWBOT_STRICT")
    assert hook_run([], capsys) == (0, "")
    assert hook_run([str(tmp_path / "gone.patch")], capsys) == (0, "")  # unreadable: not our business
    cover = tmp_path / "0000-cover-letter.patch"
    cover.write_text("Subject: [PATCH 0/2] cover\nFrom: A <a@b>\n\nHello\n")
    assert hook_run([str(cover)], capsys) == (0, "")

    def broken(*a, **k):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(engine.Engine, "run", broken)
    rc, err = hook_run([mails["tdx"]], capsys)
    assert rc == 0
    assert err == "reviewbot: hook failed (RuntimeError: boom); the mail is sent unchecked\n"


def run_script(script: str, mail: str, cwd) -> subprocess.CompletedProcess:
    path = os.path.join(cwd, "hook.sh")
    with open(path, "w") as fh:
        fh.write(script)
    os.chmod(path, 0o755)
    return subprocess.run([path, mail], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_hook_script(repo, mails, tmp_path):
    ok = run_script(sendhook.script(sys.executable), mails["tdx"], tmp_path)
    assert ok.returncode == 1 and "not sent" in ok.stderr
    gone = run_script(sendhook.script(str(tmp_path / "no/python3")), mails["tdx"], tmp_path)
    assert gone.returncode == 0 and "is gone; the mails are sent unchecked" in gone.stderr


def test_the_hook_script_without_reviewbot(mails, tmp_path):
    bare = "/usr/bin/python3"
    if not os.path.exists(bare) or subprocess.run([bare, "-c", "import reviewbot"], capture_output=True).returncode == 0:
        pytest.skip("needs a python3 without reviewbot")
    res = run_script(sendhook.script(bare), mails["tdx"], tmp_path)
    assert res.returncode == 0 and "cannot run (No module named 'reviewbot')" in res.stderr
