"""Reporters: turn a RunResult into text, JSON or reviewer reply mails.

Each format lives in its own module, imported only when used so that
``reviewbot`` starts fast whatever the format.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from ..result import PatchResult, RunResult
    from ..rule import Finding

FORMATS = ("text", "json", "review", "sarif", "github")


def render(
    fmt: str,
    result: "RunResult",
    out: TextIO,
    *,
    output_dir: str | None = None,
    now: datetime | None = None,
    from_addr: str | None = None,
) -> None:
    """Write ``result`` to ``out`` in format ``fmt`` (one of FORMATS).

    ``output_dir``, ``now`` and ``from_addr`` only apply to ``review``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    if fmt != "review" and (output_dir is not None or from_addr is not None):
        raise ValueError("output_dir and from_addr go with the review format")
    if fmt == "text":
        from . import text

        text.render(result, out)
    elif fmt == "json":
        from . import jsonfmt

        jsonfmt.render(result, out)
    elif fmt == "sarif":
        from . import sarif

        sarif.render(result, out)
    elif fmt == "github":
        from . import github

        github.render(result, out)
    else:
        from . import review

        extra = {"from_addr": from_addr} if from_addr else {}
        review.render(result, out, output_dir=output_dir, now=now, **extra)


def ordered_findings(pr: "PatchResult") -> list["Finding"]:
    """The findings of one patch in reading order: files in the order the
    patch touches them (unknown paths last), then by line (None first)."""
    order = {fc.path: i for i, fc in enumerate(pr.patch.files)}
    late = len(order)

    def key(f: "Finding"):
        return (
            order.get(f.path, late),
            f.path,
            -1 if f.line is None else f.line,
            f.end_line or 0,
            f.rule.code,
        )

    return sorted(pr.findings, key=key)
