"""Review a whole list archive in bounded memory (``reviewbot check --stream``).

:func:`loader.load` keeps every mail of its input until the series are
assembled, and the engine keeps every patch it reviewed: fine for a series
or a day of mail, but memory grows with the archive (about 30 kB a
message).  Here the input is read an mbox block at a time, and mails are
assembled and reviewed in windows of ``window`` messages:

* a series that is complete (every patch 1..N arrived) is reviewed when
  its window closes;
* an incomplete one is carried into the next window (its late patches and
  cover letter usually follow within a few messages) and reviewed when that
  window closes, complete or not;
* replies are dropped once their window is assembled; the mails of the
  series just reviewed are kept, bodiless, for one more window, so that a
  reply quoting a patch without ``Re:`` is still known as a reply;
* a reviewed patch is kept without its body, and with only the lines
  around its findings (reporters need no more);
* a mail whose Message-ID was read before (a patch cross-posted to two
  lists is in both archives) is dropped, however far back the first copy
  was: as in ``load``, only the first copy is reviewed.

An mbox larger than the message cap is never read whole: a message over
the cap is skipped while it streams past.  The series of an input smaller
than one window come out exactly as from ``load``.

With ``--jobs`` (by default one worker per CPU), the workers are forked
once the first ``POOL_AFTER`` messages are read, and each window's series
are reviewed in them while the parent reads the next window; at most one
window is under review while another is read.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import re
import zlib
from collections import deque
from contextlib import ExitStack
from typing import BinaryIO, Iterator, Sequence

from .engine import patch_results
from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Limits, message_problem
from .loader import load_input
from .model import Mail, Patch, Series
from .parallel import Batch, SeriesPool, available_cpus, batches, can_fork
from .result import InputProblem, PatchResult, RunResult
from .series import assemble
from .sources import InputError, RawMessage, _is_first_separator, _is_separator, messages_in, read_inputs

WINDOW = 1000  # messages assembled together
POOL_AFTER = 100  # with --jobs: messages read before the workers are forked (fewer: one process)
BLOCK = 1 << 20
_NAME_INDEX = re.compile(r"#\d+$")


def review_stream(
    paths: Sequence[str],
    stdin: BinaryIO | None,
    engine,  # type: ignore[no-untyped-def]  # an engine.Engine
    limits: Limits = DEFAULT_LIMITS,
    window: int | None = None,
) -> RunResult:
    """Read, assemble and review ``paths`` window by window (of ``WINDOW``
    messages unless given).  With ``engine.jobs`` other than 1, an input of
    more than ``POOL_AFTER`` messages is reviewed in worker processes, each
    window while the next is read (:class:`parallel.SeriesPool`); the
    results are those of one process, in the same order."""
    window = window or WINDOW
    results: list[PatchResult] = []
    problems: list[InputProblem | list[InputProblem]] = []  # a list: the problems of a window under review
    fresh: list[Mail | Patch] = []
    carried: list[Mail | Patch] = []
    recent: list[Mail] = []  # bodiless mails of the series reviewed in the last window
    messages = series_count = 0
    seen: set[str] = set()  # every Message-ID read: ~100 bytes a message
    pool: SeriesPool | None = None
    pool_decided = False  # at POOL_AFTER messages: workers, or this process
    sent: deque[tuple[list[Batch], list[InputProblem]]] = deque()  # windows in the pool, oldest first

    def collect(window: list[Batch], slot: list[InputProblem]) -> None:
        for batch in window:
            for series, outcome in zip(batch.series, batch.outcomes()):
                for result, probs in patch_results(series, outcome):
                    slot.extend(probs)
                    if result is not None:
                        results.append(_slim(result))

    def flush(final: bool) -> None:
        nonlocal fresh, carried, recent, series_count
        items = [*recent, *carried, *fresh]
        stubs = {id(m) for m in recent}
        late = {id(i) for i in carried}
        try:
            series_list, _others = assemble(items)
        except Exception as exc:  # as loader.load: a bug must not cost every message
            problems.append(InputProblem("<series>", f"cannot group into series: {type(exc).__name__}: {exc}"))
            series_list = []
        keep: list[Mail | Patch] = []
        review: list[Series] = []
        for s in series_list:
            members = [i for i in (*s.items, *s.extras) if i is not None and id(i) not in stubs]
            if not members:
                continue  # only mails reviewed before
            if final or s.complete or any(id(i) in late for i in members):
                review.append(s)
            else:
                keep.extend(members)
        tree = getattr(engine, "tree", None)
        if tree is not None:
            tree.register(review)  # --tree applies earlier patches of a series first
        if pool is None:
            result = engine.run(review)
            memo = getattr(engine, "memo", None)
            if memo is not None:  # anatomies and blames of the series just reviewed: not asked for again
                engine.memo = type(memo)()
            problems.extend(result.problems)
            results.extend(_slim(pr) for pr in result.patches)
        else:  # reviewed in the workers while the next window is read
            slot: list[InputProblem] = []
            problems.append(slot)
            sent.append(([pool.submit(b) for b in batches(review)], slot))
            while len(sent) > (0 if final else 1):
                collect(*sent.popleft())
        series_count += len(review)
        recent = [_bodiless(i) for s in review for i in (*s.items, *s.extras) if i is not None]
        carried, fresh = keep, []

    with ExitStack() as stack:
        for raw in iter_raw(paths, stdin, limits):
            messages += not isinstance(raw, InputError)
            item, errors = load_input(raw, limits)
            problems.extend(InputProblem(e.source, e.message) for e in errors)
            if item is not None and item.message_id not in seen:  # as load: the first copy of a mail only
                if item.message_id:  # (a patch cross-posted to two lists is in both archives)
                    seen.add(item.message_id)
                fresh.append(item)
            if not pool_decided and messages >= POOL_AFTER:
                pool_decided = True
                jobs = _pool_jobs(engine)
                if jobs > 1:  # forked now, while the parent holds little the workers would copy
                    pool = stack.enter_context(SeriesPool(engine.review_batch, jobs))
            if len(fresh) >= window:
                flush(final=False)
        flush(final=True)
    flat = [p for entry in problems for p in (entry if isinstance(entry, list) else (entry,))]
    return RunResult(tuple(results), tuple(flat), messages, series_count)


def _pool_jobs(engine) -> int:  # type: ignore[no-untyped-def]
    """Workers for a stream (``engine.jobs``, 0: one per CPU); 1: review
    in this process, as with ``--tree``, which learns each window's series
    as it is read."""
    jobs = getattr(engine, "jobs", 1)
    if jobs == 1 or not can_fork() or not hasattr(engine, "review_batch") or getattr(engine, "tree", None) is not None:
        return 1
    return available_cpus() if jobs == 0 else jobs


def _bodiless(item: Mail | Patch) -> Mail:
    mail = item.mail if isinstance(item, Patch) else item
    return dataclasses.replace(mail, body="")


def _slim(pr: PatchResult) -> PatchResult:
    """A reviewed patch without the text reporters never read: no body,
    commit message or notes, and of its hunks only those a finding is in,
    cut to the lines around the findings (the review format quotes at most
    3 lines before a finding).  A patch without findings is only listed
    (``--format json``) and counted: it keeps its subject, author, source
    and file names.  Whole patches with findings cost ~20 MB per 1,000
    messages on the corpus."""
    p = pr.patch
    by_path: dict[str, list] = {}
    for f in pr.findings:
        by_path.setdefault(f.path, []).append(f)
    files = tuple(
        dataclasses.replace(fc, hunks=_hunks_around(fc.hunks, by_path[fc.path]))
        if fc.path in by_path else dataclasses.replace(fc, hunks=(), header=())
        for fc in p.files
    )
    mail = dataclasses.replace(p.mail, body="")
    if not pr.findings:  # listed and counted only: no reply is written to it (its To/Cc are half of it)
        mail = dataclasses.replace(mail, to=(), cc=(), references=(), in_reply_to="", date="")
    patch = dataclasses.replace(p, mail=mail, message="", notes="", files=files,
                                trailers=p.trailers if pr.findings else ())
    return PatchResult(patch, None, pr.findings)


_MARGIN = 8  # lines kept before a finding: more than the 3 quoted, so gaps stay gaps


def _hunks_around(hunks, findings) -> tuple:  # type: ignore[no-untyped-def]
    out = []
    for h in hunks:
        index = {ln.new: i for i, ln in enumerate(h.lines) if ln.new is not None}
        keep: set[int] = set()
        for f in findings:
            if f.line is None or f.line not in index:
                continue
            end = max(f.end_line or f.line, f.line)
            last = max(i for n, i in index.items() if f.line <= n <= end)
            keep.update(range(max(0, index[f.line] - _MARGIN), last + 1))
        if keep:
            out.append(dataclasses.replace(h, lines=tuple(ln for i, ln in enumerate(h.lines) if i in keep)))
    return tuple(out)


# --- reading -------------------------------------------------------------------------


def iter_raw(paths: Sequence[str], stdin: BinaryIO | None = None,
             limits: Limits = DEFAULT_LIMITS) -> Iterator[RawMessage | InputError]:
    """Like :func:`sources.read_inputs`, but an mbox file is read a block at a time."""
    for path in paths or ["-"]:
        if path != "-" and os.path.isfile(path) and _looks_like_mbox(path):
            yield from _stream_mbox(path, limits)
        else:
            yield from read_inputs([path], stdin)


def _open(path: str):  # type: ignore[no-untyped-def]
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def _looks_like_mbox(path: str) -> bool:
    try:
        with _open(path) as fh:
            head = fh.read(1 << 16)
    except (OSError, EOFError, zlib.error):
        return False  # read_inputs reports it
    start = len(head) - len(head.lstrip(b"\r\n"))
    return head.startswith(b"From ", start) and _is_first_separator(head, start)


def _stream_mbox(path: str, limits: Limits) -> Iterator[RawMessage | InputError]:
    count = 0
    skipping = False  # inside a message over the size cap: drop it as it streams past
    buf = b""
    try:
        with _open(path) as fh:
            while True:
                block = fh.read(BLOCK)
                buf += block
                if skipping:
                    nxt = len(buf) if not block else _separator(buf, last=False)
                    if nxt == 0:
                        buf = buf[-4096:]  # enough to see the next separator line whole
                        continue
                    count += 1
                    yield InputError(f"{path}#{count}", message_problem(limits.max_message_bytes + 1, limits))
                    buf, skipping = buf[nxt:], False
                cut = len(buf) if not block else _separator(buf, last=True)
                if cut > 0:
                    piece, buf = buf[:cut], buf[cut:]
                    for item in messages_in(path, piece):
                        count += 1
                        name = f"{_NAME_INDEX.sub('', item.source)}#{count}"
                        yield dataclasses.replace(item, source=name)
                elif len(buf) > limits.max_message_bytes + BLOCK:
                    skipping = True
                    buf = buf[-4096:]
                if not block:
                    return
    except (OSError, EOFError, zlib.error) as exc:
        yield InputError(path, f"cannot read: {' '.join(str(exc).split()) or type(exc).__name__}")


def _separator(buf: bytes, last: bool) -> int:
    """Offset of the last (or first) mbox separator after the start of
    ``buf`` whose next line is complete, or 0."""
    lo, hi = 0, len(buf)
    while True:
        pos = buf.rfind(b"\nFrom ", lo, hi) if last else buf.find(b"\nFrom ", lo, hi)
        if pos < 0:
            return 0
        line_end = buf.find(b"\n", pos + 1)
        if line_end >= 0 and buf.find(b"\n", line_end + 1) >= 0 and _is_separator(buf, pos + 1):
            return pos + 1
        if last:
            hi = pos
        else:
            lo = pos + 1
