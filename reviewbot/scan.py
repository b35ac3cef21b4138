"""Review whole files of a tree, not a diff: what is already there.

Each C file is reviewed as a patch that adds the whole file (a FileChange
whose one hunk adds every line), so every line rule applies to every line.
Patch-level rules (``scope="patch"``: commit message, series) are skipped:
there is no patch.  Files without findings are kept as light stand-ins, so
a scan of a whole kernel tree does not hold every file in memory.
"""

from __future__ import annotations

import os
from typing import Iterator, Sequence, TextIO

from .model import C_SUFFIXES, FileChange, Hunk, Line, Mail, Patch, Subject
from .result import InputProblem, PatchResult, RunResult

SOURCE = "whole file"


def c_files(paths: Sequence[str]) -> tuple[list[str], list[InputProblem]]:
    """The C sources and headers named or under the directories named, in
    a stable order; hidden directories (``.git``) are skipped."""
    files: list[str] = []
    problems: list[InputProblem] = []
    for given in paths:
        path = os.path.normpath(given)
        if os.path.isdir(path):
            files.extend(_walk(path))
        elif os.path.isfile(path):
            if path.endswith(C_SUFFIXES):
                files.append(path)
            else:
                problems.append(InputProblem(given, "not a C source or header (.c, .h): skipped"))
        else:
            problems.append(InputProblem(given, "no such file or directory"))
    return files, problems


def _walk(top: str) -> Iterator[str]:
    for root, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.endswith(C_SUFFIXES):
                yield os.path.join(root, name)


def _mail(path: str) -> Mail:
    return Mail("", path, "", (), (), "", "", (), "", SOURCE)


def file_patch(path: str, text: str) -> Patch:
    """A patch that creates ``path`` with ``text``: every line added."""
    rows = text.split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    lines = tuple(Line("+", t, None, i) for i, t in enumerate(rows, 1))
    hunk = Hunk(0, 0, 1, len(lines), "", lines)
    fc = FileChange(None, path, (hunk,) if lines else ())
    return Patch(_mail(path), Subject(path, path), "", "", (), (fc,))


def _stand_in(patch: Patch) -> Patch:
    fc = patch.files[0]
    return Patch(patch.mail, patch.subject, "", "", (), (FileChange(None, fc.path, ()),))


def line_rules(rules):
    """The rules a whole-file review runs: those about lines of code."""
    return tuple(lr for lr in rules if lr.rule.scope == "lines")


def scan(paths: Sequence[str], rules, progress: TextIO | None = None, profiles=None) -> RunResult:  # type: ignore[no-untyped-def]
    """Review every C file under ``paths`` with the line rules of ``rules``
    (and ``profiles``, which pick them file by file, as ``check`` does); a
    progress bar goes to ``progress`` when it is a terminal."""
    from .engine import Engine
    from .progress import Progress

    files, problems = c_files(paths)
    engine = Engine(line_rules(rules), profiles=profiles)
    results: list[PatchResult] = []
    with Progress(len(files), progress) as bar:
        for path in files:
            results.append(_review(engine, path, problems))
            bar.advance(path)
    return RunResult(tuple(results), tuple(problems), 0, 0)


def review_texts(texts: Sequence[tuple[str, str]], rules, profiles=None) -> RunResult:  # type: ignore[no-untyped-def]
    """Review ``(path, text)`` pairs as whole files (no disk access)."""
    from .engine import Engine

    engine = Engine(line_rules(rules), profiles=profiles)
    problems: list[InputProblem] = []
    results = [_review_patch(engine, file_patch(p, t), problems) for p, t in texts]
    return RunResult(tuple(results), tuple(problems), 0, 0)


def _review(engine, path: str, problems: list[InputProblem]) -> PatchResult:
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8", "replace")
    except OSError as exc:
        problems.append(InputProblem(path, f"cannot read: {exc.strerror or exc}"))
        return PatchResult(_stand_in(file_patch(path, "")), None, ())
    return _review_patch(engine, file_patch(path, text), problems)


def _review_patch(engine, patch: Patch, problems: list[InputProblem]) -> PatchResult:
    try:
        findings, probs = engine.review(patch, None)
    except Exception as exc:
        if engine.strict:
            raise
        problems.append(InputProblem(patch.files[0].path, f"cannot review: {type(exc).__name__}: {exc}".splitlines()[0]))
        return PatchResult(_stand_in(patch), None, ())
    problems.extend(probs)
    return PatchResult(patch if findings else _stand_in(patch), None, findings)
