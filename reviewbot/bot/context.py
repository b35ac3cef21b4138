"""What every step of a pass needs, gathered in one object."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from ..engine import Engine
from .config import BotConfig, ListConfig
from .events import Events
from .state import State


@dataclass(frozen=True)
class Bot:
    cfg: BotConfig
    state: State
    events: Events
    engine_for: Callable[[ListConfig], Engine]
    clock: Callable[[], float] = time.time
    stop: threading.Event = field(default_factory=threading.Event)
    show_progress: bool = True

    @property
    def dry_run(self) -> bool:
        return self.cfg.dry_run


def default_engines() -> Callable[[ListConfig], Engine]:
    """An engine per list, built once, with the list's rule selection and
    the built-in profiles (as ``reviewbot check``: tip's rules on arch/x86/
    files, and so on).  Profile files are not read: the bot's own
    configuration is not one."""
    from ..profiles import for_review

    cache: dict[tuple[tuple[str, ...], tuple[str, ...]], Engine] = {}

    def engine_for(lst: ListConfig) -> Engine:
        key = (lst.select, lst.ignore)
        if key not in cache:
            rules, profiles = for_review(list(lst.select), list(lst.ignore), builtin_only=True)
            cache[key] = Engine(rules, profiles=profiles)
        return cache[key]

    return engine_for
