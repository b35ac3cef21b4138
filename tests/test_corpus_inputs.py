"""The whole shared corpus loads: no exception, every message accounted for.

Skipped where ../shared/corpus is absent (it only exists on the project's
own machines).  Numbers are from shared/corpus/README.md.
"""

import pytest

from reviewbot.loader import load

# list -> (messages, patch mails that are not replies)
README = {
    "linux-hwmon": (2576, 658),
    "platform-driver-x86": (2357, 658),
    "linux-edac": (1309, 488),
    "linux-hyperv": (1558, 501),
}


@pytest.mark.parametrize("name", list(README))
def test_corpus_file_loads(shared, name):
    path = str(shared / "corpus" / f"{name}.mbox.gz")
    messages, patch_mails = README[name]
    loaded = load([path])  # must not raise
    assert loaded.messages == messages
    assert not [e for e in loaded.errors if "internal error" in e.message]

    # every message is a series member, another mail, or an error that dropped it
    members = sum(1 for s in loaded.series for i in s.items if i is not None)
    members += sum(len(s.extras) for s in loaded.series)
    dropped = [e for e in loaded.errors if not e.message.startswith("skipped a file")]
    assert members + len(loaded.others) + len(dropped) == messages

    patches = sum(len(s.patches) + len(s.extras) for s in loaded.series)
    assert patches >= 0.97 * patch_mails, f"{patches} of {patch_mails} patch mails parsed"
