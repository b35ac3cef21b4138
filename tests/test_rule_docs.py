"""Every rule's documentation is complete, and its examples run."""

import pytest

from reviewbot import docs
from reviewbot.engine import Engine, all_rules

RULES = all_rules()


def test_there_are_rules():
    assert len(RULES) >= 1


def test_codes_and_names_are_unique():
    codes = [r.rule.code for r in RULES]
    names = [r.rule.name for r in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("lr", RULES, ids=lambda r: r.rule.code)
def test_doc_has_sections(lr):
    secs = docs.sections(lr.doc)
    for name in docs.REQUIRED_SECTIONS:
        assert secs.get(name, "").strip(), f"{lr.rule.code}: section '## {name}' missing or empty"
    assert lr.rule.name == lr.rule.name.lower() and not lr.rule.name.startswith("no-")


def _review_example(lr, section):
    block = docs.code_block(docs.sections(lr.doc)[section])
    assert block is not None, f"{lr.rule.code}: '## {section}' has no fenced code block"
    if block[0] == "diff" and docs.is_series(block[2]):  # a series rule: the whole series
        result = Engine([lr]).run([docs.example_series(block[2], title=f"{lr.rule.name}-{section}")])
        assert not result.problems
        return result.findings
    patch = docs.example_patch(*block, title=f"{lr.rule.name}-{section}")
    findings, problems = Engine([lr]).review(patch)
    assert not problems
    return findings


@pytest.mark.parametrize("lr", RULES, ids=lambda r: r.rule.code)
def test_example_fires(lr):
    findings = _review_example(lr, "Example")
    assert findings, f"{lr.rule.code}: the documented Example gives no finding"
    assert all(f.rule.code == lr.rule.code for f in findings)


@pytest.mark.parametrize("lr", RULES, ids=lambda r: r.rule.code)
def test_use_instead_is_quiet(lr):
    findings = _review_example(lr, "Use instead")
    assert not findings, f"{lr.rule.code}: the documented 'Use instead' gives: {[f.message for f in findings]}"
