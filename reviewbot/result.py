"""What a run produced, handed to the reporters."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Patch, Series
from .rule import Finding, Severity


@dataclass(frozen=True)
class InputProblem:
    """An input (file, mbox member, mail) that could not be reviewed."""

    source: str  # "path", "path#7", with " <message-id>" when known
    message: str  # one line

    def as_dict(self) -> dict:
        return {"source": self.source, "message": self.message}


@dataclass(frozen=True)
class PatchResult:
    patch: Patch
    series: Series | None
    findings: tuple[Finding, ...]

    def as_dict(self) -> dict:
        s = self.patch.subject
        return {
            "message_id": self.patch.message_id,
            "subject": self.patch.mail.subject,
            "version": s.version,
            "index": s.counter,
            "total": s.total,
            "source": self.patch.mail.source,
            "author": self.patch.mail.from_,
            "files": [fc.path for fc in self.patch.files],
            "findings": len(self.findings),
        }


@dataclass(frozen=True)
class RunResult:
    patches: tuple[PatchResult, ...]
    problems: tuple[InputProblem, ...]
    messages: int  # messages read
    series: int  # series assembled

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for pr in self.patches for f in pr.findings)

    def worst(self) -> Severity | None:
        fs = self.findings
        if not fs:
            return None
        return max((f.severity for f in fs), key=lambda s: s.rank)
