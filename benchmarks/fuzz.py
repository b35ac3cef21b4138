#!/usr/bin/env python3
"""Fuzz the whole pipeline (mail -> diff -> C -> rules) and count the inputs.

    python benchmarks/fuzz.py                  # 2,000 of each kind, plus the corpus
    python benchmarks/fuzz.py --examples 20000 --no-corpus
    python benchmarks/fuzz.py --only corpus

Kinds: generated mails (tests/fuzz_strategies.py), generated mboxes of
2-5 mails, mutations (cuts, byte flips, duplications, hostile insertions)
of a clean patch mail and of corpus patch mails, and the fixed odd inputs
of tests/hostile_inputs.py.  ``--corpus`` also runs every message of the
shared corpus.  The engine runs strict, so a rule that raises counts as a
crash; every crash is printed with a reproducer file.  Exit status 1 when
anything crashed.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ["REVIEWBOT_STRICT"] = "1"

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fuzz_strategies as fs  # noqa: E402
import hostile_inputs as hi  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SEP = re.compile(rb"(?m)^From mboxrd@z Thu Jan  1 00:00:00 1970\n")


class Tally:
    def __init__(self, outdir: Path) -> None:
        self.runs: dict[str, int] = {}
        self.crashes: list[tuple[str, str, Path]] = []
        self.outdir = outdir

    def run(self, kind: str, data: bytes) -> None:
        self.runs[kind] = self.runs.get(kind, 0) + 1
        try:
            hi.review(data)
        except Exception as exc:  # noqa: BLE001 - counting crashes is the point
            path = self.outdir / f"crash-{len(self.crashes) + 1}.eml"
            path.write_bytes(data)
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.crashes.append((kind, f"{type(exc).__name__}: {str(exc)[:160]} at {where.filename}:{where.lineno}",
                                 path))


def fuzz(kind: str, strategy, n: int, tally: Tally, seed: int) -> None:
    @settings(max_examples=n, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def one(data: bytes) -> None:
        tally.run(kind, data)

    random.seed(seed)
    one()


def corpus_patch_mails(corpus: Path, every: int) -> list[bytes]:
    out = []
    for f in sorted(corpus.glob("*.mbox.gz")):
        for chunk in SEP.split(gzip.open(f, "rb").read())[1::every]:
            if b"\ndiff --git " in chunk or b"\n+++ b/" in chunk:
                out.append(re.sub(rb"(?m)^>(>*From )", rb"\1", chunk))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=2000, help="examples of each generated kind (default 2000)")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus directory")
    ap.add_argument("--no-corpus", action="store_true", help="skip the corpus pass and corpus mutations")
    ap.add_argument("--only", choices=("generated", "corpus"), help="run one part")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    outdir = Path(tempfile.mkdtemp(prefix="reviewbot-fuzz-"))
    tally = Tally(outdir)
    start = time.monotonic()
    use_corpus = not args.no_corpus and args.corpus.is_dir()
    if args.only != "corpus":
        for name, data in {**hi.mime_cases(), **hi.diff_cases()}.items():
            tally.run("fixed odd inputs", data)
        n = args.examples
        fuzz("generated mails", fs.patch_mail(), n, tally, args.seed)
        fuzz("generated mboxes", st.lists(fs.patch_mail(), min_size=2, max_size=5).map(lambda m: hi.mbox(*m)),
             max(1, n // 4), tally, args.seed)
        fuzz("mutated clean mail", fs.mutated(hi.mail()), n, tally, args.seed)
        if use_corpus:
            bases = corpus_patch_mails(args.corpus, 7)
            fuzz("mutated corpus mails", st.sampled_from(bases).flatmap(fs.mutated), n, tally, args.seed)
    if use_corpus and args.only != "generated":
        for f in sorted(args.corpus.glob("*.mbox.gz")):
            chunks = SEP.split(gzip.open(f, "rb").read())[1:]
            for chunk in chunks:  # one message at a time: a crash names its message
                tally.run("corpus messages", b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + chunk)
    elapsed = time.monotonic() - start

    total = sum(tally.runs.values())
    print(f"fuzz: {total} inputs in {elapsed:.0f} s, {len(tally.crashes)} crashed")
    for kind, count in tally.runs.items():
        crashed = sum(1 for k, _, _ in tally.crashes if k == kind)
        print(f"  {kind:24} {count:7d} inputs, {crashed} crashed")
    seen = set()
    for kind, what, path in tally.crashes:
        if what not in seen:
            seen.add(what)
            print(f"CRASH ({kind}) {what}\n  reproducer: {path}")
    return 1 if tally.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
