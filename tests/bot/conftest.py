import pytest

import botkit


@pytest.fixture
def public_inbox(tmp_path):
    if not botkit.have_public_inbox():
        pytest.skip("public-inbox is not installed (apt-get install public-inbox; .ci/run installs it)")
    pi = botkit.PublicInbox(tmp_path / "pi")
    yield pi
    pi.stop()
