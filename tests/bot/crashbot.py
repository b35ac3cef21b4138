"""One bot pass in a subprocess, for the crash tests (killed with SIGKILL).

usage: crashbot.py STATE_DIR SMTP_PORT MBOX...   (SMTP_PORT 0: outbox)
"""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import botkit  # noqa: E402
from reviewbot.bot.config import Smtp  # noqa: E402
from reviewbot.bot.runner import run_pass  # noqa: E402


def main(argv: list[str]) -> int:
    state_dir, port, *mboxes = argv
    lst = botkit.mbox_list("crash", *map(pathlib.Path, mboxes), max_mails_per_hour=10000)
    kw = {}
    if int(port):
        kw = {"dry_run": False, "smtp": Smtp(host="127.0.0.1", port=int(port), tls="none")}
    bot = botkit.make_bot(pathlib.Path(state_dir), [lst], engine=botkit.fixme_engine(returns=True), **kw)
    stats = run_pass(bot)
    return 1 if stats.errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
