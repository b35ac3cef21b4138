"""One JSON document for machines.  The schema (version 1) is stable:

    {"version": 1,
     "findings": [Finding.as_dict(), ...],
     "patches":  [PatchResult.as_dict(), ...],
     "errors":   [InputProblem.as_dict(), ...],
     "summary":  {"messages": n, "series": n, "patches": n, "findings": n,
                  "by_severity": {"error": n, "warning": n, "check": n}}}
"""

from __future__ import annotations

import json
from typing import TextIO

from ..result import RunResult
from ..rule import Severity
from . import ordered_findings

SCHEMA_VERSION = 1


def document(result: RunResult) -> dict:
    findings = [f for pr in result.patches for f in ordered_findings(pr)]
    by_severity = {s.value: 0 for s in Severity}
    for f in findings:
        by_severity[f.severity.value] += 1
    return {
        "version": SCHEMA_VERSION,
        "findings": [f.as_dict() for f in findings],
        "patches": [pr.as_dict() for pr in result.patches],
        "errors": [p.as_dict() for p in result.problems],
        "summary": {
            "messages": result.messages,
            "series": result.series,
            "patches": len(result.patches),
            "findings": len(findings),
            "by_severity": by_severity,
        },
    }


def render(result: RunResult, out: TextIO) -> None:
    json.dump(document(result), out, indent=2, ensure_ascii=False)
    out.write("\n")
