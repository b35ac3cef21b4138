"""reviewbot.blame: which patch of a series added each line."""

import pathlib

import pytest

from reviewbot import docs
from reviewbot.blame import Origin, SeriesBlame, author, for_context, replays_history
from reviewbot.engine import Engine, all_rules, find_rule
from reviewbot.loader import load
from reviewbot.model import Series

ROOT = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
SERIES = ROOT / "series"


def _series(name: str) -> Series:
    (s,) = load([str(SERIES / f"{name}.mbox")]).series
    return s


def test_lines_of_a_created_file_are_followed_exactly():
    s = _series("grows-a-function")
    blame = SeriesBlame(s)
    assert blame.problems == []
    p2, p3 = s.patches[1], s.patches[2]
    removed = {b.line.text.strip(): b.origin for b in blame.removed(p2)}
    assert removed["BAR_TEMP"] == Origin(1, "drivers/hwmon/bar.c", 7)
    assert removed["&bar_chip_info, NULL));"].index == 1
    # patch 3 removes what patch 1 added, through patch 2's renumbering
    removed3 = {b.line.text.strip(): b.origin for b in blame.removed(p3)}
    assert removed3["static __maybe_unused int bar_read_fault(struct i2c_client *client)"] == Origin(
        1, "drivers/hwmon/bar.c", 10
    )
    assert removed3["/* TODO: read the fault register */"].line == 12
    # and sees patch 2's lines as context
    assert {b.origin.index for b in blame.context(p3)} == {1, 2}


def test_existing_files_are_followed_around_the_hunks():
    s = _series("churn")
    blame = SeriesBlame(s)
    assert blame.problems == []
    removed = blame.removed(s.patches[2])
    by_index = {}
    for b in removed:
        by_index.setdefault(b.origin.index, []).append(b.line.text.strip())
    assert by_index[1] == [
        "#define FOO_ALARM_LOW\t\tBIT(3)",
        "#define FOO_ALARM_HIGH\t\tBIT(3)",
        "static int foo_get_alarm_bits(struct foo_data *data, u32 *bits)",
    ]
    assert by_index[2] == ["ret = foo_get_alarm_bits(data, &bits);"]
    # the first patch removes nothing of the series
    assert blame.removed(s.patches[0]) == ()


def test_fresh_lines_and_edits():
    s = _series("grows-a-function")
    blame = SeriesBlame(s)
    # patch 2 turned "return ...;" into "hwmon = ...;": an edit, not new code
    context3 = {b.line.text.strip(): b.origin for b in blame.context(s.patches[2])}
    assert context3["BAR_FAULT,"].fresh
    assert not context3["BAR_TEMP,"].fresh if "BAR_TEMP," in context3 else True


def test_a_hunk_that_does_not_match_loses_the_file_not_the_series():
    s = _series("churn")
    # shift patch 3's numbers as if a patch in between were missing: the
    # hunks are found again by their text
    blame = SeriesBlame(Series(s.version, s.total, (None, s.items[1], None, s.items[3]), s.title))
    assert blame.problems == []
    assert {b.origin.index for b in blame.removed(s.items[3])} == {1}


def test_the_tree_gives_the_whole_file(tmp_path):
    s = _series("churn")
    pre = ["/* line %d */" % i for i in range(1, 121)]
    # the pre-image lines of the hunks where the patches say they are
    for fc in s.patches[0].files:
        for h in fc.hunks:
            n = h.old_start
            for ln in h.lines:
                if ln.kind != "+":
                    pre[n - 1] = ln.text
                    n += 1
    for fc in s.patches[1].files:
        for h in fc.hunks:
            n = h.old_start - 16  # patch 1 added 16 lines above this hunk
            for ln in h.lines:
                if ln.kind != "+":
                    pre[n - 1] = ln.text
                    n += 1
    text = "\n".join(pre) + "\n"
    blame = SeriesBlame(s, read_base=lambda path: text if path == "drivers/hwmon/foo.c" else None)
    assert blame.problems == []
    assert {b.origin.index for b in blame.removed(s.patches[2])} == {1, 2}


def test_backports_and_authors():
    s = _series("churn")
    assert not replays_history(s)
    assert author(s.patches[0]) == "ada@example.org"


def test_computed_once_per_series():
    s = _series("churn")
    rules = [find_rule(all_rules(), "RB402"), find_rule(all_rules(), "RB403")]
    engine = Engine(rules)
    seen = []
    for p in s.patches:
        ctx = engine.context(p, s)
        seen.append(for_context(ctx))
    assert seen[0] is not None and all(b is seen[0] for b in seen)
    # a patch reviewed alone has no series blame
    patch = docs.example_patch("diff", {}, (ROOT / "rules" / "rb401" / "fires" / "define-moved-to-header.diff").read_text())
    assert for_context(engine.context(patch, None)) is None


def test_tdx_series_blame():
    mbox = ROOT / "tdx-module-update-v8.mbox"
    if not mbox.exists():
        pytest.skip("series fixture missing")
    (s,) = load([str(mbox)]).series
    blame = SeriesBlame(s)
    assert blame.problems == []
    # 16/21 rewrites the three lines 11/21 put where 10/21's tail call was
    p16 = s.items[16]
    assert [(b.origin.index, b.line.text.strip()) for b in blame.removed(p16)] == [
        (11, "ret = seamcall_prerr(TDH_SYS_SHUTDOWN, &args);"),
        (11, "if (ret)"),
        (11, "return ret;"),
    ]


def test_another_version_in_the_tree_falls_back_to_the_hunks():
    s = _series("churn")
    other = "".join(f"int unrelated_{i};\n" for i in range(200))
    blame = SeriesBlame(s, read_base=lambda path: other)
    assert blame.problems == []
    assert {b.origin.index for b in blame.removed(s.patches[2])} == {1, 2}


def test_memo_is_bounded():
    from reviewbot.rule import Memo

    memo = Memo(size=3)
    keep = [object() for _ in range(5)]
    for i, o in enumerate(keep):
        assert memo.get("x", o, lambda i=i: i) == i
    assert len(memo._values) == 3
    calls = []
    assert memo.get("x", keep[4], lambda: calls.append(1)) == 4 and calls == []
    assert memo.get("x", keep[0], lambda: "again") == "again"  # evicted: made again
