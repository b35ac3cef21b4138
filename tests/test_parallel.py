"""reviewbot.parallel: --jobs gives the results of one process, in order."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reviewbot import parallel
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


def test_stream_stays_in_one_process_unless_jobs_is_given(monkeypatch, capsys):
    calls = []
    real = parallel.map_series

    def spy(review, series_list, jobs):
        calls.append(jobs)
        return real(review, series_list, jobs)

    monkeypatch.setattr(parallel, "map_series", spy)
    main(["check", "--stream", "--fail-on", "never", str(SERIES)])
    assert calls == []
    main(["check", "--stream", "--jobs", "2", "--fail-on", "never", str(SERIES)])
    assert calls == [2]
    capsys.readouterr()
