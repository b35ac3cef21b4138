"""checkpatch-like terse output: one line per finding, then a total."""

from __future__ import annotations

from typing import TextIO

from ..result import PatchResult, RunResult
from ..rule import Finding, Severity
from . import ordered_findings


def render(result: RunResult, out: TextIO) -> None:
    for pr in result.patches:
        if pr.findings:
            out.write(patch_header(pr) + "\n")
            for f in ordered_findings(pr):
                out.write(format_finding(f) + "\n")
    out.write(summary(result) + "\n")


def patch_header(pr: PatchResult) -> str:
    mail = pr.patch.mail
    where = f"<{mail.message_id}>" if mail.message_id else f"({mail.source})"
    return f"--- {mail.subject} {where}"


def format_finding(f: Finding) -> str:
    """``path:line: SEVERITY: message [CODE name]``; further message lines
    are indented by four spaces under it."""
    if f.path and f.line is not None:
        where = f"{f.path}:{f.line}: "
    elif f.path:
        where = f"{f.path}: "
    else:
        where = ""
    first, *rest = f.message.splitlines() or [""]
    asked = f", profile {f.profile}" if f.profile and f.profile != "default" else ""  # reviewbot/profiles.py
    lines = [f"{where}{f.severity.label}: {first} [{f.rule.code} {f.rule.name}{asked}]"]
    lines += [f"    {ln}" if ln else "" for ln in rest]
    return "\n".join(lines)


def summary(result: RunResult) -> str:
    counts = {s: 0 for s in Severity}
    for f in result.findings:
        counts[f.severity] += 1
    flagged = sum(1 for pr in result.patches if pr.findings)
    return (
        f"total: {_n(counts[Severity.ERROR], 'error')}, "
        f"{_n(counts[Severity.WARNING], 'warning')}, "
        f"{_n(counts[Severity.CHECK], 'check')} in {_n(flagged, 'patch', 'patches')} "
        f"({_n(len(result.patches), 'patch', 'patches')} reviewed, "
        f"{_n(len(result.problems), 'input problem')})"
    )


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"
