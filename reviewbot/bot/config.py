"""The bot's TOML configuration, read into frozen dataclasses.

Every setting has a safe default: dry run (replies go to an outbox
Maildir, checks only to the JSON log), author-only replies, 20 mails an
hour.  Secrets come from the environment when ``*_env`` names a variable;
they are kept out of ``repr`` so that no log line can carry them.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, Mapping

DEFAULT_FROM = "reviewbot <reviewbot@localhost>"
SOURCE_TYPES = ("public-inbox", "lore", "mbox", "maildir")
REPLY_TO = ("author", "author+list", "all")
SEVERITIES = ("error", "warning", "check")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class Source:
    type: str  # one of SOURCE_TYPES
    path: str = ""  # public-inbox: inbox dir or dir of N.git; mbox/maildir: the file or dir
    url: str = ""  # public-inbox: git remote base (fetch); lore: the list's base URL
    query: str = ""  # lore: extra search terms
    since: float = 86400.0  # lore: how far back the first poll looks (seconds)
    overlap: float = 7200.0  # lore: re-read this much before the last poll

    @property
    def name(self) -> str:
        return f"{self.type}:{self.path or self.url}"


@dataclass(frozen=True)
class Patchwork:
    url: str  # https://patchwork.kernel.org
    project: str = ""  # linkname; empty: search every project
    api_version: str = "1.2"
    context: str = "reviewbot"
    target_url: str = ""  # "{reply_id}", "{message_id}", "{list}" are filled in
    token: str = field(default="", repr=False)
    pending: bool = True  # post "pending" while a series waits for its patches

    @property
    def api(self) -> str:
        return f"{self.url.rstrip('/')}/api/{self.api_version}"


@dataclass(frozen=True)
class ListConfig:
    name: str
    address: str = ""  # the list's posting address (for reply_to = "author+list")
    sources: tuple[Source, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    mail_severities: tuple[str, ...] = SEVERITIES
    reply_to: str = "author"
    opt_out: tuple[str, ...] = ()  # addresses or "@domain" never mailed
    max_mails_per_hour: int = 20
    quiet_hours: tuple[int, int] | None = None  # minutes after midnight: (start, end)
    timezone: str = "UTC"
    embargo: float = 0.0  # seconds after a series' last message before posting
    grace: float = 7200.0  # seconds to wait for the missing patches of a series
    max_age: float = 14 * 86400.0  # older patches are reviewed but nothing is posted
    patchwork: Patchwork | None = None


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int = 587
    tls: str = "starttls"  # starttls | ssl | none
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 60.0


@dataclass(frozen=True)
class BotConfig:
    state_dir: str
    lists: tuple[ListConfig, ...]
    from_addr: str = DEFAULT_FROM
    dry_run: bool = True
    interval: float = 300.0  # seconds between passes of the service
    smtp: Smtp | None = None
    outbox: str = ""  # Maildir; default <state_dir>/outbox
    log: str = ""  # JSON lines; default <state_dir>/bot-log.jsonl
    http_rate: float = 1.0  # seconds between two requests to one host
    http_timeout: float = 60.0
    http_retries: int = 4

    @property
    def db_path(self) -> str:
        return os.path.join(self.state_dir, "state.sqlite3")

    @property
    def outbox_path(self) -> str:
        return self.outbox or os.path.join(self.state_dir, "outbox")

    @property
    def log_path(self) -> str:
        return self.log or os.path.join(self.state_dir, "bot-log.jsonl")


def duration(value: Any, what: str) -> float:
    """Seconds from 90, "90s", "30m", "2h", "7d", "1w"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    m = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not m:
        raise ConfigError(f"{what}: {value!r} is not a duration (e.g. 90s, 30m, 2h, 7d)")
    return float(m.group(1)) * _UNITS[m.group(2)]


def quiet_hours(value: Any, what: str) -> tuple[int, int] | None:
    if value in (None, "", False):
        return None
    m = _HHMM.match(str(value))
    if not m or int(m[1]) > 23 or int(m[3]) > 23 or int(m[2]) > 59 or int(m[4]) > 59:
        raise ConfigError(f"{what}: {value!r} is not a range like \"22:00-07:00\"")
    return int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])


def load(path: str, env: Mapping[str, str] | None = None) -> BotConfig:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    base = os.path.dirname(os.path.abspath(path))
    return from_dict(data, base, os.environ if env is None else env)


def from_dict(data: Mapping[str, Any], base: str = ".", env: Mapping[str, str] | None = None) -> BotConfig:
    env = os.environ if env is None else env
    bot = _table(data, "bot")
    _no_unknown(bot, "bot", {"state_dir", "from", "dry_run", "interval", "outbox", "log",
                             "http_rate", "http_timeout", "http_retries"})
    lists = _table(data, "lists")
    if not lists:
        raise ConfigError("no [lists.NAME] table: name at least one list to follow")
    _no_unknown(data, "", {"bot", "lists", "smtp"})
    return BotConfig(
        state_dir=_path(base, str(bot.get("state_dir", "reviewbot-state"))),
        lists=tuple(_list(name, _table(lists, name), base, env) for name in lists),
        from_addr=str(bot.get("from", DEFAULT_FROM)),
        dry_run=_bool(bot.get("dry_run", True), "bot.dry_run"),
        interval=duration(bot.get("interval", 300), "bot.interval"),
        smtp=_smtp(data.get("smtp"), env),
        outbox=_path(base, bot["outbox"]) if bot.get("outbox") else "",
        log=_path(base, bot["log"]) if bot.get("log") else "",
        http_rate=duration(bot.get("http_rate", 1.0), "bot.http_rate"),
        http_timeout=duration(bot.get("http_timeout", 60), "bot.http_timeout"),
        http_retries=int(bot.get("http_retries", 4)),
    )


def local_config(paths: list[str], state_dir: str, from_addr: str = DEFAULT_FROM) -> BotConfig:
    """The embedded default: one list read from local mboxes or Maildirs."""
    sources = tuple(
        Source("maildir" if os.path.isdir(p) else "mbox", path=os.path.abspath(p)) for p in paths
    )
    return BotConfig(
        state_dir=os.path.abspath(state_dir),
        lists=(ListConfig("local", sources=sources, grace=0.0, max_age=float("inf")),),
        from_addr=from_addr,
    )


# --- the pieces -------------------------------------------------------------

_LIST_KEYS = {
    "address", "sources", "select", "ignore", "mail_severities", "reply_to",
    "opt_out", "max_mails_per_hour", "quiet_hours", "timezone", "embargo", "grace",
    "max_age", "patchwork",
}


def _list(name: str, t: Mapping[str, Any], base: str, env: Mapping[str, str]) -> ListConfig:
    where = f"lists.{name}"
    _no_unknown(t, where, _LIST_KEYS)
    sources = t.get("sources", [])
    if not isinstance(sources, list) or not sources:
        raise ConfigError(f"{where}: give at least one [[{where}.sources]]")
    sev = tuple(s.lower() for s in _strings(t.get("mail_severities", list(SEVERITIES)), f"{where}.mail_severities"))
    bad = [s for s in sev if s not in SEVERITIES]
    if bad:
        raise ConfigError(f"{where}.mail_severities: unknown {', '.join(bad)} (use {', '.join(SEVERITIES)})")
    reply_to = str(t.get("reply_to", "author"))
    if reply_to not in REPLY_TO:
        raise ConfigError(f"{where}.reply_to: {reply_to!r} (use {', '.join(REPLY_TO)})")
    if reply_to == "author+list" and not t.get("address"):
        raise ConfigError(f"{where}: reply_to = \"author+list\" needs the list's address")
    tz = str(t.get("timezone", "UTC"))
    _check_tz(tz, f"{where}.timezone")
    select = _strings(t.get("select", []), f"{where}.select")
    return ListConfig(
        name=name,
        address=str(t.get("address", "")),
        sources=tuple(_source(s, f"{where}.sources[{i}]", base) for i, s in enumerate(sources)),
        select=tuple(select),
        ignore=tuple(_strings(t.get("ignore", []), f"{where}.ignore")),
        mail_severities=sev,
        reply_to=reply_to,
        opt_out=tuple(a.lower() for a in _strings(t.get("opt_out", []), f"{where}.opt_out")),
        max_mails_per_hour=int(t.get("max_mails_per_hour", 20)),
        quiet_hours=quiet_hours(t.get("quiet_hours"), f"{where}.quiet_hours"),
        timezone=tz,
        embargo=duration(t.get("embargo", 0), f"{where}.embargo"),
        grace=duration(t.get("grace", "2h"), f"{where}.grace"),
        max_age=duration(t.get("max_age", "14d"), f"{where}.max_age"),
        patchwork=_patchwork(t.get("patchwork"), f"{where}.patchwork", env),
    )


def _source(t: Any, where: str, base: str) -> Source:
    if not isinstance(t, Mapping):
        raise ConfigError(f"{where}: must be a table")
    _no_unknown(t, where, {"type", "path", "url", "query", "since", "overlap"})
    kind = str(t.get("type", ""))
    if kind not in SOURCE_TYPES:
        raise ConfigError(f"{where}.type: {kind!r} (use {', '.join(SOURCE_TYPES)})")
    path = _path(base, t["path"]) if t.get("path") else ""
    url = str(t.get("url", "")).rstrip("/")
    if kind == "lore" and not url:
        raise ConfigError(f"{where}: a lore source needs url")
    if kind != "lore" and not path:
        raise ConfigError(f"{where}: a {kind} source needs path")
    return Source(
        type=kind, path=path, url=url, query=str(t.get("query", "")),
        since=duration(t.get("since", "1d"), f"{where}.since"),
        overlap=duration(t.get("overlap", "2h"), f"{where}.overlap"),
    )


def _patchwork(t: Any, where: str, env: Mapping[str, str]) -> Patchwork | None:
    if t is None:
        return None
    if not isinstance(t, Mapping) or not t.get("url"):
        raise ConfigError(f"{where}: needs url")
    _no_unknown(t, where, {"url", "project", "api_version", "context", "target_url",
                           "token", "token_env", "pending"})
    token = str(t.get("token", "")) or env.get(str(t.get("token_env", "REVIEWBOT_PATCHWORK_TOKEN")), "")
    return Patchwork(
        url=str(t["url"]).rstrip("/"),
        project=str(t.get("project", "")),
        api_version=str(t.get("api_version", "1.2")),
        context=str(t.get("context", "reviewbot")),
        target_url=str(t.get("target_url", "")),
        token=token,
        pending=_bool(t.get("pending", True), f"{where}.pending"),
    )


def _smtp(t: Any, env: Mapping[str, str]) -> Smtp | None:
    host = env.get("REVIEWBOT_SMTP_HOST", "")
    if t is None and not host:
        return None
    t = t or {}
    _no_unknown(t, "smtp", {"host", "port", "tls", "user", "user_env", "password_env", "password", "timeout"})
    tls = str(t.get("tls", env.get("REVIEWBOT_SMTP_TLS", "starttls")))
    if tls not in ("starttls", "ssl", "none"):
        raise ConfigError(f"smtp.tls: {tls!r} (use starttls, ssl or none)")
    host = str(t.get("host", "")) or host
    if not host:
        raise ConfigError("smtp: needs host (or REVIEWBOT_SMTP_HOST)")
    port = int(t.get("port", env.get("REVIEWBOT_SMTP_PORT", 465 if tls == "ssl" else 587)))
    user = str(t.get("user", "")) or env.get(str(t.get("user_env", "REVIEWBOT_SMTP_USER")), "")
    password = str(t.get("password", "")) or env.get(str(t.get("password_env", "REVIEWBOT_SMTP_PASSWORD")), "")
    return Smtp(host=host, port=port, tls=tls, user=user, password=password,
                timeout=duration(t.get("timeout", 60), "smtp.timeout"))


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: must be a table")
    return value


def _no_unknown(t: Mapping[str, Any], where: str, known: set[str]) -> None:
    unknown = sorted(set(t) - known)
    if unknown:
        raise ConfigError(f"{where or 'top level'}: unknown setting {', '.join(unknown)}")


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        return [s.strip() for s in value.split(",") if s.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: must be a list of strings")
    return list(value)


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: must be true or false")
    return value


def _path(base: str, value: Any) -> str:
    return os.path.normpath(os.path.join(base, os.path.expanduser(str(value))))


def _check_tz(name: str, where: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {name!r}") from None
