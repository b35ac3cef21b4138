"""A public-inbox v2 archive in git: one or more epoch repositories.

What ``git clone --mirror https://lore.kernel.org/<list>/N`` gives: each
commit adds one message as the blob ``m``; a deletion commit removes ``m``
and adds the deleted message as ``d``; ``public-inbox-purge`` rewrites
history.  The cursor is the last processed commit of every epoch:

- a fast-forward is read as ``last..tip``;
- a rewrite (``last`` is no ancestor of ``tip``) is read from their merge
  base, or from the start when ``last`` is gone; messages already stored
  are recognised by Message-ID, so nothing is repeated or lost;
- a commit whose blob is missing (a partial or damaged mirror) yields an
  ``Incoming`` without bytes, which the runner logs and skips.

Layouts accepted for ``path``: a v2 inbox (``path/git/N.git``), a folder of
epochs (``path/N.git`` or ``path/N``), or one bare repository.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from typing import Callable, Iterator

from .config import Source
from .incoming import Batch, Incoming, SourceError, clamp

_EPOCH = re.compile(r"^(\d+)(?:\.git)?$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
GIT_TIMEOUT = 600


@dataclass(frozen=True)
class Epoch:
    number: int
    path: str


@dataclass(frozen=True)
class _Commit:
    sha: str
    time: float
    added: str  # blob of "m" added or modified ("" if none)
    deleted: str  # blob of "d" (a deletion), "" if none


def epochs(path: str) -> list[Epoch]:
    for folder in (os.path.join(path, "git"), path):
        if not os.path.isdir(folder):
            continue
        found = []
        for name in os.listdir(folder):
            m = _EPOCH.match(name)
            if m and _is_repo(os.path.join(folder, name)):
                found.append(Epoch(int(m.group(1)), os.path.join(folder, name)))
        if found:
            return sorted(found, key=lambda e: e.number)
    return [Epoch(0, path)] if _is_repo(path) else []


def _is_repo(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "HEAD")) and os.path.isdir(os.path.join(path, "objects"))


def git(repo: str, *args: str, timeout: float = GIT_TIMEOUT, check: bool = True) -> str:
    try:
        res = subprocess.run(
            ["git", "--git-dir", repo, *args], capture_output=True, timeout=timeout,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise SourceError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"git {args[0]} in {repo} took more than {timeout:.0f}s") from None
    if check and res.returncode != 0:
        err = res.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(f"git {args[0]} in {repo}: {err[-1] if err else 'exit ' + str(res.returncode)}")
    return res.stdout.decode("utf-8", "replace")


class GitInbox:
    def __init__(self, source: Source, log: Callable[[str], None] = lambda _: None, batch: int = 500) -> None:
        self.source = source
        self.log = log
        self.batch = batch

    # --- fetching --------------------------------------------------------------

    def fetch(self) -> None:
        """With a url: clone the epochs that are missing, fetch the newest."""
        url = self.source.url
        if not url:
            return
        found = epochs(self.source.path)
        if not found:
            self._clone(0)
            found = epochs(self.source.path)
        else:
            newest = found[-1]
            git(newest.path, "fetch", "--quiet", "--prune", url + f"/{newest.number}",
                "+refs/*:refs/*")
        while found and self._remote_has(found[-1].number + 1):
            self._clone(found[-1].number + 1)
            found = epochs(self.source.path)

    def _remote_has(self, n: int) -> bool:
        try:
            res = subprocess.run(
                ["git", "ls-remote", "--heads", f"{self.source.url}/{n}"], capture_output=True,
                timeout=120, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        return res.returncode == 0 and bool(res.stdout.strip())

    def _clone(self, n: int) -> None:
        target = os.path.join(self.source.path, "git", f"{n}.git")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        tmp = target + ".tmp"
        subprocess.run(["rm", "-rf", tmp], check=False)
        try:
            res = subprocess.run(
                ["git", "clone", "--quiet", "--mirror", f"{self.source.url}/{n}", tmp],
                capture_output=True, timeout=GIT_TIMEOUT, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
            )
        except subprocess.TimeoutExpired:
            raise SourceError(f"git clone of epoch {n} took too long") from None
        if res.returncode != 0:
            err = res.stderr.decode("utf-8", "replace").strip().splitlines()
            raise SourceError(f"git clone of epoch {n}: {err[-1] if err else 'failed'}")
        os.rename(tmp, target)  # a half-done clone never looks like an epoch
        self.log(f"cloned epoch {n} into {target}")

    # --- reading ---------------------------------------------------------------

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        done: dict[str, str] = json.loads(cursor) if cursor else {}
        found = epochs(self.source.path)
        if not found:
            raise SourceError(f"{self.source.path}: no public-inbox epoch (git/N.git) here")
        for epoch in found:
            yield from self._epoch(epoch, done)

    def _epoch(self, epoch: Epoch, done: dict[str, str]) -> Iterator[Batch]:
        key = str(epoch.number)
        tip = git(epoch.path, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False).strip()
        if not _SHA.match(tip):
            return  # an empty epoch
        last = done.get(key)
        if last == tip:
            return
        note = ""
        if last and not self._is_ancestor(epoch, last, tip):
            base = git(epoch.path, "merge-base", last, tip, check=False).strip() if self._exists(epoch, last) else ""
            note = (f"epoch {key}: history rewritten (was {last[:12]}, now {tip[:12]}); "
                    f"re-reading from {base[:12] or 'the start'}, known messages are skipped")
            last = base or None
        rev = f"{last}..{tip}" if last else tip
        total = int(git(epoch.path, "rev-list", "--count", rev).strip() or 0)
        chunk: list[_Commit] = []
        first = True
        for commit in self._commits(epoch, rev):
            chunk.append(commit)
            if len(chunk) >= self.batch:
                yield self._batch(epoch, chunk, done, note if first else "", total if first else None)
                chunk, first = [], False
        if chunk or first:
            yield self._batch(epoch, chunk, done, note if first else "", total if first else None, tip)

    def _is_ancestor(self, epoch: Epoch, a: str, b: str) -> bool:
        res = subprocess.run(["git", "--git-dir", epoch.path, "merge-base", "--is-ancestor", a, b],
                             capture_output=True, timeout=GIT_TIMEOUT)
        return res.returncode == 0

    def _exists(self, epoch: Epoch, sha: str) -> bool:
        out = git(epoch.path, "cat-file", "-t", sha, check=False).strip()
        return out == "commit"

    def _commits(self, epoch: Epoch, rev: str) -> Iterator[_Commit]:
        cmd = ["git", "--git-dir", epoch.path, "log", "--reverse", "--no-renames", "--raw",
               "--no-abbrev", "--format=%x01%H %ct", rev]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env={**os.environ, "LC_ALL": "C"})
        assert proc.stdout is not None
        sha, ts, added, deleted = "", 0.0, "", ""
        try:
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                if line.startswith("\x01"):
                    if sha:
                        yield _Commit(sha, ts, added, deleted)
                    head = line[1:].split()
                    sha, ts, added, deleted = head[0], float(head[1]) if len(head) > 1 else 0.0, "", ""
                elif line.startswith(":"):
                    meta, _, path = line.partition("\t")
                    parts = meta.split()
                    if len(parts) >= 5 and parts[4][:1] in "AM":
                        if path == "m":
                            added = parts[3]
                        elif path == "d":
                            deleted = parts[3]
            if sha:
                yield _Commit(sha, ts, added, deleted)
        finally:
            proc.stdout.close()
            if proc.wait() not in (0, -13, 141):
                raise SourceError(f"git log in {epoch.path} failed")

    def _batch(self, epoch: Epoch, chunk: list[_Commit], done: dict[str, str], note: str,
               total: int | None, tip: str | None = None) -> Batch:
        blobs = read_blobs(epoch.path, [b for c in chunk for b in (c.added, c.deleted) if b])
        name = f"{os.path.basename(epoch.path)}"
        items = []
        for c in chunk:
            where = f"{name}@{c.sha[:12]}"
            if c.added:
                items.append(Incoming(blobs.get(c.added), where, clamp(c.time)))
            if c.deleted:
                items.append(Incoming(blobs.get(c.deleted), where, clamp(c.time), deleted=True))
        last = chunk[-1].sha if chunk else tip
        if last:
            done[str(epoch.number)] = last
        return Batch(tuple(items), json.dumps(done, sort_keys=True), note, total)


def read_blobs(repo: str, oids: list[str]) -> dict[str, bytes | None]:
    """Blob contents by id through one ``git cat-file --batch``; None if missing."""
    if not oids:
        return {}
    proc = subprocess.Popen(["git", "--git-dir", repo, "cat-file", "--batch"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out: dict[str, bytes | None] = {}
    assert proc.stdin is not None and proc.stdout is not None
    try:
        # one request at a time: a pipe full of answers must not block our writes
        for oid in dict.fromkeys(oids):
            proc.stdin.write(oid.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                data = proc.stdout.read(size)
                proc.stdout.read(1)
                out[oid] = data
            else:
                out[oid] = None  # "<oid> missing", or not a blob
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait()
    return out
