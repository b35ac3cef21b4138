"""Property: no mail, however odd, makes the pipeline (mail -> diff -> C ->
rules) raise.  A bounded run here; benchmarks/fuzz.py runs many more.

The engine is strict in tests (conftest), so a rule that raises on a
generated patch fails this test with the example that broke it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_strategies import mutated, patch_mail
from hostile_inputs import mail, mbox, review

EXAMPLES = int(os.environ.get("REVIEWBOT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(patch_mail())
def test_generated_mails(data):
    review(data)


@FUZZ
@given(st.lists(patch_mail(), min_size=2, max_size=5))
def test_generated_mboxes(mails):
    review(mbox(*mails))


@FUZZ
@given(st.data())
def test_mutated_patch_mails(data):
    review(data.draw(mutated(mail())))
