"""Robustness and security: odd, broken and hostile input never crashes,
hangs, reaches a shell, opens a path named by a patch, or goes online.

The pipeline runs strict here (conftest): a rule that raises fails the test.
"""

from __future__ import annotations

import ast
import gzip
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from hostile_inputs import diff_cases, mail, mbox, mime_cases, review

ROOT = Path(__file__).resolve().parent.parent
REVIEWBOT = [sys.executable, "-m", "reviewbot"]


# --- audit hook: what a run opens and where it connects ---------------------------------

_EVENTS: list[tuple[str, tuple]] | None = None


def _hook(event: str, args: tuple) -> None:
    if _EVENTS is not None and (event == "open" or event.startswith("socket.") or event in (
            "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn")):
        _EVENTS.append((event, args))


sys.addaudithook(_hook)  # hooks cannot be removed: it records only inside audit()


# What reaches the network (a socket created or bound to ::1, as urllib3's
# IPv6 probe does at import, does not).
NET = ("socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo", "socket.gethostbyname",
       "socket.gethostbyaddr")


def network(events) -> list:
    return [(e, a) for e, a in events if e in NET]


@contextmanager
def audit():
    global _EVENTS
    _EVENTS = events = []
    try:
        yield events
    finally:
        _EVENTS = None


# --- no crash ---------------------------------------------------------------------------

MIME = mime_cases()
DIFFS = diff_cases()


@pytest.mark.parametrize("name", sorted(MIME))
def test_mime_oddities(name):
    start = time.monotonic()
    review(MIME[name])
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("name", sorted(DIFFS))
def test_diff_oddities(name):
    start = time.monotonic()
    review(DIFFS[name])
    assert time.monotonic() - start < 10


def test_everything_in_one_mbox():
    result = review(mbox(*MIME.values(), *DIFFS.values()))
    assert result.patches


def test_hostile_paths_keep_their_names_and_stay_patches():
    result = review(DIFFS["path traversal"])
    paths = [fc.path for pr in result.patches for fc in pr.patch.files]
    assert paths == ["../../etc/passwd"]  # named as sent, in findings only


CORPUS_FILES = ("linux-hwmon", "platform-driver-x86", "linux-edac", "linux-hyperv")
SEP = re.compile(rb"(?m)^From mboxrd@z Thu Jan  1 00:00:00 1970\n")


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_corpus_sample(shared, name):
    """Every 40th message of each list (the whole corpus: benchmarks/fuzz.py --corpus)."""
    data = gzip.open(shared / "corpus" / f"{name}.mbox.gz", "rb").read()
    chunks = SEP.split(data)[1::40]
    review(b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + c for c in chunks))


# --- the command line: no traceback, bounded time and memory --------------------------


def _cli(args: list[str], tmp_path: Path, stdin: bytes | None = None) -> tuple[int, str, float]:
    """Exit status, stderr and wall time of `reviewbot ARGS`."""
    env = {k: v for k, v in os.environ.items() if k != "REVIEWBOT_STRICT"}  # as users run it
    start = time.monotonic()
    proc = subprocess.Popen(REVIEWBOT + args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, cwd=tmp_path, env=env)
    _, err = proc.communicate(stdin)
    return proc.returncode, err.decode("utf-8", "replace"), time.monotonic() - start


def _cli_rss(args: list[str], tmp_path: Path) -> tuple[int, str, float, float]:
    """Exit status, stderr, wall time and peak RSS (MB) of `reviewbot ARGS`.

    The peak is the child's VmHWM polled from /proc: wait4's ru_maxrss
    would carry the high-water mark of the forked copy of pytest."""
    env = {k: v for k, v in os.environ.items() if k != "REVIEWBOT_STRICT"}
    err_path = tmp_path / "stderr.txt"
    peak = 0
    with open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(REVIEWBOT + args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err, cwd=tmp_path, env=env)
        while proc.poll() is None:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
                peak = max(peak, int(status.split("VmHWM:")[1].split()[0]))
            except (OSError, IndexError, ValueError):
                pass
            time.sleep(0.01)
        wall = time.monotonic() - start
    return proc.returncode, err_path.read_text("utf-8", "replace"), wall, peak / 1024


def test_cli_never_prints_a_traceback(tmp_path):
    box = tmp_path / "all.mbox"
    box.write_bytes(mbox(*MIME.values(), *DIFFS.values()))
    rc, err, _ = _cli(["check", "--format", "json", str(box)], tmp_path)
    assert rc in (0, 1), err
    assert "Traceback" not in err and "internal error" not in err and "failed:" not in err


def test_cli_on_garbage_files(tmp_path):
    inputs = {
        "empty": b"",
        "binary": bytes(range(256)) * 64,
        "gzip-truncated.gz": gzip.compress(mail() * 50)[:200],
        "gzip-bomb-ish.gz": gzip.compress(b"\n" * 5_000_000),
        "not-utf8": "Subject: [PATCH] \xe4\n\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-\xe4\n+\xf6\n".encode("latin-1"),
    }
    for name, data in inputs.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "maildir" / "cur").mkdir(parents=True)
    (tmp_path / "maildir" / "cur" / "1:2,S").write_bytes(mail())
    (tmp_path / "fifo-less-dir").mkdir()
    rc, err, wall = _cli(["check", *inputs, "maildir", "fifo-less-dir", "missing-file"], tmp_path)
    assert "Traceback" not in err, err
    assert rc in (0, 1, 2) and wall < 30
    assert "missing-file: cannot read" in err


def test_fifty_megabyte_mail_is_refused_quickly(tmp_path):
    big = tmp_path / "big.eml"
    big.write_bytes(mail(message="x" * (50 * 1024 * 1024) + "\n"))
    rc, err, wall, rss = _cli_rss(["check", str(big)], tmp_path)
    assert rc == 2 and "over the 20.0 MB limit: skipped" in err and "Traceback" not in err
    assert wall < 20 and rss < 400


def test_huge_hunk_under_the_size_cap_is_refused_before_parsing(tmp_path):
    lines = "".join(f"+int v{i};\n" for i in range(1_000_000))
    patch = tmp_path / "hunk.patch"
    patch.write_bytes(mail(diff=f"--- a/x.c\n+++ b/x.c\n@@ -1,1 +1,1000001 @@\n int a;\n{lines}"))
    rc, err, wall, rss = _cli_rss(["check", str(patch)], tmp_path)
    assert rc == 2 and "20000-line limit: skipped" in err, err
    assert wall < 20 and rss < 400


def test_million_element_initializer(tmp_path):
    row = ",".join(str(i) for i in range(100))
    body = "".join(f"+\t{row},\n" for _ in range(10_000))
    diff = ("--- /dev/null\n+++ b/drivers/x/table.c\n@@ -0,0 +1,10002 @@\n"
            f"+static const int table[] = {{\n{body}+}};\n")
    patch = tmp_path / "table.patch"
    patch.write_bytes(mail(diff=diff))
    rc, err, wall, rss = _cli_rss(["check", str(patch)], tmp_path)
    assert rc == 2 and "syntax-node limit" in err and "Traceback" not in err, err
    assert wall < 20 and rss < 300


def test_deep_nesting(tmp_path):
    opens = "".join("+" + "{" * 2000 + "\n" for _ in range(25))
    closes = "".join("+" + "}" * 2000 + "\n" for _ in range(25))
    diff = f"--- /dev/null\n+++ b/drivers/x/deep.c\n@@ -0,0 +1,52 @@\n+int f(void)\n{opens}{closes}+{{\n"
    patch = tmp_path / "deep.patch"
    patch.write_bytes(mail(diff=diff))
    rc, err, wall, rss = _cli_rss(["check", str(patch)], tmp_path)
    assert rc in (0, 1, 2) and "Traceback" not in err and "failed:" not in err, err
    assert wall < 30 and rss < 300


def test_parse_timeout_option(tmp_path):
    rows = "".join("+\tfoo(a, b, c) + bar(d, e) * baz[x][y];\n" for _ in range(19_000))
    patch = tmp_path / "slow.patch"
    patch.write_bytes(mail(diff=f"--- /dev/null\n+++ b/x.c\n@@ -0,0 +1,19001 @@\n+int f(void) {{\n{rows}"))
    rc, err, wall, _ = _cli_rss(["check", "--parse-timeout", "0.01", str(patch)], tmp_path)
    assert rc == 2 and "s limit: skipped" in err, err


# --- regexes: no catastrophic backtracking --------------------------------------------------


def _adversarial(n: int) -> dict[str, str]:
    return {
        "spaces": " " * n, "tabs": "\t" * n, "a a": "a " * (n // 2), "parens": "(" * n, "lt": "<" * n,
        "escaped quotes": '\\"' * (n // 2), "quote-backslash": "'\\" * (n // 2), "comment openers": "/*" * (n // 2),
        "encoded-word starts": "=?utf-8?q?" * (n // 10), "at signs": "a@" * (n // 2), "0x": "0x" * (n // 2),
        "digits": "1" * n, "ampersands": "& " * (n // 2), "identifier": "a" * n, "colons": "a:" * (n // 2),
        "commas": "x, " * (n // 3), "quote marks": "> " * (n // 2), "backslashes": "\\" * n,
        "spaces then x": " " * n + "x", "open parens": "( " * (n // 2), "masks": "reg & MASK " * (n // 11),
    }


def _placements(s: str) -> dict[str, bytes]:
    c = "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,3 @@ " + s[:200] + "\n int a;\n+" + s + "\n int b;\n"
    return {
        "subject": mail(subject="[PATCH] x: " + s),
        "from": mail().replace(b"Alice Example <alice@example.org>", (s + " <a@b>").encode()),
        "cc": mail(headers="Cc: " + s + "\n"),
        "references": mail(headers="References: " + s + "\nIn-Reply-To: " + s + "\n"),
        "message-id": mail().replace(b"<m1@example.org>", s.encode()),
        "date": mail().replace(b"Mon, 1 Jan 2024 10:00:00 +0000", s.encode()),
        "charset": mail(headers="Content-Type: text/plain; charset=" + s + "\n"),
        "commit message": mail(message="x: y\n\n" + s + "\n\n" + s + ": " + s + "\nSigned-off-by: " + s + "\n---\n"),
        "C line": mail(diff=c),
        "header line": mail(diff=c.replace("x.c", "x.h")),
        "rst line": mail(diff=c.replace("x.c", "x.rst")),
        "path": mail(diff=f"--- a/{s[:900]}.c\n+++ b/{s[:900]}.c\n@@ -1 +1,2 @@\n int a;\n+int b;\n"),
    }


@pytest.mark.parametrize("length", [2_000, 16_000])  # C lines over 2,048 characters are refused
def test_long_adversarial_lines_everywhere(length):
    """Long crafted lines in every header, the commit message, diff lines of
    C and other files, and paths: every review stays well under a second
    (3 s allowed for a loaded machine).  A regex that backtracks
    catastrophically would take minutes here."""
    slow = []
    for sname, s in _adversarial(length).items():
        for pname, data in _placements(s).items():
            start = time.perf_counter()
            review(data)
            spent = time.perf_counter() - start
            if spent > 3:
                slow.append(f"{sname} in the {pname}: {spent:.1f} s")
    assert not slow, "\n".join(slow)


# --- no shell, no network, no secrets ---------------------------------------------------------


def _sources() -> list[Path]:
    return sorted([*ROOT.joinpath("reviewbot").rglob("*.py"), *ROOT.joinpath("rules").glob("*.py")])


def test_no_shell_anywhere():
    bad = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            for kw in node.keywords:
                if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    bad.append(f"{path.name}:{node.lineno}: {func}(shell=...)")
            if func in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "popen"):
                bad.append(f"{path.name}:{node.lineno}: {func}()")
            if func.split(".")[-1] in ("run", "Popen", "call", "check_call", "check_output") and node.args:
                first = node.args[0]
                if isinstance(first, (ast.JoinedStr, ast.BinOp)) or (
                        isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    bad.append(f"{path.name}:{node.lineno}: {func}() with a command string")
    assert not bad, "\n".join(bad)


def test_patch_paths_are_never_opened(tmp_path, monkeypatch):
    """Paths a mail names (``../../x``, absolute ones) are not opened, even
    with --tree; nothing is written; no subprocess runs; no socket opens."""
    from reviewbot.cli import main

    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.c"
    secret.write_text("int secret;\n")
    tree = tmp_path / "tree"
    (tree / "drivers").mkdir(parents=True)
    (tree / "drivers" / "ok.c").write_text("int a;\nint c;\nint d;\n")
    hunk = "@@ -1,3 +1,4 @@\n int a;\n+int b;\n int c;\n int d;\n"
    names = ["../outside/secret.c", "drivers/../../outside/secret.c", str(secret), "/etc/passwd", "drivers/ok.c"]
    mails = [mail(diff=f"--- a/{n}\n+++ b/{n}\n{hunk}", mid=f"p{i}", subject=f"[PATCH] p{i}")
             for i, n in enumerate(names)]
    mails.append(mail(diff=f'diff --git "a/{secret}" "b/{secret}"\n--- "a/{secret}"\n+++ "b/{secret}"\n{hunk}',
                      mid="q", subject="[PATCH] q"))
    box = tmp_path / "in.mbox"
    box.write_bytes(mbox(*mails))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for args in (["check", "--fail-on", "never", str(box)],
                 ["check", "--fail-on", "never", "--tree", str(tree), str(box)]):
        with audit() as events:
            main(args)
        opened = [str(a[0]) for e, a in events if e == "open" and isinstance(a[0], (str, bytes, os.PathLike))]
        assert not any("secret" in p or p.startswith("/etc/") for p in opened), opened
        writes = [a for e, a in events if e == "open" and a[1] and any(c in str(a[1]) for c in "wax+")
                  and not str(a[0]).startswith(str(tmp_path / "cache"))]
        assert not writes, writes
        assert not network(events)
        assert not [e for e, _ in events if e in ("subprocess.Popen", "os.system")]


def test_network_off_by_default(tmp_path, monkeypatch):
    from reviewbot.cli import main

    box = tmp_path / "in.mbox"
    box.write_bytes(mbox(*list(MIME.values())[:5], *list(DIFFS.values())[:5]))
    monkeypatch.chdir(tmp_path)
    for fmt in ("text", "json", "review", "sarif"):
        extra = ["--output-dir", str(tmp_path / "out")] if fmt == "review" else []
        with audit() as events:
            main(["check", "--fail-on", "never", "--format", fmt, *extra, str(box)])
        net = network(events)
        assert not net, net


def test_secrets_stay_out_of_repr_and_errors():
    from reviewbot.bot.config import ConfigError, from_dict

    env = {"REVIEWBOT_PATCHWORK_TOKEN": "pw-SECRET-123", "REVIEWBOT_SMTP_PASSWORD": "smtp-SECRET-456",
           "REVIEWBOT_SMTP_HOST": "127.0.0.1"}
    data = {"lists": {"hwmon": {"sources": [{"type": "mbox", "path": "x.mbox"}],
                                "patchwork": {"url": "http://127.0.0.1:9/api"}}},
            "smtp": {"user": "bot"}}
    cfg = from_dict(data, "/tmp", env)
    assert cfg.lists[0].patchwork.token == "pw-SECRET-123" and cfg.smtp.password == "smtp-SECRET-456"
    for text in (repr(cfg), str(cfg)):
        assert "SECRET" not in text
    data["smtp"]["tls"] = "bogus"
    with pytest.raises(ConfigError) as exc:
        from_dict(data, "/tmp", env)
    assert "SECRET" not in str(exc.value)


def test_check_never_echoes_the_environment(tmp_path, monkeypatch, capsys):
    from reviewbot.cli import main

    monkeypatch.setenv("REVIEWBOT_PATCHWORK_TOKEN", "pw-SECRET-789")
    monkeypatch.setenv("REVIEWBOT_SMTP_PASSWORD", "smtp-SECRET-789")
    box = tmp_path / "in.mbox"
    box.write_bytes(mbox(*MIME.values()))
    for fmt in ("text", "json", "review"):
        main(["check", "--fail-on", "never", "--format", fmt, str(box)])
        out = capsys.readouterr()
        assert "SECRET" not in out.out + out.err


def test_bot_on_local_mail_opens_no_socket(tmp_path, monkeypatch):
    """The list bot reading a local mbox, with no lore/Patchwork/SMTP settings."""
    from reviewbot.cli import main

    box = tmp_path / "list.mbox"
    box.write_bytes(mbox(mail(), *list(DIFFS.values())[:5]))
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("REVIEWBOT_SMTP")]:
        monkeypatch.delenv(name)
    with audit() as events:
        main(["bot", "--once", "--no-progress", "--quiet", "--state-dir", str(tmp_path / "state"), str(box)])
    net = network(events)
    assert not net, net
