"""reviewbot.parallel: --jobs gives the results of one process, in order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostile_inputs import mail, mbox

from reviewbot import parallel, stream
from reviewbot.cli import main
from reviewbot.engine import Engine, all_rules
from reviewbot.loader import load

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SERIES = FIXTURES / "tdx-module-update-v8.mbox"

pytestmark = pytest.mark.skipif(not parallel.can_fork(),
                                reason="--jobs forks; this platform cannot")


def _key(result):
    return [(pr.patch.message_id, [(f.rule.code, f.path, f.line, f.message) for f in pr.findings])
            for pr in result.patches], [(p.source, p.message) for p in result.problems]


def _run(jobs: int):
    loaded = load([str(SERIES)])
    engine = Engine(all_rules())
    engine.jobs = jobs
    return engine.run(loaded.series, (), loaded.messages)


def test_two_processes_give_the_findings_of_one_in_the_same_order():
    assert parallel.effective_jobs(2, 21) == 2
    one, two = _run(1), _run(2)
    assert _key(one) == _key(two)
    assert sum(len(pr.findings) for pr in two.patches) > 0  # the series has findings (RB401 on 16/21 ...)


def test_small_runs_stay_in_one_process():
    assert parallel.effective_jobs(8, 3) == 1
    assert parallel.effective_jobs(0, 1000) == parallel.available_cpus() or parallel.available_cpus() == 1


def test_a_dead_worker_loses_nothing():
    parent = os.getpid()
    items = list(range(40))

    def review(n):
        if os.getpid() != parent and n == 7:
            os._exit(3)  # killed in the middle of the run
        return [n * n]

    assert list(parallel.map_series(review, items, 2)) == [[n * n] for n in items]


def test_a_rule_error_in_strict_mode_reaches_the_parent():
    parent = os.getpid()

    def review(n):
        if os.getpid() != parent and n == 5:
            raise RuntimeError("rule bug")
        return [n]

    with pytest.raises(RuntimeError, match="rule bug"):
        list(parallel.map_series(review, list(range(20)), 2))


@pytest.mark.parametrize("bad", ["0", "-2", "many"])
def test_bad_jobs_is_a_one_line_error(bad, capsys):
    assert main(["check", "--jobs", bad, str(SERIES)]) == 2
    out = capsys.readouterr()
    assert out.err.count("\n") == 1 and "--jobs" in out.err


def test_cli_output_does_not_depend_on_jobs(capsys):
    outs = []
    for jobs in ("1", "2"):
        main(["check", "--jobs", jobs, "--format", "json", "--fail-on", "never", str(SERIES)])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and '"RB401"' in outs[0]


def _spy_pools(monkeypatch):
    made = []
    real = stream.SeriesPool

    def spy(review, jobs):
        made.append(jobs)
        return real(review, jobs)

    monkeypatch.setattr(stream, "SeriesPool", spy)
    return made


def test_stream_workers_give_the_results_of_one_process(monkeypatch, tmp_path):
    made = _spy_pools(monkeypatch)
    monkeypatch.setattr(stream, "POOL_AFTER", 3)
    singles = [mail(subject=f"[PATCH] hwmon: (foo{n}) add a thing", mid=f"s{n}") for n in range(30)]
    singles[7] = mail(subject="[PATCH] broken", mid="b", diff="--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n junk\n")
    archive = tmp_path / "a.mbox"
    archive.write_bytes(mbox(*singles[:15]) + SERIES.read_bytes() + mbox(*singles[15:]))
    runs = []
    for jobs in (1, 2):
        engine = Engine(all_rules())
        engine.jobs = jobs
        runs.append(stream.review_stream([str(archive)], None, engine, window=5))
    assert made == [2]  # the second run forked its workers once, for all its windows
    one, two = runs
    assert _key(one) == _key(two)  # findings and problems, in the same order
    assert (one.messages, one.series) == (two.messages, two.series) == (52, 32)
    assert len(two.problems) == 1 and sum(len(pr.findings) for pr in two.patches) > 30


def test_a_short_stream_makes_no_pool(monkeypatch, capsys):
    made = _spy_pools(monkeypatch)
    main(["check", "--stream", "--fail-on", "never", str(SERIES)])
    assert made == []  # 22 messages: under POOL_AFTER
    monkeypatch.setattr(stream, "POOL_AFTER", 10)
    main(["check", "--stream", "--jobs", "2", "--fail-on", "never", str(SERIES)])
    assert made == [2]
    main(["check", "--stream", "--jobs", "1", "--fail-on", "never", str(SERIES)])
    assert made == [2]
    capsys.readouterr()


def _outcomes(pool, items, size=3):
    sent = [pool.submit(items[i:i + size]) for i in range(0, len(items), size)]
    return [o for batch in sent for o in batch.outcomes()]


def test_a_dead_pool_worker_loses_nothing():
    parent = os.getpid()

    def review(batch):
        if os.getpid() != parent and 7 in batch:
            os._exit(3)
        return [[n * n] for n in batch]

    items = list(range(40))
    with parallel.SeriesPool(review, 2) as pool:
        assert _outcomes(pool, items) == [[n * n] for n in items]
        assert pool.broken
        assert _outcomes(pool, [1, 2]) == [[1], [4]]  # later batches: reviewed here


def test_a_rule_error_in_a_pool_worker_reaches_the_parent():
    def review(batch):
        if 5 in batch:
            raise RuntimeError("rule bug")
        return [[n] for n in batch]

    with parallel.SeriesPool(review, 2) as pool:
        with pytest.raises(RuntimeError, match="rule bug"):
            _outcomes(pool, list(range(20)))


class _Unpicklable:
    def __reduce__(self):
        raise TypeError("cannot pickle this")


def test_a_batch_the_pool_cannot_take_is_reviewed_here():
    parent = os.getpid()

    def review(batch):
        if os.getpid() != parent and 11 in batch:
            raise MemoryError  # only in the worker: the parent's copy of the work succeeds
        return [[os.getpid() == parent] for _ in batch]

    items = [0, 1, 2, _Unpicklable(), 4, 5, 9, 10, 11]
    with parallel.SeriesPool(review, 2) as pool:
        got = _outcomes(pool, items)
    assert got[:3] == [[False]] * 3  # a worker's
    assert got[3:6] == [[True]] * 3  # could not be sent: reviewed here
    assert got[6:] == [[True]] * 3  # failed in the worker: reviewed here
    assert not pool.broken


def test_batches_keep_order_and_whole_series():
    series = load([str(SERIES)]).series
    cut = list(parallel.batches(list(series) * 3, patches=10))
    assert [s for b in cut for s in b] == list(series) * 3
    assert all(sum(len(s.patches) for s in b) >= 10 for b in cut[:-1])


def test_series_survive_pickling_unchanged():
    import pickle

    series = load([str(SERIES)]).series
    copy = pickle.loads(pickle.dumps(series))
    assert copy == series
    hunk = series[0].patches[0].files[0].hunks[0]
    again = copy[0].patches[0].files[0].hunks[0]
    assert again.header == hunk.header and again.lines[0] == hunk.lines[0]
    assert hash(again.lines[0]) == hash(hunk.lines[0]) and again.added == hunk.added
