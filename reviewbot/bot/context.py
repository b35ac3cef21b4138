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
    """An engine per list, built once, with the list's rule selection."""
    from ..engine import all_rules, select_rules

    cache: dict[tuple[tuple[str, ...], tuple[str, ...]], Engine] = {}

    def engine_for(lst: ListConfig) -> Engine:
        key = (lst.select, lst.ignore)
        if key not in cache:
            cache[key] = Engine(select_rules(all_rules(), list(lst.select), list(lst.ignore)))
        return cache[key]

    return engine_for
