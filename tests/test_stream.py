"""reviewbot.stream: bounded-memory review gives the results of load + Engine."""

from __future__ import annotations

import gzip
import io
from datetime import datetime, timezone

from hostile_inputs import mail, mbox

from reviewbot import stream
from reviewbot.engine import Engine, all_rules
from reviewbot.limits import Limits
from reviewbot.loader import load
from reviewbot.sources import read_inputs


def _series(n: int, total: int = 3) -> list[bytes]:
    out = [mail(subject=f"[PATCH 0/{total}] s{n}: cover", mid=f"c{n}", diff="")]
    for i in range(1, total + 1):
        out.append(mail(subject=f"[PATCH {i}/{total}] s{n}: part {i}", mid=f"p{n}-{i}",
                        headers=f"In-Reply-To: <c{n}@example.org>\nReferences: <c{n}@example.org>\n"))
    out.append(mail(subject=f"Re: [PATCH 1/{total}] s{n}: part 1", mid=f"r{n}", diff="",
                    headers=f"In-Reply-To: <p{n}-1@example.org>\n"))
    return out


def _key(result):
    return sorted((pr.patch.message_id, tuple((f.rule.code, f.path, f.line) for f in pr.findings))
                  for pr in result.patches)


def test_same_results_as_load_across_windows(tmp_path, monkeypatch):
    mails = [m for n in range(12) for m in _series(n)]
    # a late patch: part 3 of series 0 arrives after many others
    late = mails.pop(4)
    mails.append(late)
    path = tmp_path / "archive.mbox.gz"
    path.write_bytes(gzip.compress(mbox(*mails)))
    monkeypatch.setattr(stream, "BLOCK", 1024)  # many blocks, separators across block ends
    assert [r.data for r in stream.iter_raw([str(path)])] == [r.data for r in read_inputs([str(path)])]
    loaded = load([str(path)])
    whole = Engine(all_rules()).run(loaded.series, (), loaded.messages)
    windowed = stream.review_stream([str(path)], None, Engine(all_rules()), window=7)
    assert _key(windowed) == _key(whole)
    assert windowed.messages == whole.messages == len(mails)
    assert windowed.series == whole.series == 12
    assert all(not pr.patch.mail.body for pr in windowed.patches)
    for pr in windowed.patches:
        with_hunks = {fc.path for fc in pr.patch.files if fc.hunks}
        assert with_hunks <= {f.path for f in pr.findings}


def test_a_message_over_the_cap_is_skipped_while_streaming(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "BLOCK", 4096)
    big = mail(subject="[PATCH] big", mid="big", message="x" * 200_000 + "\n")
    path = tmp_path / "a.mbox"
    path.write_bytes(mbox(mail(subject="[PATCH] a", mid="a"), big, mail(subject="[PATCH] b", mid="b")))
    result = stream.review_stream([str(path)], None, Engine(all_rules()), Limits(max_message_bytes=50_000))
    assert [pr.patch.message_id for pr in result.patches] == ["a@example.org", "b@example.org"]
    assert [p.source for p in result.problems] == [f"{path}#2"]
    assert "limit: skipped" in result.problems[0].message


def test_single_mails_and_stdin_still_work(tmp_path):
    one = tmp_path / "one.patch"
    one.write_bytes(mail())
    result = stream.review_stream([str(one)], None, Engine(all_rules()))
    assert len(result.patches) == 1 and result.messages == 1


def _review_mails(result) -> str:
    """The review mails of a run, all dated alike (renders compared byte for byte)."""
    import io

    from reviewbot.report import render

    out = io.StringIO()
    render("review", result, out, now=datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc))
    return out.getvalue()


def test_review_mails_are_the_same_from_slim_results(tmp_path):
    mails = [m for n in range(4) for m in _series(n)]
    path = tmp_path / "a.mbox"
    path.write_bytes(mbox(*mails))
    loaded = load([str(path)])
    whole = Engine(all_rules()).run(loaded.series, (), loaded.messages)
    windowed = stream.review_stream([str(path)], None, Engine(all_rules()), window=5)
    assert whole.findings
    assert _review_mails(whole) == _review_mails(windowed)


def test_slim_hunks_quote_the_same(tmp_path):
    body = [f" \tctx{i}();\n" for i in range(120)]
    body[40] = "+\tif (reg & MASK == VAL)\n"
    body[44] = "+\tif (reg & MASK == VAL)\n"
    body[90] = "+\tif (reg & MASK == VAL)\n"
    diff = ("--- a/drivers/x.c\n+++ b/drivers/x.c\n@@ -10,117 +10,120 @@ static int f(void)\n" + "".join(body))
    path = tmp_path / "a.mbox"
    path.write_bytes(mbox(mail(diff=diff), mail(subject="[PATCH] other", mid="o")))
    loaded = load([str(path)])
    whole = Engine(all_rules()).run(loaded.series, (), loaded.messages)
    windowed = stream.review_stream([str(path)], None, Engine(all_rules()), window=1)
    assert len(whole.findings) >= 3
    kept = [len(h.lines) for pr in windowed.patches for fc in pr.patch.files for h in fc.hunks]
    assert kept and sum(kept) < 60
    assert _review_mails(whole) == _review_mails(windowed)


def test_slim_results_list_and_count_the_same(tmp_path):
    from reviewbot.report import render

    mails = [m for n in range(4) for m in _series(n)]
    clean = "--- a/Documentation/x.rst\n+++ b/Documentation/x.rst\n@@ -1,1 +1,2 @@\n one\n+two\n"
    mails.insert(3, mail(subject="[PATCH] docs: x", mid="d", diff=clean,
                         headers="Cc: A <a@example.org>, B <b@example.org>\n"))
    path = tmp_path / "a.mbox"
    path.write_bytes(mbox(*mails))
    loaded = load([str(path)])
    whole = Engine(all_rules()).run(loaded.series, (), loaded.messages)
    windowed = stream.review_stream([str(path)], None, Engine(all_rules()), window=5)
    quiet = [pr for pr in windowed.patches if not pr.findings]
    assert quiet and all(not pr.patch.mail.cc and not pr.patch.trailers for pr in quiet)
    assert [pr.as_dict() for pr in whole.patches] == [pr.as_dict() for pr in windowed.patches]
    outs = []
    for result in (whole, windowed):
        for fmt in ("text", "json", "sarif"):
            out = io.StringIO()
            render(fmt, result, out)
            outs.append(out.getvalue())
    assert outs[:3] == outs[3:]


def test_a_mail_read_twice_windows_apart_is_reviewed_once(tmp_path):
    """A patch cross-posted to two lists is in both archives: load keeps the
    first copy, and so does the stream, however far apart the copies are."""
    first = mail(subject="[PATCH] hwmon: (foo) cross-posted", mid="x")
    mails = [first, *(m for n in range(6) for m in _series(n)), first]
    path = tmp_path / "two-lists.mbox"
    path.write_bytes(mbox(*mails))
    loaded = load([str(path)])
    whole = Engine(all_rules()).run(loaded.series, (), loaded.messages)
    windowed = stream.review_stream([str(path)], None, Engine(all_rules()), window=4)
    ids = [pr.patch.message_id for pr in windowed.patches]
    assert ids.count("x@example.org") == 1
    assert sorted(ids) == sorted(pr.patch.message_id for pr in whole.patches)
    assert windowed.messages == whole.messages == len(mails)
