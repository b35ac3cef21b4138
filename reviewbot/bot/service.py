"""The long-running service: a pass, a pause, a pass ... until SIGTERM.

SIGTERM and SIGINT set the stop flag: the current batch or post finishes,
its state is committed, and the loop ends.  (A SIGKILL is safe too: see
``state`` and ``deliver``.)
"""

from __future__ import annotations

import logging
import signal

from .context import Bot
from .runner import run_pass


def serve(bot: Bot, only: str | None = None) -> int:
    def stop(signum, _frame) -> None:
        bot.events.emit("stopping", signal=signal.Signals(signum).name)
        bot.stop.set()

    old = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    bot.events.emit("service-start", lists=[lst.name for lst in bot.cfg.lists], interval=bot.cfg.interval,
                    dry_run=bot.dry_run)
    failures = 0
    try:
        while not bot.stop.is_set():
            try:
                stats = run_pass(bot, only)
                failures = 0 if not stats.errors else failures + 1
            except Exception as exc:  # one bad pass must not end the service
                failures += 1
                bot.events.emit("pass-error", logging.ERROR, error=f"{type(exc).__name__}: {exc}".splitlines()[0])
            pause = bot.cfg.interval * min(2 ** max(failures - 1, 0), 8) if failures else bot.cfg.interval
            bot.stop.wait(pause)
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        bot.events.emit("service-stop")
    return 0
