#!/usr/bin/env python3
"""reviewbot benchmark: against checkpatch.pl, and at archive scale.

    python benchmarks/bench.py                 # everything
    python benchmarks/bench.py --quick         # fewer repeats, sizes 2k/4k/8k
    python benchmarks/bench.py --kernel-tree ~/linux
    python benchmarks/bench.py --install-checkpatch   # apt-get linux-source-6.12

Prints its figures; it asserts nothing.  See benchmarks/README.md for the
fixed 200-mail selection and what each figure means.  The corpus is read
from ../shared/corpus (or --corpus); nothing of it is written into the
project: the selection and the scale archives go to a temporary directory
that is removed at the end.
"""

from __future__ import annotations

import argparse
import email
import email.errors
import email.header
import email.message
import email.policy
import gzip
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_FILES = ("linux-hwmon", "platform-driver-x86", "linux-edac", "linux-hyperv")
PER_FILE = 50  # patch mails taken from each corpus file: 4 x 50 = 200
KERNEL_VERSION = "6.12"
CHECKPATCH_FILES = ("scripts/checkpatch.pl", "scripts/spelling.txt", "scripts/const_structs.checkpatch")

SEP = re.compile(rb"(?m)^From mboxrd@z Thu Jan  1 00:00:00 1970\n")
_UNQUOTE = re.compile(rb"(?m)^>(>*From )")
_PATCH_SUBJECT = re.compile(r"^\s*\[(?:[^\]]*\s)?(?:PATCH|RFC)(?:[\s\]v\d/-]|$)", re.I)
_COVER = re.compile(r"\b0+/\d+\]")
_DIFF = re.compile(r"(?m)^(?:diff --git |--- a/\S[^\n]*\n\+\+\+ b/)")
_MSGID = re.compile(rb"<([^<>\s]+)>")
_ID_HEADER = re.compile(rb"(?im)^(message-id|in-reply-to|references)[ \t]*:[^\n]*(?:\n[ \t][^\n]*)*")


# --- the corpus ---------------------------------------------------------------


def corpus_messages(path: Path) -> list[bytes]:
    """Messages of one corpus file, in archive order, with >From unquoted
    (the reader the corpus README gives)."""
    data = gzip.open(path, "rb").read()
    return [_UNQUOTE.sub(rb"\1", chunk[:-1]) for chunk in SEP.split(data)[1:]]


def as_patch_file(raw: bytes) -> bytes | None:
    """A patch mail as ``git format-patch`` would write it, or None.

    The selection rule (benchmarks/README.md): the subject starts with a
    PATCH/RFC tag, is no reply and no cover letter (0/N), and the decoded
    text/plain parts hold a unified diff.  The file keeps From, Date,
    Subject and Message-ID and the decoded body, so checkpatch (which does
    not decode MIME) and reviewbot read the same text.
    """
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    subject = _header(msg, "Subject")
    if not _PATCH_SUBJECT.match(subject) or _COVER.search(subject):
        return None
    texts = []
    for part in msg.walk():
        if part.get_content_maintype() != "text" or part.get_content_subtype() == "html":
            continue
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "utf-8"
        try:
            texts.append(payload.decode(charset))
        except (LookupError, UnicodeDecodeError):
            texts.append(payload.decode("utf-8", "replace"))
    body = "\n".join(t.replace("\r\n", "\n") for t in texts)
    if not _DIFF.search(body):
        return None
    head = [f"From {'0' * 40} Mon Sep 17 00:00:00 2001"]
    for name in ("From", "Date", "Subject", "Message-ID"):
        if msg.get(name) is not None:
            head.append(f"{name}: {_header(msg, name)}")
    head.append("MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit")
    return ("\n".join(head) + "\n\n" + body).encode("utf-8", "replace")


def _header(msg: email.message.Message, name: str) -> str:
    """A header decoded (RFC 2047) and unfolded; raw 8-bit bytes as UTF-8."""
    value = msg.get(name, "")
    if isinstance(value, email.header.Header):
        value = str(value)
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if isinstance(value, str) else ""
    value = " ".join(value.split())
    if "=?" in value:
        try:
            value = str(email.header.make_header(email.header.decode_header(value)))
        except (LookupError, UnicodeError, ValueError, email.errors.HeaderParseError):
            pass
    return value


def select_patches(corpus: Path, outdir: Path) -> list[Path]:
    """The fixed selection: the first PER_FILE patch mails of each file."""
    paths = []
    for name in CORPUS_FILES:
        taken = 0
        for raw in corpus_messages(corpus / f"{name}.mbox.gz"):
            patch = as_patch_file(raw)
            if patch is None:
                continue
            taken += 1
            path = outdir / f"{name}-{taken:02d}.patch"
            path.write_bytes(patch)
            paths.append(path)
            if taken == PER_FILE:
                break
    return paths


def build_archive(corpus: Path, size: int, path: Path) -> int:
    """An mboxrd of ``size`` messages: the corpus files in turn, repeated;
    every repetition after the first gets fresh Message-IDs (and the
    In-Reply-To/References that point at them), so threads stay threads."""
    messages = []
    for name in CORPUS_FILES:
        data = gzip.open(corpus / f"{name}.mbox.gz", "rb").read()
        messages.extend(chunk for chunk in SEP.split(data)[1:])  # still mboxrd-quoted
    written = 0
    with open(path, "wb") as out:
        copy = 0
        while written < size:
            for chunk in messages:
                if written == size:
                    break
                if copy:
                    chunk = _renumber(chunk, copy)
                out.write(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n")
                out.write(chunk)
                written += 1
            copy += 1
    return written


def _renumber(chunk: bytes, copy: int) -> bytes:
    end = chunk.find(b"\n\n")
    end = len(chunk) if end < 0 else end
    tag = b"r%d." % copy

    def ids(m: re.Match[bytes]) -> bytes:
        return _MSGID.sub(lambda i: b"<" + tag + i.group(1) + b">", m.group(0))

    return _ID_HEADER.sub(ids, chunk[:end]) + chunk[end:]


# --- running and measuring ------------------------------------------------------


def child_env() -> dict[str, str]:
    """The environment of the timed processes: Python may use and write
    bytecode (as an installed reviewbot has it), kept out of the tree."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(cache_dir().parent / "pycache"))
    return env


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except (OSError, ValueError):
        return []


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return _status_kb(pid, "VmRSS:")


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, int]:
    """Wall time, peak memory (kB) and exit status of one process and the
    worker processes it forks (``--jobs``).

    The peak is the larger of two figures polled from /proc while it runs:
    the process's own VmHWM (wait4's ru_maxrss is no good here, as Linux
    carries the high-water mark of the forked copy of this big process
    across exec), and the sum over the process tree of each process's PSS
    (proportional set size: a page shared by a parent and its forked
    workers is counted once, split between them).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=cwd, env=child_env())
    peak = 0
    while True:
        own = _status_kb(proc.pid, "VmHWM:")
        kids = _children(proc.pid)
        tree = _pss_kb(proc.pid) + sum(_pss_kb(k) for k in kids) if kids else 0
        peak = max(peak, own, tree)
        done, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, peak or usage.ru_maxrss, proc.returncode


def reviewbot_cmd() -> list[str]:
    script = Path(sys.executable).with_name("reviewbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reviewbot"]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- checkpatch -------------------------------------------------------------------


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reviewbot-bench" / f"linux-{KERNEL_VERSION}"


def find_checkpatch(kernel_tree: str | None, install: bool) -> tuple[Path | None, str]:
    """checkpatch.pl and where it came from, or None and why not."""
    if shutil.which("perl") is None:
        return None, "perl is not installed"
    if kernel_tree:
        script = Path(kernel_tree) / "scripts" / "checkpatch.pl"
        return (script, f"{kernel_tree}") if script.is_file() else (None, f"no scripts/checkpatch.pl in {kernel_tree}")
    cached = cache_dir() / "scripts" / "checkpatch.pl"
    if cached.is_file():
        return cached, f"{cache_dir()} (from linux-source-{KERNEL_VERSION})"
    tarball = Path(f"/usr/src/linux-source-{KERNEL_VERSION}.tar.xz")
    if not tarball.is_file() and install:
        print(f"installing linux-source-{KERNEL_VERSION} with apt-get ...", flush=True)
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", f"linux-source-{KERNEL_VERSION}"]):
            if subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
                return None, f"`{' '.join(cmd)}` failed"
    if not tarball.is_file():
        return None, (f"no kernel tree: pass --kernel-tree DIR, or --install-checkpatch "
                      f"(apt-get install linux-source-{KERNEL_VERSION})")
    cache_dir().mkdir(parents=True, exist_ok=True)
    members = [f"linux-source-{KERNEL_VERSION}/{f}" for f in CHECKPATCH_FILES]
    print(f"unpacking checkpatch.pl from {tarball} ...", flush=True)
    done = subprocess.run(["tar", "-xJf", str(tarball), "-C", str(cache_dir()), "--strip-components=1", *members],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0 or not cached.is_file():
        return None, f"cannot unpack checkpatch.pl from {tarball}: {done.stderr.decode(errors='replace').strip()}"
    return cached, f"{cache_dir()} (unpacked from {tarball.name})"


# --- the benchmark ----------------------------------------------------------------------


def bench_checkpatch(patches: list[Path], checkpatch: Path | None, repeats: int) -> dict:
    rb = reviewbot_cmd() + ["check", "--fail-on", "never"]
    out: dict = {}
    run(rb + [str(patches[0])])  # warm the page cache and .pyc files
    out["rb_single"] = [run(rb + [str(p)])[0] for p in patches]
    out["python"] = [run([sys.executable, "-c", "pass"])[0] for _ in range(20)]
    out["rb_batch"] = [run(rb + [str(p) for p in patches]) for _ in range(repeats)]
    out["rb_batch1"] = [run(rb + ["--jobs", "1"] + [str(p) for p in patches]) for _ in range(repeats)]
    if checkpatch is not None:
        cp = ["perl", str(checkpatch), "--no-tree"]
        run(cp + [str(patches[0])])
        out["cp_single"] = [run(cp + [str(p)])[0] for p in patches]
        out["perl"] = [run(["perl", "-e", "1"])[0] for _ in range(20)]
        out["cp_batch"] = [run(cp + [str(p) for p in patches]) for _ in range(repeats)]
    return out


def print_checkpatch(res: dict, n: int, why: str) -> None:
    rb1 = median(res["rb_single"])
    rbb = median([t for t, _, _ in res["rb_batch"]])
    rbb1 = median([t for t, _, _ in res["rb_batch1"]])
    jobs = f"--jobs auto: {_cpus()} CPUs"
    print(f"\n## Against checkpatch.pl: {n} patch mails (benchmarks/README.md)")
    print(f"{'':34} {'checkpatch.pl':>14} {'reviewbot':>12} {'ratio':>8}")
    if "cp_single" in res:
        cp1 = median(res["cp_single"])
        cpb = median([t for t, _, _ in res["cp_batch"]])
        print(f"{'one process per patch, median s':34} {cp1:14.3f} {rb1:12.3f} {cp1 / rb1:7.1f}x")
        print(f"{'  90th percentile s':34} {_pct(res['cp_single'], 90):14.3f} {_pct(res['rb_single'], 90):12.3f}")
        print(f"{'  interpreter start-up alone, s':34} {median(res['perl']):14.3f} {median(res['python']):12.3f}"
              "   (perl -e 1; this Python -c pass, site and .pth files included)")
        print(f"{'one run for all, total s':34} {cpb:14.2f} {rbb:12.2f} {cpb / rbb:7.1f}x   ({jobs})")
        print(f"{'  per patch, ms':34} {cpb / n * 1000:14.1f} {rbb / n * 1000:12.1f}")
        print(f"{'  peak memory, MB':34} {res['cp_batch'][0][1] / 1024:14.0f} {res['rb_batch'][0][1] / 1024:12.0f}")
        print(f"{'one process for all (--jobs 1), s':34} {cpb:14.2f} {rbb1:12.2f} {cpb / rbb1:7.1f}x")
        print(f"{'  per patch, ms':34} {cpb / n * 1000:14.1f} {rbb1 / n * 1000:12.1f}")
        print(f"{'  peak memory, MB':34} {res['cp_batch'][0][1] / 1024:14.0f} {res['rb_batch1'][0][1] / 1024:12.0f}")
        print(f"targets: batch >= 20x faster: {_ok(cpb / rbb >= 20)} ({jobs}), {_ok(cpb / rbb1 >= 20)} (--jobs 1); "
              f"single-patch process no slower than checkpatch's: {_ok(rb1 <= cp1)}")
    else:
        print(f"checkpatch.pl skipped: {why}")
        print(f"{'one process per patch, median s':34} {'-':>14} {rb1:12.3f}")
        print(f"{'one run for all, total s':34} {'-':>14} {rbb:12.2f}   ({jobs})")
        print(f"{'  per patch, ms':34} {'-':>14} {rbb / n * 1000:12.1f}")
        print(f"{'one process for all (--jobs 1), s':34} {'-':>14} {rbb1:12.2f}")
        print(f"{'  per patch, ms':34} {'-':>14} {rbb1 / n * 1000:12.1f}")


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _pct(values: list[float], p: int) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def _ok(good: bool) -> str:
    return "met" if good else "MISSED"


def bench_scale(corpus: Path, sizes: list[int], tmp: Path) -> None:
    rb = reviewbot_cmd() + ["check", "--fail-on", "never", "--format", "json"]
    files = [corpus / f"{n}.mbox.gz" for n in CORPUS_FILES]
    total = sum(len(SEP.findall(gzip.open(f, "rb").read())) for f in files)
    print(f"\n## Scale: {total} corpus messages, and archives built from them (one process each)")
    print(f"--jobs auto ({_cpus()} CPUs) unless said; peak memory: the process's VmHWM or the summed PSS of it "
          "and its workers, whichever is larger")
    print(f"{'input':44} {'messages':>9} {'wall s':>8} {'msg/s':>8} {'us/msg':>8} {'peak MB':>12}")

    def row(label: str, n: int, args: list[str]) -> tuple[int, float, int]:
        wall, rss, _ = run(rb + args)
        print(f"{label:44} {n:9d} {wall:8.2f} {n / wall:8.0f} {wall / n * 1e6:8.0f} {rss / 1024:12.0f}", flush=True)
        return n, wall, rss

    row("whole corpus (4 .mbox.gz files)", total, [str(f) for f in files])
    row("whole corpus, --jobs 1", total, ["--jobs", "1", *map(str, files)])
    whole = row("whole corpus, --stream", total, ["--stream", *map(str, files)])
    big = tmp / f"archive-{max(sizes)}.mbox"
    build_archive(corpus, max(sizes), big)
    streamed = []
    for size in sizes:
        path = big if size == max(sizes) else tmp / f"archive-{size}.mbox"
        if path != big:
            build_archive(corpus, size, path)
        mb = path.stat().st_size / 2**20
        if size == min(sizes):
            row(f"archive of {size} ({mb:.0f} MB mbox)", size, [str(path)])
        streamed.append(row(f"archive of {size} ({mb:.0f} MB mbox), --stream", size, ["--stream", str(path)]))
    row(f"archive of {max(sizes)}, --stream --jobs 1", max(sizes), ["--stream", "--jobs", "1", str(big)])
    per = [w / n for n, w, _ in streamed]
    spread = max(per) / min(per)
    print(f"linearity (--stream): time per message varies by a factor {spread:.2f} from {sizes[0]} to {sizes[-1]} "
          f"messages ({'linear' if spread < 1.25 else 'NOT linear'})")
    for label, (n, wall, rss) in (("the whole corpus", whole), (f"{streamed[-1][0]} messages", streamed[-1])):
        print(f"targets for {label} (--stream): > 500 msg/s: {_ok(n / wall > 500)} ({n / wall:.0f}); "
              f"< 200 MB peak: {_ok(rss / 1024 < 200)} ({rss / 1024:.0f} MB)")


def machine() -> str:
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = "load average %.2f %.2f %.2f" % os.getloadavg() if hasattr(os, "getloadavg") else ""
    return (f"machine: {os.cpu_count()} cores ({cpu or platform.machine()}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}; {load}; reviewbot at {rev.stdout.strip() or '?'}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus directory")
    ap.add_argument("--kernel-tree", metavar="DIR", help="a kernel source tree with scripts/checkpatch.pl")
    ap.add_argument("--install-checkpatch", action="store_true",
                    help=f"apt-get install linux-source-{KERNEL_VERSION} when no checkpatch is at hand")
    ap.add_argument("--quick", action="store_true", help="one batch run each, archive sizes 2k/4k/8k")
    ap.add_argument("--sizes", help="archive sizes, comma separated (default 7500,15000,30000)")
    ap.add_argument("--only", choices=("checkpatch", "scale"), help="run one part")
    ap.add_argument("--repeats", type=int, help="batch runs of each tool (default 3, 1 with --quick)")
    args = ap.parse_args(argv)

    if not (args.corpus / f"{CORPUS_FILES[0]}.mbox.gz").is_file():
        print(f"no corpus in {args.corpus}: pass --corpus DIR", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (
        [2000, 4000, 8000] if args.quick else [7500, 15000, 30000])
    repeats = args.repeats or (1 if args.quick else 3)
    print(machine())
    with tempfile.TemporaryDirectory(prefix="reviewbot-bench-") as tmp:
        tmpdir = Path(tmp)
        if args.only != "scale":
            checkpatch, why = find_checkpatch(args.kernel_tree, args.install_checkpatch)
            print(f"checkpatch.pl: {checkpatch or 'none'} ({why})" if checkpatch else f"checkpatch.pl: none: {why}")
            sel = tmpdir / "selection"
            sel.mkdir()
            patches = select_patches(args.corpus, sel)
            print(f"selection: {len(patches)} patch mails, {sum(p.stat().st_size for p in patches) / 1024:.0f} kB, "
                  f"in {sel}")
            res = bench_checkpatch(patches, checkpatch, repeats)
            print_checkpatch(res, len(patches), why)
        if args.only != "checkpatch":
            bench_scale(args.corpus, sizes, tmpdir)
    print("load average at the end: %.2f %.2f %.2f" % os.getloadavg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
