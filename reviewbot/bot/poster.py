"""Deliver the planned posts of a list, as far as the policy allows.

Posts are taken in the order they were planned.  A mail waits for its
embargo, for the end of the quiet hours and for room in the hourly budget;
a check waits for its embargo and for Patchwork to know the patch.  See
``deliver`` for the order of "send" and "record" that makes a crash safe.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
from dataclasses import dataclass, field

from . import policy
from .config import ListConfig
from .context import Bot
from .deliver import DeliveryError, Outbox, SmtpSender, backoff
from .http import Polite
from .patchwork import PatchworkClient
from .state import Post

MAX_ATTEMPTS = 12
CHECK_PATIENCE = 3 * 86400.0  # how long a check waits for Patchwork to know the patch


@dataclass
class Channels:
    """The pass's open connections (one SMTP session, one HTTP session)."""

    outbox: Outbox
    smtp: SmtpSender | None = None
    http: Polite | None = None
    patchwork: dict[str, PatchworkClient] = field(default_factory=dict)

    def close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()


def deliver_list(bot: Bot, lst: ListConfig, ch: Channels) -> dict[str, int]:
    counts: dict[str, int] = {}
    now = bot.clock()
    budget = policy.mail_budget(lst, bot.state.mails_sent_since(lst.name, now - 3600))
    quiet = policy.in_quiet_hours(lst, now)
    held = {"quiet": 0, "budget": 0}
    for post in bot.state.open_posts(lst.name):
        if bot.stop.is_set():
            break
        if post.state == "sending":
            _resolve_sending(bot, lst, ch, post)
            continue
        if post.not_before > now:
            counts["embargoed"] = counts.get("embargoed", 0) + 1
            continue
        if post.kind == "mail":
            if quiet:
                held["quiet"] += 1
                continue
            if budget <= 0:
                held["budget"] += 1
                continue
            if _mail(bot, lst, ch, post):
                budget -= 1
                counts["mails"] = counts.get("mails", 0) + 1
        else:
            if _check(bot, lst, ch, post, now):
                counts["checks"] = counts.get("checks", 0) + 1
    if held["quiet"]:
        bot.events.emit("held", list=lst.name, reason="quiet hours", mails=held["quiet"])
    if held["budget"]:
        bot.events.emit("held", list=lst.name, reason=f"max {lst.max_mails_per_hour} mails per hour",
                        mails=held["budget"])
    return counts


def _parse(post: Post) -> email.message.EmailMessage:
    return email.message_from_bytes(post.payload, policy=email.policy.SMTP)  # type: ignore[return-value]


def _mail(bot: Bot, lst: ListConfig, ch: Channels, post: Post) -> bool:
    msg = _parse(post)
    rcpts = tuple(a.addr_spec for h in ("To", "Cc") for a in (msg[h].addresses if msg[h] else ()))
    fields = dict(list=lst.name, message_id=post.key, subject=str(msg["Subject"]), to=list(rcpts))
    if bot.dry_run or bot.cfg.smtp is None:
        where = ch.outbox.deliver(post.key, post.payload)
        with bot.state.transaction():
            bot.state.set_post(post.key, "sent", f"outbox: {where}", attempt=True)
        bot.events.emit("mail-written", **fields, path=where)
        return True
    if ch.smtp is None:
        ch.smtp = SmtpSender(bot.cfg.smtp)
    if bot.state.seen_anywhere(post.key.strip("<>")):
        _done(bot, post, "sent", "already in the list archive")
        return False
    try:
        ch.smtp.prepare(msg, rcpts)
        with bot.state.transaction():
            bot.state.set_post(post.key, "sending", "DATA in progress", attempt=True)
        ch.smtp.commit(msg)
    except DeliveryError as exc:
        if exc.ambiguous:
            _done(bot, post, "unconfirmed", f"{exc}; not sent again")
            bot.events.emit("mail-unconfirmed", logging.WARNING, **fields, error=str(exc))
        else:
            _failed(bot, lst, post, str(exc), exc.final, "mail-failed", fields)
        return False
    _done(bot, post, "sent", f"smtp {bot.cfg.smtp.host}")
    bot.events.emit("mail-sent", **fields, via=f"{bot.cfg.smtp.host}:{bot.cfg.smtp.port}")
    return True


def _resolve_sending(bot: Bot, lst: ListConfig, ch: Channels, post: Post) -> None:
    """A crash hit between DATA and recording: never send it again."""
    if bot.state.seen_anywhere(post.key.strip("<>")) or ch.outbox.has(post.key):
        _done(bot, post, "sent", "confirmed after a restart")
        bot.events.emit("mail-confirmed", list=lst.name, message_id=post.key)
        return
    _done(bot, post, "unconfirmed", "the bot stopped during SMTP DATA; not sent again")
    bot.events.emit("mail-unconfirmed", logging.WARNING, list=lst.name, message_id=post.key,
                    note="the bot stopped while sending; the server may have it; not sent again")


def _check(bot: Bot, lst: ListConfig, ch: Channels, post: Post, now: float) -> bool:
    check = json.loads(post.payload)
    fields = dict(list=lst.name, patch=check["msgid"], state=check["state"], description=check["description"])
    if bot.dry_run or lst.patchwork is None:
        _done(bot, post, "skipped", "dry run: not posted")
        bot.events.emit("check-dry-run", **fields)
        return False
    client = ch.patchwork.get(lst.name)
    if client is None:
        if ch.http is None:
            ch.http = Polite(rate=bot.cfg.http_rate, timeout=bot.cfg.http_timeout,
                             retries=bot.cfg.http_retries, contact=bot.cfg.from_addr)
        client = ch.patchwork[lst.name] = PatchworkClient(lst.patchwork, ch.http)
    out = client.post(post.payload)
    if out.done:
        _done(bot, post, "sent", out.detail)
        bot.events.emit("check-posted", **fields, detail=out.detail)
        return True
    gave_up = not out.retry or now - post.created > CHECK_PATIENCE
    _failed(bot, lst, post, out.detail, gave_up, "check-failed", fields)
    return False


def _done(bot: Bot, post: Post, state: str, detail: str) -> None:
    with bot.state.transaction():
        bot.state.set_post(post.key, state, detail)


def _failed(bot: Bot, lst: ListConfig, post: Post, detail: str, final: bool, event: str, fields: dict) -> None:
    final = final or post.attempts + 1 >= MAX_ATTEMPTS
    with bot.state.transaction():
        if final:
            bot.state.set_post(post.key, "failed", detail, attempt=True)
        else:
            bot.state.set_post(post.key, "planned", detail, attempt=True, not_before=backoff(post.attempts + 1))
    bot.events.emit(event, logging.WARNING, **fields, error=detail, retry=not final)
