"""Keep only new findings: drop those a baseline already has.

A baseline is a multiset of fingerprint hashes (see ``fingerprint``): from
a SARIF file of an earlier run (``--baseline FILE``) or from reviewing the
base of a git range (``--new-only``).  A finding is old while the baseline
still has an unmatched finding with the same hash; so a patch that adds a
third copy of something the base has twice reports one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

from .fingerprint import VERSION, fingerprinted
from .result import RunResult


class BaselineError(ValueError):
    """The baseline file cannot be used; ``str()`` is one line."""


def from_result(result: RunResult) -> Counter:
    return Counter(fp.split(":")[0] for _pr, _f, fp in fingerprinted(result))


def from_sarif(path: str) -> Counter:
    """The fingerprints of a reviewbot SARIF file."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not JSON: {exc}") from None
    runs = doc.get("runs") if isinstance(doc, dict) else None
    if not isinstance(runs, list):
        raise BaselineError(f"{path}: not a SARIF file (no runs)")
    out: Counter = Counter()
    for run in runs:
        for res in (run or {}).get("results") or ():
            fp = ((res or {}).get("partialFingerprints") or {}).get(VERSION)
            if isinstance(fp, str):
                out[fp.split(":")[0]] += 1
    return out


def subtract(result: RunResult, known: Counter) -> RunResult:
    """``result`` without the findings ``known`` accounts for."""
    left = Counter(known)
    dropped: set[int] = set()  # id() of the findings the baseline has
    for _pr, f, fp in fingerprinted(result):
        h = fp.split(":")[0]
        if left[h] > 0:
            left[h] -= 1
            dropped.add(id(f))
    patches = tuple(
        replace(pr, findings=tuple(f for f in pr.findings if id(f) not in dropped))
        for pr in result.patches
    )
    return replace(result, patches=patches)
