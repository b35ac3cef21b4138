"""``reviewbot check --git RANGE``: review commits of a tree as a series.

The range is what ``git format-patch`` takes (``origin/master..HEAD``; a
single revision R means R..HEAD).  Each commit becomes the patch mail
format-patch writes (``[PATCH i/N]``), in that order, as one series; the C
files each patch touches are parsed whole, as ``git show COMMIT:path``
gives them, instead of as hunk fragments, and the macros of the headers
they include come from the tree too (``treeheaders``).  Merges are
skipped, as format-patch skips them.  For code scanning, ``at_head`` moves
the findings to the lines of the last commit (``headmap``).

``new_only`` drops the findings the base of the range already has: the
files the range touches are reviewed whole as they are at the base (the
parent of the first commit) and findings are matched by fingerprint.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Sequence

from .engine import Engine
from .gitutil import Blobs, GitError, git
from .model import FileChange, Patch, Series
from .result import InputProblem, RunResult
from .rule import Define, PatchContext

_SEPARATOR = re.compile(rb"^From ([0-9a-f]{40,64}) Mon Sep 17 00:00:00 2001\n", re.M)
_FORMAT_PATCH = (
    "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false", "-c", "diff.relative=false",
    "format-patch", "--stdout", "--numbered", "--no-cover-letter", "--no-signoff",
    "--no-signature", "--no-thread", "--no-notes", "--no-binary",
)


def commit_mails(rng: str, cwd: str | None = None) -> list[tuple[str, bytes]]:
    """(commit id, patch mail) for each commit of ``rng``, in series order."""
    if not rng or rng.startswith("-"):
        raise GitError(f"bad revision range {rng!r}")
    data = git([*_FORMAT_PATCH, rng, "--"], cwd)
    marks = list(_SEPARATOR.finditer(data))
    return [
        (m.group(1).decode(), data[m.start() : marks[i + 1].start() if i + 1 < len(marks) else len(data)])
        for i, m in enumerate(marks)
    ]


def load_range(rng: str, cwd: str | None = None) -> tuple[Series | None, dict[str, str], list[InputProblem]]:
    """The series of ``rng``, the commit of each mail (by its source, in
    order) and the commits that could not be read as patches."""
    from .loader import load_message
    from .sources import RawMessage

    mails = commit_mails(rng, cwd)
    commits: dict[str, str] = {}
    problems: list[InputProblem] = []
    items: list[Patch | None] = []
    for sha, data in mails:
        source = f"commit {sha[:12]}"
        item, probs = load_message(RawMessage(source, data))
        problems.extend(InputProblem(p.source, p.message) for p in probs)
        commits[source] = sha
        if isinstance(item, Patch):
            items.append(item)
        else:
            items.append(None)  # an empty commit, or one whose diff did not parse
    if not items:
        return None, commits, problems
    first = next((p for p in items if p is not None), None)
    version = first.subject.version if first is not None else 1
    return Series(version, len(items), (None, *items)), commits, problems


def review_range(
    rng: str, rules: Sequence, cwd: str | None = None, new_only: bool = False, at_head: bool = False,
    profiles=None,  # type: ignore[no-untyped-def]
) -> RunResult:
    """Review the commits of ``rng`` with ``rules`` and ``profiles`` (a
    ``profiles.Profiles``: which rules run on each file, graded how).
    ``at_head``: report lines as they are at the last commit (for code
    scanning) instead of per patch."""
    from .baseline import subtract
    from .headmap import at_head as forward

    series, commits, problems = load_range(rng, cwd)
    if series is None:
        return RunResult((), tuple(problems), 0, 0)
    shas = list(commits.values())
    with Blobs(cwd) as blobs:
        result = TreeEngine(rules, blobs, commits, profiles).run([series], problems, len(shas))
        if new_only:  # the base is the parent of the first commit (none for a root commit)
            result = subtract(result, findings_at(blobs, f"{shas[0]}^", base_files(series), rules, profiles))
        if at_head:
            result = forward(result, series,
                             lambda paths: findings_at(blobs, shas[-1], {p: p for p in paths}, rules, profiles))
    return result


class TreeEngine(Engine):
    """The engine with a tree as context: whole post-image files and the
    macros of the headers they include, as they are at each commit."""

    def __init__(self, rules: Sequence, blobs: Blobs, commits: dict[str, str], profiles=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(rules, post_images=self._post_image, profiles=profiles)
        self.blobs = blobs
        self.commits = commits

    def _post_image(self, patch: Patch, fc: FileChange) -> str | None:
        sha = self.commits.get(patch.mail.source)
        return self.blobs.get(sha, fc.path) if sha else None

    def context(self, patch: Patch, series: Series | None) -> PatchContext:
        from .treeheaders import header_defines

        ctx = super().context(patch, series)
        sha = self.commits.get(patch.mail.source)
        if sha is None:
            return ctx
        skip = frozenset(fc.path for fc in patch.files)
        extra: dict[tuple, Define] = {}
        for unit in ctx.units:
            if unit.hunk is not None:
                continue  # a fragment: the file was not in the tree
            text = unit.source.decode("utf-8", "replace")
            for d in header_defines(unit.path, text, lambda p: self.blobs.get(sha, p), skip):
                extra.setdefault((d.path, d.line, d.name), d)
        return replace(ctx, defines=(*extra.values(), *ctx.defines)) if extra else ctx


def base_files(series: Series) -> dict[str, str]:
    """post-image path -> path at the base, for each C file the series
    changes that existed before it."""
    out: dict[str, str] = {}
    created: set[str] = set()
    for patch in series.patches:
        for fc in patch.files:
            if not fc.is_c or fc.path in out or fc.path in created:
                continue
            if fc.is_new:
                created.add(fc.path)
            else:
                out[fc.path] = fc.old_path or fc.path
    return out


def findings_at(blobs: Blobs, rev: str, paths: dict[str, str], rules: Sequence, profiles=None) -> Counter:  # type: ignore[no-untyped-def]
    """Fingerprint hashes of a whole-file review of the files at ``rev``
    (with the rules and profiles of the range's review); ``paths`` maps
    the name to report to the name at ``rev``."""
    from .baseline import from_result
    from .scan import review_texts

    texts = [(path, blobs.get(rev, old)) for path, old in sorted(paths.items())]
    return from_result(review_texts([(p, t) for p, t in texts if t is not None], rules, profiles))
