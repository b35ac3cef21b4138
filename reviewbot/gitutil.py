"""Run git: the few calls the hook, ``check --git`` and ``scan`` need.

Every failure becomes a :class:`GitError` whose message is one line (git's
own last ``fatal:`` line when it gave one), so commands can print it and
exit 2 without a traceback.
"""

from __future__ import annotations

import os
import subprocess
from typing import Sequence


class GitError(RuntimeError):
    """git is missing or a git command failed; ``str()`` is one line."""


def git(args: Sequence[str], cwd: str | None = None, input: bytes | None = None) -> bytes:
    """``git ARGS`` in ``cwd``; its stdout as bytes.  Raises GitError."""
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, input=input, capture_output=True, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except OSError as exc:
        raise GitError(f"cannot run git: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        raise GitError(_last_line(proc.stderr) or f"git {args[0]} failed (exit {proc.returncode})")
    return proc.stdout


def git_text(args: Sequence[str], cwd: str | None = None) -> str:
    """``git ARGS`` output as text, without the trailing newline."""
    return git(args, cwd).decode("utf-8", "replace").rstrip("\n")


def git_path(name: str, cwd: str | None = None) -> str:
    """``git rev-parse --git-path NAME`` as an absolute path: honours
    ``core.hooksPath``, worktrees and ``GIT_DIR``."""
    base = cwd or os.getcwd()
    return os.path.normpath(os.path.join(base, git_text(["rev-parse", "--git-path", name], base)))


def config_get(key: str, cwd: str | None = None) -> str | None:
    """``git config --get KEY``; None when unset (or outside a repository)."""
    try:
        value = git_text(["config", "--get", key], cwd)
    except GitError:
        return None
    return value or None


class Blobs:
    """Files of commits through one ``git cat-file --batch``: many reads,
    one process.  Use as a context manager."""

    def __init__(self, cwd: str | None = None) -> None:
        self.cwd = cwd
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> "Blobs":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, rev: str, path: str) -> str | None:
        """The text of ``path`` at ``rev``; None when it is not a file there."""
        if "\n" in path or "\n" in rev:
            return None
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(f"{rev}:{path}\n".encode())
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        if len(header) != 3:
            if not header:
                raise GitError("git cat-file --batch stopped")
            return None  # "<name> missing" or "ambiguous"
        size = int(header[2])
        data = proc.stdout.read(size + 1)[:size]
        return data.decode("utf-8", "replace") if header[1] == b"blob" else None

    def _start(self) -> subprocess.Popen:
        if self._proc is None:
            try:
                self._proc = subprocess.Popen(
                    ["git", "cat-file", "--batch"], cwd=self.cwd,
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                )
            except OSError as exc:
                raise GitError(f"cannot run git: {exc.strerror or exc}") from None
        return self._proc

    def close(self) -> None:
        if self._proc is not None:
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None:
                    stream.close()
            self._proc.wait()
            self._proc = None


def _last_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    return (fatal or lines or [""])[-1]
