"""Review the series of a run in several processes (``check --jobs N``).

The unit of work is a series: the rules that look across a series (blame,
churn, refactor order) share per-series values through the engine's memo,
so the patches of one series stay in one process.  Workers are forked
after the mail is loaded and the rules imported: they inherit the engine
and the series without pickling them, and send back only what the parent
cannot rebuild, the findings and problems of each patch, in input order.

Forking is Linux/BSD only; elsewhere, and for runs too small to gain from
it, the engine reviews in its own process.  A worker that dies (killed,
out of memory) does not lose the run: the series it had not returned are
reviewed in the parent.

``check --stream`` cannot fork after loading: it loads a window of mail at
a time.  Its :class:`SeriesPool` forks once, and each window's series are
sent to the workers (pickled: 0.1 ms a patch to send, 0.5 ms to rebuild,
against ~6 ms to review it) while the parent reads the next window.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

if TYPE_CHECKING:
    from .model import Series

MIN_PATCHES_PER_JOB = 8  # below this a fork costs more than it saves

Outcome = list  # per patch of a series: (findings or None, problems)

# The work of the worker processes: set in each worker by _start (after
# the fork), never in the parent.  A fork child has its own copy.
_WORK: dict = {}


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def parse_jobs(text: str) -> int:
    """``--jobs``: a positive number, or "auto" (0) for one per CPU."""
    if text.strip().lower() == "auto":
        return 0
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"--jobs: {text!r} is not a number or 'auto'") from None
    if n < 1:
        raise ValueError("--jobs: give 1 or more (or 'auto')")
    return n


def effective_jobs(jobs: int, patches: int) -> int:
    """How many processes a run of ``patches`` patches uses: ``jobs``
    (0: one per CPU), but no more than MIN_PATCHES_PER_JOB patches each."""
    if patches < 2 * MIN_PATCHES_PER_JOB or not can_fork():
        return 1  # (and multiprocessing is not even imported: a one-patch run starts fast)
    want = available_cpus() if jobs == 0 else jobs
    return max(1, min(want, patches // MIN_PATCHES_PER_JOB))


def can_fork() -> bool:
    """Workers are forked: Linux and the BSDs (macOS can fork, but its
    system libraries are not safe to use in a forked child)."""
    return hasattr(os, "fork") and sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def _start(work: dict) -> None:
    _WORK.update(work)


def _nothing() -> None:
    return None


def _fork_workers(jobs: int, **work: object):  # type: ignore[no-untyped-def]
    """A ProcessPoolExecutor whose ``jobs`` workers are forked now, each
    with ``work`` in its ``_WORK`` (inherited through the fork, not pickled)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # the workers' garbage collector would otherwise walk (and so copy) every
    # object inherited from the parent: the mail loaded so far
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_start, initargs=(work,))
        pool.submit(_nothing)  # a fork pool forks all its workers at the first submit
        return pool
    finally:
        gc.unfreeze()


def _one(index: int) -> Outcome:
    return _WORK["review"](_WORK["series"][index])


def map_series(
    review: Callable[["Series"], Outcome], series_list: Sequence["Series"], jobs: int
) -> Iterator[Outcome]:
    """``review(series)`` for each series, in order, in ``jobs`` forked
    processes."""
    from concurrent.futures.process import BrokenProcessPool

    done = 0
    chunk = max(1, len(series_list) // (jobs * 16))
    try:
        with _fork_workers(jobs, review=review, series=series_list) as pool:
            for outcome in pool.map(_one, range(len(series_list)), chunksize=chunk):
                yield outcome
                done += 1
    except BrokenProcessPool:
        pass  # a worker died: the parent reviews what is left
    for series in series_list[done:]:
        yield review(series)


# --- a pool that lives for a whole run (check --stream) -------------------------------


def _batch(series_list: Sequence["Series"]) -> list[Outcome]:
    return _WORK["batch"](series_list)


class Batch:
    """Series sent to a :class:`SeriesPool`; :meth:`outcomes` waits for them."""

    def __init__(self, pool: "SeriesPool", series: Sequence["Series"], future: Any) -> None:
        self.series = tuple(series)
        self._pool = pool
        self._future = future

    def outcomes(self) -> list[Outcome]:
        """Per series, what ``review`` gave.  Whatever went wrong in the
        pool (a worker died, the batch could not be sent), the batch is
        reviewed here; an error of ``review`` itself (a rule bug in strict
        mode) is then raised here."""
        from concurrent.futures.process import BrokenProcessPool

        if self._future is not None:
            try:
                return self._future.result()
            except BrokenProcessPool:
                self._pool.broken = True
            except Exception:
                pass
        return self._pool.review(self.series)


class SeriesPool:
    """``jobs`` forked workers for a whole run, fed batches of series.

    ``review(batch)`` gives an outcome per series of the batch; it runs in a
    worker (on a pickled copy of the series) or, when the pool has broken
    (a worker died), in this process.  The workers are forked when the pool
    is made: whatever ``review`` needs (the engine and its rules) must be
    ready by then."""

    def __init__(self, review: Callable[[Sequence["Series"]], list[Outcome]], jobs: int) -> None:
        self.review = review
        self.broken = False
        self._pool = _fork_workers(jobs, batch=review)

    def submit(self, series: Sequence["Series"]) -> Batch:
        from concurrent.futures.process import BrokenProcessPool

        future = None
        if not self.broken:
            try:
                future = self._pool.submit(_batch, tuple(series))
            except BrokenProcessPool:
                self.broken = True
        return Batch(self, series, future)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "SeriesPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def batches(series_list: Sequence["Series"], patches: int = 2 * MIN_PATCHES_PER_JOB) -> Iterator[list["Series"]]:
    """``series_list`` cut, in order, into batches of about ``patches`` patches."""
    batch: list["Series"] = []
    size = 0
    for series in series_list:
        batch.append(series)
        size += len(series.patches) + len(series.extras)
        if size >= patches:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
