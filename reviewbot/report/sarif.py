"""SARIF 2.1.0 for GitHub code scanning and other CI dashboards.

One run; ``tool.driver.rules`` lists every rule with its documentation as
help text; each result points at the post-image of the patch (path and
lines as the patch's ``+++`` side numbers them) and carries a fingerprint
that is stable across runs (``partialFingerprints["reviewbot/v1"]``, see
``reviewbot/fingerprint.py``).  Input problems become tool execution
notifications.  Nothing in the document depends on the time of the run.
"""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING, Sequence, TextIO

from ..fingerprint import VERSION, fingerprinted
from ..result import RunResult
from ..rule import Rule, Severity

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import LoadedRule

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.CHECK: "note"}


HELP_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


def rule_help(rule: Rule, doc: str) -> str:
    """The rule's documentation as help: its summary and the sections a
    reader of an alert needs (not the measurement notes of References)."""
    from ..docs import sections

    parts = sections(doc)
    lead = doc.split("\n## ", 1)[0].strip() if doc else ""
    body = [f"## {name}\n{parts[name]}" for name in HELP_SECTIONS if parts.get(name)]
    return "\n\n".join([lead or rule.summary, *body])


def rule_descriptor(rule: Rule, doc: str) -> dict:
    from ..docs import sections

    what = sections(doc).get("What it does", "").strip() if doc else ""
    help_text = rule_help(rule, doc)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": what or rule.summary},
        "help": {"text": help_text, "markdown": help_text},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"severity": rule.severity.label, "tags": ["linux-kernel", "patch-review"]},
    }


def document(result: RunResult, catalogue: Sequence["LoadedRule"] | None = None) -> dict:
    """The SARIF log; ``catalogue`` defaults to every installed rule."""
    from .. import __version__

    if catalogue is None:
        from ..engine import all_rules

        catalogue = all_rules()
    rules = {lr.rule.code: (lr.rule, inspect.cleandoc(lr.doc)) for lr in catalogue}
    found = list(fingerprinted(result))
    for _pr, f, _fp in found:
        rules.setdefault(f.rule.code, (f.rule, ""))
    codes = sorted(rules)
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "reviewbot",
                        "version": __version__,
                        "rules": [rule_descriptor(*rules[code]) for code in codes],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {"level": "warning", "message": {"text": f"{p.source}: {p.message}"}}
                            for p in result.problems
                        ],
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": [_result(pr, f, fp, index) for pr, f, fp in found],
            }
        ],
    }


def _result(pr, f, fp: str, index: dict[str, int]) -> dict:
    out = {
        "ruleId": f.rule.code,
        "ruleIndex": index[f.rule.code],
        "level": LEVEL[f.severity],
        "message": {"text": f.message or f.rule.summary},
        "partialFingerprints": {VERSION: fp},
        "properties": {"patch": pr.patch.mail.subject, "source": pr.patch.mail.source},
    }
    if f.path:
        phys: dict = {"artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"}}
        if f.line is not None and f.line > 0:
            region = {"startLine": f.line}
            if f.end_line is not None and f.end_line > f.line:
                region["endLine"] = f.end_line
            phys["region"] = region
        out["locations"] = [{"physicalLocation": phys}]
    return out


def _uri(path: str) -> str:
    """A relative URI reference for a repository path."""
    from urllib.parse import quote

    return quote(path.replace("\\", "/").lstrip("/"), safe="/-._~")


def render(result: RunResult, out: TextIO) -> None:
    json.dump(document(result), out, indent=2, ensure_ascii=False)
    out.write("\n")
