"""reviewbot scan: whole files of a tree, with a progress bar on terminals."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import types

import pytest

from reviewbot.cli import main
from reviewbot.engine import LoadedRule, all_rules
from reviewbot.progress import Progress
from reviewbot.rule import Hit, Rule, Severity
from reviewbot.scan import c_files, file_patch, scan

TWO_IFS = """// SPDX-License-Identifier: GPL-2.0
int foo(int a)
{
\tint err = bar(a);

\tif ((err & MASK) == BUSY)
\t\treturn -EBUSY;
\tif (err) {
\t\tbaz(err);
\t\treturn -EIO;
\t}

\treturn 0;
}
"""


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / "drivers/foo").mkdir(parents=True)
    (tmp_path / "drivers/foo/a.c").write_text(TWO_IFS)
    (tmp_path / "drivers/foo/b.h").write_text("#define FOO 1\n")
    (tmp_path / "drivers/foo/Makefile").write_text("obj-y += a.o\n")
    (tmp_path / "drivers/.git").mkdir()
    (tmp_path / "drivers/.git/x.c").write_text(TWO_IFS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_walks_c_files_in_order_and_skips_hidden_directories(tree):
    files, problems = c_files(["drivers", "drivers/foo/Makefile", "nope"])
    assert files == ["drivers/foo/a.c", "drivers/foo/b.h"]
    assert [(p.source, p.message) for p in problems] == [
        ("drivers/foo/Makefile", "not a C source or header (.c, .h): skipped"),
        ("nope", "no such file or directory"),
    ]


def test_a_file_is_a_patch_that_adds_every_line():
    p = file_patch("a.c", "x\ny\n")
    (fc,) = p.files
    assert fc.is_new and fc.added_lines() == {1, 2}
    assert [ln.text for ln in fc.hunks[0].lines] == ["x", "y"]


def test_line_rules_run_on_every_line_patch_rules_do_not(tree):
    def fires(ctx):
        for fc in ctx.patch.files:
            yield Hit(fc.path, None, "about the whole patch")

    patch_rule = LoadedRule(Rule("RB998", "test-only-patch-rule", Severity.ERROR, "t", scope="patch"), fires, types.ModuleType("t"))
    result = scan(["drivers"], (*all_rules(), patch_rule))
    found = [(f.rule.code, f.path, f.line) for f in result.findings]
    assert found == [("RB101", "drivers/foo/a.c", 8)]
    assert len(result.patches) == 2
    clean = next(pr for pr in result.patches if pr.patch.files[0].path == "drivers/foo/b.h")
    assert clean.patch.files[0].hunks == ()  # files without findings are not kept whole


def test_cli(tree, capsys):
    assert main(["scan", "drivers"]) == 0  # RB101 is a CHECK; the default fails on warnings
    out = capsys.readouterr().out
    assert "drivers/foo/a.c:8: CHECK:" in out
    assert main(["scan", "--fail-on", "check", "drivers/foo/a.c"]) == 1
    capsys.readouterr()
    assert main(["scan", "nope"]) == 2
    assert capsys.readouterr().err.splitlines() == ["reviewbot: nope: no such file or directory", "reviewbot: no C file to scan"]


XMAS = """// SPDX-License-Identifier: GPL-2.0
int foo(int a)
{
\tint err;
\tunsigned long flags_and_more = a;

\terr = bar(flags_and_more);
\treturn err;
}
"""


def test_scan_picks_rules_by_profile_as_check_does(tree, capsys):
    (tree / "arch/x86/kernel").mkdir(parents=True)
    (tree / "arch/x86/kernel/x.c").write_text(XMAS)
    (tree / "drivers/foo/x.c").write_text(XMAS)
    assert main(["scan", "--fail-on", "never", "arch", "drivers/foo/x.c"]) == 0
    out = capsys.readouterr().out
    assert "arch/x86/kernel/x.c:4: WARNING:" in out and "[RB503 reverse-xmas-tree, profile tip]" in out
    assert "drivers/foo/x.c" not in out  # the default profile does not ask for it


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def run_bar(total: int, step: float, stream) -> str:
    now = [0.0]
    with Progress(total, stream, clock=lambda: now[0]) as bar:
        for i in range(total):
            now[0] += step
            bar.advance(f"file{i}.c")
    return stream.getvalue()


def test_progress_bar_only_on_a_terminal_and_only_when_slow():
    assert run_bar(100, 0.1, FakeTTY()) != ""  # 10 s of work: a bar
    assert run_bar(100, 0.01, FakeTTY()) == ""  # 1 s of work: nothing
    assert run_bar(100, 0.1, io.StringIO()) == ""  # not a terminal: nothing
    drawn = run_bar(100, 0.1, FakeTTY())
    assert "] 100/100 file99.c" in drawn
    assert drawn.endswith("\r")  # erased at the end: the report starts on a clean line


def test_progress_line_fits_the_terminal():
    bar = Progress(200, io.StringIO())
    bar.done = 50
    line = bar.line("drivers/gpu/drm/amd/display/dc/very/long/path/name.c", 40)
    assert len(line) <= 39 and line.startswith("[###")


def test_scan_shows_the_bar_on_a_real_terminal(tree, tmp_path):
    """A pty as stderr: the bar is drawn there, stdout keeps the report."""
    for i in range(40):
        (tree / f"drivers/foo/gen{i}.c").write_text(TWO_IFS)
    code = (
        "import itertools, sys, time\n"
        "import reviewbot.progress as p\n"
        "ticks = itertools.count()\n"
        "p.time.monotonic = lambda: next(ticks) * 0.5\n"  # each file takes 'half a second'
        "from reviewbot.cli import main\n"
        "sys.exit(main(['scan', 'drivers']))\n"
    )
    master, slave = pty.openpty()
    proc = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=slave, cwd=tree, timeout=120)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0
    assert b"/42 drivers/foo/" in seen
    assert b"\r" in seen and b"[" in seen
    assert b"[#" not in proc.stdout and proc.stdout.count(b"CHECK:") == 41
