"""Shared helpers for rule tests: review a diff with one rule, list the
fires/ and quiet/ fixture diffs of a rule."""

from __future__ import annotations

import pathlib

from reviewbot import docs
from reviewbot.engine import Engine, all_rules, find_rule

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"


def rule(code: str):
    lr = find_rule(all_rules(), code)
    assert lr is not None, f"no rule {code}"
    return lr


def reviewer(code: str):
    """A function that reviews one diff text with rule ``code`` alone."""
    lr = rule(code)

    def review(text: str, title: str = f"{code.lower()} fixture"):
        findings, problems = Engine([lr]).review(docs.example_patch("diff", {}, text, title=title))
        assert not problems
        return findings

    return review


def cases(folder: str) -> tuple[pathlib.Path, list[pathlib.Path], list[pathlib.Path]]:
    """(folder, fires/*.diff, quiet/*.diff) under fixtures/rules/<folder>."""
    here = FIXTURES / "rules" / folder
    return here, sorted((here / "fires").glob("*.diff")), sorted((here / "quiet").glob("*.diff"))
