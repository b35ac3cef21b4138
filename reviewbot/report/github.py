"""GitHub Actions workflow commands: one annotation per finding.

``::warning file=PATH,line=N,endLine=M,title=CODE name::message`` puts the
finding on the line of the pull request's diff.  ERROR is ``error``,
WARNING ``warning`` and CHECK ``notice``.  The last line is the text
summary, for the log.
"""

from __future__ import annotations

from typing import TextIO

from ..result import RunResult
from ..rule import Finding, Severity
from . import ordered_findings
from .text import summary

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.CHECK: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    props = []
    if f.path:
        props.append(f"file={escape_property(f.path)}")
        if f.line is not None:
            props.append(f"line={f.line}")
            if f.end_line is not None and f.end_line > f.line:
                props.append(f"endLine={f.end_line}")
    props.append(f"title={escape_property(f'{f.rule.code} {f.rule.name}')}")
    return f"::{COMMAND[f.severity]} {','.join(props)}::{escape_data(f.message or f.rule.summary)}"


def render(result: RunResult, out: TextIO) -> None:
    for pr in result.patches:
        for f in ordered_findings(pr):
            out.write(annotation(f) + "\n")
    out.write(summary(result) + "\n")
