"""The TOML configuration: the documented example loads, mistakes are named,
secrets come from the environment and never show in a repr."""

from __future__ import annotations

import pytest

from reviewbot.bot import config
from reviewbot.bot.policy import in_quiet_hours

EXAMPLE = """
[bot]
state_dir = "/var/lib/reviewbot"
from = "reviewbot <reviewbot@example.org>"
dry_run = false
interval = "5m"

[smtp]
host = "smtp.example.org"
port = 587
tls = "starttls"
user = "reviewbot"
password_env = "REVIEWBOT_SMTP_PASSWORD"

[lists.linux-hwmon]
address = "linux-hwmon@vger.kernel.org"
select = ["RB1", "RB401"]
ignore = ["RB202"]
mail_severities = ["error", "warning"]
reply_to = "author+list"
opt_out = ["someone@example.org", "@example.net"]
max_mails_per_hour = 10
quiet_hours = "22:00-07:00"
timezone = "Europe/Berlin"
embargo = "30m"
grace = "2h"
max_age = "7d"

[[lists.linux-hwmon.sources]]
type = "public-inbox"
path = "/srv/lore/linux-hwmon"
url = "https://lore.kernel.org/linux-hwmon"

[[lists.linux-hwmon.sources]]
type = "lore"
url = "https://lore.kernel.org/linux-hwmon"
since = "2d"

[lists.linux-hwmon.patchwork]
url = "https://patchwork.kernel.org"
project = "linux-hwmon"
token_env = "PATCHWORK_TOKEN"
target_url = "https://lore.kernel.org/linux-hwmon/{reply_id}/"
"""


def test_example_loads(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(EXAMPLE)
    cfg = config.load(str(path), env={"REVIEWBOT_SMTP_PASSWORD": "pw-123", "PATCHWORK_TOKEN": "tok-456"})
    (lst,) = cfg.lists
    assert cfg.dry_run is False and cfg.interval == 300 and cfg.smtp.password == "pw-123"
    assert lst.patchwork.token == "tok-456" and lst.patchwork.api == "https://patchwork.kernel.org/api/1.2"
    assert [s.type for s in lst.sources] == ["public-inbox", "lore"] and lst.sources[1].since == 2 * 86400
    assert (lst.embargo, lst.grace, lst.max_age) == (1800, 7200, 7 * 86400)
    assert lst.quiet_hours == (22 * 60, 7 * 60) and lst.mail_severities == ("error", "warning")
    text = repr(cfg)
    assert "pw-123" not in text and "tok-456" not in text
    # 23:30 in Berlin (summer time) is quiet, 12:00 is not
    assert in_quiet_hours(lst, 1780003800.0) and not in_quiet_hours(lst, 1779962400.0)


@pytest.mark.parametrize("text,words", [
    ("[lists.a]\n", "lists.a: give at least one"),
    ("[bot]\nstate = 'x'\n[lists.a]\nsources=[{type='mbox', path='x'}]\n", "bot: unknown setting state"),
    ("[lists.a]\ngrace = 'soon'\nsources=[{type='mbox', path='x'}]\n", "lists.a.grace: 'soon' is not a duration"),
    ("[lists.a]\nreply_to = 'everyone'\nsources=[{type='mbox', path='x'}]\n", "lists.a.reply_to"),
    ("[lists.a]\nreply_to = 'author+list'\nsources=[{type='mbox', path='x'}]\n", "needs the list's address"),
    ("[lists.a]\ntimezone = 'Mars/Olympus'\nsources=[{type='mbox', path='x'}]\n", "unknown time zone"),
    ("[lists.a]\nquiet_hours = '25:00-07:00'\nsources=[{type='mbox', path='x'}]\n", "quiet_hours"),
    ("[lists.a]\nsources=[{type='lore'}]\n", "a lore source needs url"),
    ("", "no [lists.NAME] table"),
    ("[lists.a\n", "bot.toml"),
])
def test_mistakes_are_named(tmp_path, text, words):
    path = tmp_path / "bot.toml"
    path.write_text(text)
    with pytest.raises(config.ConfigError) as exc:
        config.load(str(path), env={})
    assert words in str(exc.value)


def test_smtp_from_environment_only():
    cfg = config.from_dict({"lists": {"a": {"sources": [{"type": "mbox", "path": "x"}]}}}, "/",
                           env={"REVIEWBOT_SMTP_HOST": "mx.example.org", "REVIEWBOT_SMTP_USER": "u",
                                "REVIEWBOT_SMTP_PASSWORD": "p"})
    assert (cfg.smtp.host, cfg.smtp.port, cfg.smtp.user, cfg.smtp.password) == ("mx.example.org", 587, "u", "p")
    assert cfg.dry_run is True  # the default, whatever SMTP says
