"""The hook under a real ``git send-email`` (Debian's git-email).

``--dry-run`` and real sends to an SMTP server on the loopback interface
(aiosmtpd): a clean series goes out, a series with a blocking finding is
refused and nothing is sent, ``--no-validate`` sends anyway.
"""

from __future__ import annotations

import pathlib
import socket
import subprocess
import sys

import pytest

from gitkit import AUTHOR, add_clean_comment, git, isolate, kernel_repo

_EXEC_PATH = subprocess.run(["git", "--exec-path"], capture_output=True, text=True).stdout.strip()
if not (pathlib.Path(_EXEC_PATH) / "git-send-email").exists():
    pytest.skip("git send-email is not installed (Debian: git-email; .ci/run installs it)", allow_module_level=True)

REVIEWBOT = pathlib.Path(sys.executable).with_name("reviewbot")
FROM = f"{AUTHOR[0]} <{AUTHOR[1]}>"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """base, the tdx patch (a WARNING), a clean commit; the hook installed."""
    isolate(monkeypatch, tmp_path / "home")
    r = kernel_repo(tmp_path / "linux")
    add_clean_comment(r)
    subprocess.run([str(REVIEWBOT), "hook", "install"], cwd=r, check=True, capture_output=True)
    return r


def send_email(cwd, *args: str) -> subprocess.CompletedProcess:
    cmd = ["git", "send-email", "--to=maint@example.org", f"--from={FROM}", "--confirm=never",
           "--suppress-cc=all", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)


def test_dry_run_clean_series_passes(repo):
    res = send_email(repo, "--dry-run", "-1")
    assert res.returncode == 0, res.stderr
    assert "Dry-OK. Log says:" in res.stdout
    assert "reviewbot" not in res.stderr


def test_dry_run_blocked_with_a_message_that_says_what_to_do(repo):
    res = send_email(repo, "--dry-run", "-2")
    assert res.returncode != 0
    assert "Dry-OK" not in res.stdout
    err = res.stderr
    assert "arch/x86/virt/vmx/tdx/tdx.c:1270: CHECK:" in err
    assert "reviewbot: not sent: 2 findings at or above WARNING (RB401, RB503)." in err  # as `check` says
    assert "reviewbot explain RB401" in err
    assert "git send-email --no-validate" in err
    assert "rejected by sendemail-validate hook" in err and "no patches were sent" in err
    assert "Traceback" not in err


def test_from_a_subdirectory_and_a_linked_worktree(repo, tmp_path):
    assert send_email(repo / "drivers", "--dry-run", "-2").returncode != 0
    assert send_email(repo / "drivers", "--dry-run", "-1").returncode == 0
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(wt), "HEAD")
    assert send_email(wt, "--dry-run", "-2").returncode != 0
    assert send_email(wt, "--dry-run", "-1").returncode == 0


class Sink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler API
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp():
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    ctl = controller_mod.Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield sink, ["--smtp-server=127.0.0.1", f"--smtp-server-port={port}", "--smtp-domain=localhost"]
    finally:
        ctl.stop()


def test_real_send(repo, smtp):
    sink, server = smtp
    clean = send_email(repo, *server, "-1")
    assert clean.returncode == 0, clean.stderr
    assert len(sink.messages) == 1
    assert b"Subject: [PATCH] virt: tdx-host: Say who checks the image" in sink.messages[0]

    blocked = send_email(repo, *server, "-2")
    assert blocked.returncode != 0 and "reviewbot: not sent:" in blocked.stderr
    assert len(sink.messages) == 1  # nothing of the blocked series went out

    forced = send_email(repo, *server, "--no-validate", "-2")
    assert forced.returncode == 0, forced.stderr
    subjects = [m.split(b"Subject: ", 1)[1].split(b"\n", 1)[0].rstrip(b"\r") for m in sink.messages[1:]]
    assert subjects == [
        b"[PATCH 1/2] x86/virt/tdx: Reject updates during concurrent TD build",
        b"[PATCH 2/2] virt: tdx-host: Say who checks the image",
    ]
