import os
import pathlib

import pytest

# Strict in tests: a rule that raises fails the test instead of being
# reported as an input problem (see reviewbot/engine.py).
os.environ.setdefault("REVIEWBOT_STRICT", "1")

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def fixtures() -> pathlib.Path:
    return FIXTURES


@pytest.fixture
def shared() -> pathlib.Path:
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"{SHARED}/corpus is not here (the shared corpus is only on the developers' machines)")
    return SHARED
