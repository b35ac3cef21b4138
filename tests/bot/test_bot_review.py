"""The bot on local mail: the reference series, versions, assembly, policy."""

from __future__ import annotations

import email
import email.policy
import json
import shutil
from dataclasses import replace

import botkit
from reviewbot.bot.runner import run_pass
from reviewbot.cli import main


def _mails(bot):
    return [email.message_from_bytes(b, policy=email.policy.default) for b in botkit.outbox_mails(bot)]


def _events(bot, name):
    with open(bot.cfg.log_path) as fh:
        return [e for e in map(json.loads, fh) if e["event"] == name]


def test_reference_series_gets_one_reply_threaded_under_patch_16(tmp_path):
    """The real rules on the TDX series: RB101 on 16/21 at tdx.c:1270."""
    from reviewbot.bot.context import default_engines

    lst = botkit.mbox_list("tdx", botkit.TDX)
    bot = botkit.make_bot(tmp_path, [lst])
    bot = replace(bot, engine_for=default_engines())
    stats = run_pass(bot)
    assert stats.messages == 22 and stats.reviewed == 1 and not stats.errors
    replies = {m["In-Reply-To"]: m for m in _mails(bot)}
    reply = replies["<tdx-v8-16@reconstructed.invalid>"]
    assert reply["Subject"] == "Re: [PATCH v8 16/21] x86/virt/tdx: Reject updates during concurrent TD build"
    assert reply["References"] == "<tdx-v8-00@reconstructed.invalid> <tdx-v8-16@reconstructed.invalid>"
    assert reply["To"] == "chao.gao@intel.com" and reply["Cc"] is None  # author only, the default
    body = reply.get_content()
    assert "[reviewbot RB101 if-blocks-without-blank-line]" in body
    assert "RB503 reverse-xmas-tree" in body  # the tip profile's, as `reviewbot check` says it
    assert "> +\tif (err) {" in body and "line 1270" in body
    # a second pass finds nothing new and sends nothing again
    again = run_pass(bot)
    assert again.messages == 0 and again.reviewed == 0
    assert len(botkit.outbox_mails(bot)) == len(replies)


def test_command_line_default_is_a_dry_run_into_the_outbox(tmp_path, capsys):
    state = tmp_path / "st"
    rc = main(["bot", "--once", "--no-progress", "--state-dir", str(state), str(botkit.TDX)])
    assert rc == 0
    assert len(list((state / "outbox" / "new").iterdir())) >= 1
    rc = main(["bot", "--status", "--state-dir", str(state), str(botkit.TDX)])
    assert rc == 0 and json.loads(capsys.readouterr().out)["messages"] == {"cover": 1, "patch": 21}


def test_command_line_errors_are_one_line(tmp_path, capsys):
    assert main(["bot", "--once"]) == 2
    assert capsys.readouterr().err.startswith("reviewbot: nothing to follow")
    bad = tmp_path / "bot.toml"
    bad.write_text("[bot]\nstate_dir = 'x'\n[lists.a]\nsources = [{type = 'nntp', path = 'x'}]\n")
    assert main(["bot", "--once", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lists.a.sources[0].type" in err and "Traceback" not in err


def test_versions_say_still_present_once_and_nothing_about_fixed(tmp_path):
    fx = botkit.BOT_FIXTURES
    inbox = tmp_path / "inbox.mbox"
    lst = botkit.mbox_list("demo", inbox)
    bot = botkit.make_bot(tmp_path, [lst])

    def deliver(version):
        with open(inbox, "ab") as fh:
            fh.write((fx / f"demo-v{version}.mbox").read_bytes())
        before = {m["Message-ID"] for m in _mails(bot)}
        run_pass(bot)
        return [m for m in _mails(bot) if m["Message-ID"] not in before]

    v1 = deliver(1)
    assert len(v1) == 1 and v1[0]["In-Reply-To"] == "<demo-v1-2@example.org>"
    body1 = v1[0].get_content()
    assert body1.count("[reviewbot TST001 fixme-comment]") == 2 and "still present" not in body1

    v2 = deliver(2)  # the first FIXME was fixed, the second is still there
    assert len(v2) == 1 and v2[0]["In-Reply-To"] == "<demo-v2-2@example.org>"
    body2 = v2[0].get_content()
    assert body2.count("[reviewbot TST001") == 1
    assert "16-bit registers" in body2 and "retry on -EAGAIN" not in body2
    assert "(still present since v1)" in body2

    v3 = deliver(3)  # the same again: already said, so nothing is mailed
    assert v3 == []
    linked = _events(bot, "linked")
    assert [(e["version"], e["previous_version"]) for e in linked] == [(2, 1), (3, 2)]
    rows = bot.state.findings("demo", linked[1]["series"])
    assert [(r.status, r.said) for r in rows] == [("repeat", False)]


def test_incomplete_series_waits_then_says_what_is_missing(tmp_path):
    fx = botkit.BOT_FIXTURES
    parts = botkit.split_mbox(fx / "demo-v1.mbox")
    inbox = tmp_path / "inbox.mbox"
    inbox.write_bytes(b"".join(b"From x Thu Jan  1 00:00:00 1970\n" + p for p in parts[:1] + parts[2:]))
    now = [1778000000.0]  # 2026-05-05, a day after the series was sent
    lst = botkit.mbox_list("demo", inbox, grace=7 * 86400.0)
    bot = botkit.make_bot(tmp_path, [lst], clock=lambda: now[0])
    assert run_pass(bot).reviewed == 0  # 1/2 is missing, the grace period runs
    now[0] += 7 * 86400
    assert run_pass(bot).reviewed == 1
    mails = {m["In-Reply-To"]: m for m in _mails(bot)}
    cover = mails["<demo-v1-0@example.org>"]
    assert cover["Subject"] == "Re: [PATCH 0/2] hwmon: (demo) add a demo sensor driver"
    text = cover.get_content()
    assert "  1/2" in text and "were not reviewed" in text and "replies to 2/2" in text
    # 1/2 arrives late: it is reviewed on its own; the cover reply is not repeated
    with open(inbox, "ab") as fh:
        fh.write(b"From x Thu Jan  1 00:00:00 1970\n" + parts[1])
    assert run_pass(bot).reviewed == 1
    assert len(_mails(bot)) == 2  # 1/2 has no finding: no mail
    late = _events(bot, "reviewed")[-1]
    assert late["late"] is True and late["patches"] == 1


def test_policy_opt_out_budget_quiet_hours_embargo(tmp_path):
    fx = botkit.BOT_FIXTURES
    other = tmp_path / "other.mbox"  # a second series: the same patches, another sensor
    other.write_bytes((fx / "demo-v1.mbox").read_bytes().replace(b"demo", b"omed"))
    lst = botkit.mbox_list("demo", fx / "demo-v1.mbox", other,
                           opt_out=("@nowhere.example",), max_mails_per_hour=1)
    bot = botkit.make_bot(tmp_path / "a", [lst])
    run_pass(bot)
    assert len(_mails(bot)) == 1  # the second reply waits for the next hour
    held = _events(bot, "held")
    assert held and held[0]["reason"] == "max 1 mails per hour"

    opted = replace(lst, opt_out=("dee@example.org",), max_mails_per_hour=20)
    bot = botkit.make_bot(tmp_path / "b", [opted])
    run_pass(bot)
    assert _mails(bot) == [] and _events(bot, "mail-skipped")[0]["reason"] == "dee@example.org opted out"

    noon = 1778328000.0  # 2026-05-09 12:00 UTC
    quiet = replace(lst, quiet_hours=(11 * 60, 13 * 60), max_mails_per_hour=20)
    clock = [noon]
    bot = botkit.make_bot(tmp_path / "c", [quiet], clock=lambda: clock[0])
    run_pass(bot)
    assert _mails(bot) == [] and _events(bot, "held")[0]["reason"] == "quiet hours"
    clock[0] += 2 * 3600
    run_pass(bot)
    assert len(_mails(bot)) == 2

    embargo = replace(lst, embargo=3600.0 * 24 * 365 * 10, max_mails_per_hour=20)
    bot = botkit.make_bot(tmp_path / "d", [embargo])
    run_pass(bot)
    assert _mails(bot) == []


def test_recipients_author_plus_list_and_all(tmp_path):
    fx = botkit.BOT_FIXTURES
    lst = botkit.mbox_list("demo", fx / "demo-v1.mbox", reply_to="author+list", address="linux-demo@vger.example.org")
    bot = botkit.make_bot(tmp_path / "a", [lst])
    run_pass(bot)
    (m,) = _mails(bot)
    assert (m["To"], m["Cc"]) == ("dee@example.org", "linux-demo@vger.example.org")
    bot = botkit.make_bot(tmp_path / "b", [replace(lst, reply_to="all", opt_out=("maint@example.org",))])
    run_pass(bot)
    (m,) = _mails(bot)
    assert m["Cc"] == "linux-demo@vger.example.org"


def test_maildir_source_and_old_patches_are_reviewed_quietly(tmp_path):
    md = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    for i, part in enumerate(botkit.split_mbox(botkit.BOT_FIXTURES / "demo-v1.mbox")):
        (md / "new" / f"{1000 + i}.x.host").write_bytes(part)
    from reviewbot.bot.config import Source

    lst = replace(botkit.mbox_list("demo"), sources=(Source("maildir", path=str(md)),), max_age=86400.0)
    bot = botkit.make_bot(tmp_path, [lst])
    assert run_pass(bot).reviewed == 1
    assert _mails(bot) == []  # sent in May 2026, older than a day: nothing posted
    assert _events(bot, "reviewed")[0]["quiet"] == "too old"
    shutil.rmtree(md)
