"""Caps on message size, files, hunk lines, parse time and syntax nodes."""

from __future__ import annotations

import io
import time

import pytest

from reviewbot.engine import Engine, all_rules
from reviewbot.limits import Budget, LimitExceeded, Limits, diff_problem, parse_size
from reviewbot.loader import load


def _mail(diff: str, subject: str = "[PATCH] x: y") -> bytes:
    return (
        f"From: A <a@example.org>\nSubject: {subject}\nMessage-ID: <m@x>\n\nmsg\n\n"
        f"Signed-off-by: A <a@example.org>\n---\n{diff}"
    ).encode()


def _diff(files: int = 1, lines: int = 3, path: str = "drivers/x.c") -> str:
    out = []
    for f in range(files):
        p = f"{path}{f}" if files > 1 else path
        out.append(f"diff --git a/{p} b/{p}\n--- a/{p}\n+++ b/{p}\n@@ -1,1 +1,{lines + 1} @@\n ctx\n")
        out.extend(f"+int v{i};\n" for i in range(lines))
    return "".join(out)


def _load(data: bytes, limits: Limits):
    return load(["-"], io.BytesIO(data), limits)


def test_defaults_are_sane():
    lim = Limits()
    assert lim.max_message_bytes == 20 * 1024 * 1024
    assert lim.max_files_per_patch == 500
    assert lim.max_hunk_lines == 20_000
    with pytest.raises(ValueError):
        Limits(max_files_per_patch=0)
    with pytest.raises(ValueError):
        Limits(parse_seconds=0)


def test_parse_size():
    assert parse_size("20M") == 20 * 1024 * 1024
    assert parse_size("512k") == 512 * 1024
    assert parse_size("1000") == 1000
    assert parse_size("1.5MB") == int(1.5 * 1024 * 1024)
    with pytest.raises(ValueError):
        parse_size("lots")


def test_message_over_size_is_reported_and_skipped():
    data = _mail(_diff(lines=50))
    loaded = _load(data, Limits(max_message_bytes=len(data) - 1))
    assert not loaded.series
    assert len(loaded.errors) == 1 and "limit: skipped" in loaded.errors[0].message
    assert _load(data, Limits(max_message_bytes=len(data))).series


def test_too_many_files_refused_before_parsing():
    body = _diff(files=6)
    assert "6 files" in diff_problem(body, Limits(max_files_per_patch=5))
    assert diff_problem(body, Limits(max_files_per_patch=6)) == ""
    loaded = _load(_mail(body), Limits(max_files_per_patch=5))
    assert not loaded.series and "file limit" in loaded.errors[0].message


def test_plain_diff_files_are_counted_too():
    body = "".join(f"--- a/f{i}.c\n+++ b/f{i}.c\n@@ -1 +1 @@\n-a\n+b\n" for i in range(4))
    assert "4 files" in diff_problem(body, Limits(max_files_per_patch=3))


def test_long_hunk_refused_before_parsing():
    body = _diff(lines=200)
    assert "line limit" in diff_problem(body, Limits(max_hunk_lines=100))
    assert diff_problem(body, Limits(max_hunk_lines=300)) == ""
    loaded = _load(_mail(body), Limits(max_hunk_lines=100))
    assert not loaded.series and "hunk of" in loaded.errors[0].message


def test_reply_quoting_a_long_diff_is_still_a_mail():
    loaded = _load(_mail(_diff(lines=200), subject="Re: [PATCH] x: y"), Limits(max_hunk_lines=100))
    assert not loaded.errors and len(loaded.others) == 1


def test_budget_counts_nodes_and_time():
    b = Budget(Limits(max_syntax_nodes=10))
    b.count(10)
    with pytest.raises(LimitExceeded, match="syntax nodes"):
        b.count(1)
    b = Budget(Limits(parse_seconds=0.01))
    time.sleep(0.02)
    assert b.callback(0, False) is True
    with pytest.raises(LimitExceeded, match="s limit"):
        b.check()


def test_engine_skips_a_patch_over_the_node_cap_and_goes_on():
    data = _mail(_diff(lines=50)) + b"\n"
    small = data.replace(b"<m@x>", b"<n@x>").replace(b"x: y", b"x: z").replace(b"lines", b"l")
    mbox = b"From a@b Mon Sep 17 00:00:00 2001\n" + data + b"From a@b Mon Sep 17 00:00:00 2001\n" + small
    loaded = load(["-"], io.BytesIO(mbox))
    assert len(loaded.series) == 2
    result = Engine(all_rules(), limits=Limits(max_syntax_nodes=100)).run(loaded.series)
    assert len(result.problems) == 2 and all("syntax" in p.message for p in result.problems)
    result = Engine(all_rules()).run(loaded.series)
    assert not result.problems and len(result.patches) == 2


def test_parse_timeout_cancels_tree_sitter_and_parser_recovers():
    from reviewbot.csyntax import Parser

    parser = Parser()
    big = b"int x[] = {" + b"1," * 400_000 + b"};\n"
    parser.budget = Budget(Limits(parse_seconds=0.05, max_syntax_nodes=10_000_000))
    start = time.monotonic()
    with pytest.raises(LimitExceeded, match="s limit"):
        parser.parse(big)
    assert time.monotonic() - start < 5  # a full parse takes seconds
    parser.budget = None
    tree = parser.parse(b"int a;\n")  # a fresh parse, not the cancelled one resumed
    assert tree.root_node.end_byte == 7


def test_check_options(tmp_path, capsys):
    from reviewbot.cli import main

    patch = tmp_path / "x.patch"
    patch.write_bytes(_mail(_diff(lines=300)))
    assert main(["check", "--fail-on", "never", str(patch)]) == 0
    capsys.readouterr()
    assert main(["check", "--max-hunk-lines", "10", str(patch)]) == 2
    assert "10-line limit: skipped" in capsys.readouterr().err
    assert main(["check", "--max-message-size", "1k", str(patch)]) == 2
    assert "over the 1.0 kB limit" in capsys.readouterr().err
    assert main(["check", "--max-files", "0", str(patch)]) == 2
    assert "--max-files must be at least 1" in capsys.readouterr().err


def test_long_c_line_is_refused_but_not_in_other_files():
    long_line = "+int x = " + " + ".join(["a"] * 2000) + ";\n"
    c_diff = "--- a/x.c\n+++ b/x.c\n@@ -1 +1,2 @@\n int a;\n" + long_line
    loaded = _load(_mail(c_diff), Limits())
    assert not loaded.series and "character limit for C" in loaded.errors[0].message
    doc = c_diff.replace("x.c", "x.rst")
    assert _load(_mail(doc), Limits()).series


def test_huge_c_is_refused_before_tree_sitter_builds_its_tree():
    from reviewbot.csyntax import Parser

    parser = Parser()
    parser.budget = Budget(Limits(max_syntax_nodes=1000))
    parser.parse(b"int a;\n" * 100)  # 700 bytes: no count needed
    with pytest.raises(LimitExceeded, match="tokens"):
        parser.parse(b"int x[] = {" + b"1," * 1000 + b"};\n")
