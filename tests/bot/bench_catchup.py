"""Catch-up benchmark: the corpus imported into a public-inbox v2 archive,
then one ``reviewbot bot --once`` over all of it (dry run, outbox).

usage: python tests/bot/bench_catchup.py WORKDIR CORPUS.mbox.gz...

Prints messages/second of the bot pass and its peak memory (ru_maxrss).
Not a test (no ``test_`` prefix): it takes minutes.
"""

from __future__ import annotations

import gzip
import pathlib
import re
import resource
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import botkit  # noqa: E402

SEP = re.compile(rb"(?m)^From mboxrd@z Thu Jan  1 00:00:00 1970\n")


def corpus(paths: list[str]) -> list[bytes]:
    out = []
    for p in paths:
        for chunk in SEP.split(gzip.open(p, "rb").read())[1:]:
            out.append(re.sub(rb"(?m)^>(>*From )", rb"\1", chunk[:-1]))
    return out


def main(argv: list[str]) -> int:
    work = pathlib.Path(argv[0]).resolve()
    work.mkdir(parents=True, exist_ok=True)
    msgs = corpus(argv[1:])
    t = time.monotonic()
    pi = botkit.PublicInbox(work / "pi", name="corpus", address="corpus@example.org")
    pi.add(msgs)
    print(f"imported {len(msgs)} messages into {pi.dir} in {time.monotonic() - t:.0f}s", flush=True)
    cfg = work / "bot.toml"
    cfg.write_text(f"""[bot]
state_dir = "{work / 'state'}"
from = "reviewbot <reviewbot@example.org>"

[lists.corpus]
grace = "2h"
max_age = "100000d"
max_mails_per_hour = 1000000

[[lists.corpus.sources]]
type = "public-inbox"
path = "{pi.dir}"
""")
    t = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "reviewbot", "bot", "--once", "--no-progress", "--config", str(cfg)],
                         stderr=subprocess.PIPE, text=True)
    spent = time.monotonic() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("\n".join(res.stderr.splitlines()[-6:]))
    print(f"bot pass: exit {res.returncode}, {len(msgs)} messages in {spent:.1f}s = {len(msgs) / spent:.0f} messages/s, "
          f"peak RSS {peak:.0f} MiB")
    return res.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
