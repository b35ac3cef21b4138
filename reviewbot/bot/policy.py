"""When the bot may post: quiet hours, the hourly mail budget, the
embargo after a series' last message, and the age limit for old patches."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from .config import ListConfig


def in_quiet_hours(cfg: ListConfig, now: float) -> bool:
    if cfg.quiet_hours is None:
        return False
    start, end = cfg.quiet_hours
    local = datetime.fromtimestamp(now, timezone.utc).astimezone(ZoneInfo(cfg.timezone))
    minute = local.hour * 60 + local.minute
    if start <= end:
        return start <= minute < end
    return minute >= start or minute < end  # over midnight: 22:00-07:00


def not_before(cfg: ListConfig, last_received: float) -> float:
    return last_received + cfg.embargo


def too_old(cfg: ListConfig, received: float, now: float) -> bool:
    return now - received > cfg.max_age


def mail_budget(cfg: ListConfig, sent_last_hour: int) -> int:
    return max(cfg.max_mails_per_hour - sent_last_hour, 0)
