"""The two ways b4 reads a check tool.

``perpatch``: b4's ``am-perpatch-check-cmd`` / ``prep-perpatch-check-cmd``
read stdout line by line; a line containing ``ERROR:`` is a failure, any
other line a warning, and no output at all means the patch passed (b4
prints "passed all checks").  So: one line per finding, checkpatch's
``path:line: SEVERITY: message`` shape, nothing when clean.

``review``: ``b4 review``'s external checks (``review-perpatch-check-cmd``)
read a JSON list of ``{tool, status, summary, url, details}``, status being
``pass``, ``warn`` or ``fail``; ``details`` holds a JSON list of
``{status, description}``, which b4 shows one finding a line.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TextIO

from ..result import RunResult
from ..rule import Finding, Severity
from . import ordered_findings
from .text import format_finding

TOOL = "reviewbot"
STATUS = {Severity.ERROR: "fail", Severity.WARNING: "warn", Severity.CHECK: "warn"}
_ORDER = {"pass": 0, "warn": 1, "fail": 2}


def finding_line(f: Finding) -> str:
    """One line; only an ERROR finding contains ``ERROR:``."""
    message = " ".join(f.message.split())
    if f.severity is not Severity.ERROR:
        message = message.replace("ERROR:", "ERROR :")
    return format_finding(replace(f, message=message))


def _findings(result: RunResult) -> list[Finding]:
    return [f for pr in result.patches for f in ordered_findings(pr)]


def render_perpatch(result: RunResult, out: TextIO) -> None:
    for f in _findings(result):
        out.write(finding_line(f) + "\n")


def review_entries(result: RunResult) -> list[dict]:
    findings = _findings(result)
    if not findings:
        return [{"tool": TOOL, "status": "pass", "summary": "passed all checks", "url": "", "details": ""}]
    details = [{"status": STATUS[f.severity], "description": finding_line(f)} for f in findings]
    worst = max((d["status"] for d in details), key=_ORDER.__getitem__)
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    summary = ", ".join(
        f"{n} {s.value}{'' if n == 1 else 's'}" for s, n in counts.items() if n
    )
    return [{"tool": TOOL, "status": worst, "summary": summary, "url": "", "details": json.dumps(details)}]


def render_review(result: RunResult, out: TextIO) -> None:
    json.dump(review_entries(result), out)
    out.write("\n")
