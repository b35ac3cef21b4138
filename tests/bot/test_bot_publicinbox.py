"""The bot against a real public-inbox v2 archive: read from its git epochs,
over HTTP from public-inbox-httpd (search and thread downloads), from a
mirror cloned with git; deletions, purges (rewritten history) and missing
blobs; replies sent through a real SMTP server and fed back into the inbox
end up threaded under the patch."""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import subprocess
from dataclasses import replace

import pytest
import requests

import botkit
from reviewbot.bot.config import Smtp, Source
from reviewbot.bot.gitinbox import GitInbox
from reviewbot.bot.http import Polite
from reviewbot.bot.lore import Lore
from reviewbot.bot.runner import run_pass

FX = botkit.BOT_FIXTURES


def _events(bot, name):
    with open(bot.cfg.log_path) as fh:
        return [e for e in map(json.loads, fh) if e["event"] == name]


def _git_list(path, **kw):
    return replace(botkit.mbox_list("demo"), sources=(Source("public-inbox", path=str(path), **kw),))


def _reply_targets(bot):
    return sorted(email.message_from_bytes(b)["In-Reply-To"] for b in botkit.outbox_mails(bot))


def test_git_epochs_incremental_deletion_and_rewrite(tmp_path, public_inbox):
    pi = public_inbox
    pi.add(botkit.split_mbox(FX / "demo-v1.mbox"))
    bot = botkit.make_bot(tmp_path, [_git_list(pi.dir)])
    stats = run_pass(bot)
    assert (stats.messages, stats.reviewed) == (3, 1)
    assert _reply_targets(bot) == ["<demo-v1-2@example.org>"]

    # v2 arrives, plus a patch that the archive deletes right after
    stray = (FX / "demo-v1.mbox").read_bytes().split(b"\nFrom demo@")[0].replace(b"demo-v1-0", b"stray-0")
    stray = stray.split(b"\n", 1)[1].replace(b"[PATCH 0/2]", b"[PATCH] hwmon: stray")
    pi.add([*botkit.split_mbox(FX / "demo-v2.mbox"), stray])
    pi._run("public-inbox-learn", "rm", data=stray)
    stats = run_pass(bot)
    assert stats.messages == 4 and stats.deleted == 1 and stats.reviewed == 1
    assert _reply_targets(bot) == ["<demo-v1-2@example.org>", "<demo-v2-2@example.org>"]
    assert bot.state.message("demo", "stray-0@example.org").deleted

    # purge rewrites history: nothing is read twice, nothing is lost
    pi._run("public-inbox-purge", "--all", data=botkit.split_mbox(FX / "demo-v1.mbox")[1])
    pi.add(botkit.split_mbox(FX / "demo-v3.mbox"))
    stats = run_pass(bot)
    notes = [e["note"] for e in _events(bot, "source-note")]
    assert any("history rewritten" in n for n in notes)
    assert stats.messages == 3 and stats.reviewed == 1
    assert len(botkit.outbox_mails(bot)) == 2  # v3 repeats nothing new: no mail
    assert run_pass(bot).messages == 0


def test_missing_blob_is_logged_and_skipped(tmp_path):
    repo = tmp_path / "inbox" / "git" / "0.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@b", "PATH": "/usr/bin:/bin"}

    def git(*args, data=None):
        return subprocess.run(["git", "--git-dir", str(repo), *args], input=data, env=env,
                              capture_output=True, check=True).stdout.decode().strip()

    good = git("hash-object", "-w", "--stdin", data=botkit.split_mbox(FX / "demo-v1.mbox")[0])
    t1 = git("mktree", data=f"100644 blob {good}\tm\n".encode())
    c1 = git("commit-tree", t1, "-m", "one")
    t2 = git("mktree", "--missing", data=f"100644 blob {'1' * 40}\tm\n".encode())
    c2 = git("commit-tree", t2, "-p", c1, "-m", "two")
    git("update-ref", "refs/heads/master", c2)
    git("symbolic-ref", "HEAD", "refs/heads/master")
    items = [i for b in GitInbox(Source("public-inbox", path=str(tmp_path / "inbox"))).batches(None) for i in b.items]
    assert [i.raw is None for i in items] == [False, True]
    bot = botkit.make_bot(tmp_path, [_git_list(tmp_path / "inbox")])
    stats = run_pass(bot)
    assert (stats.messages, stats.missing) == (1, 1) and _events(bot, "message-missing")


def test_http_search_thread_and_git_clone(tmp_path, public_inbox):
    pi = public_inbox
    pi.add([*botkit.split_mbox(botkit.TDX), *botkit.split_mbox(FX / "demo-v1.mbox")])
    pi.index()
    url = pi.start()

    lore = botkit.mbox_list("demo")
    lore = replace(lore, sources=(Source("lore", url=url, since=3650 * 86400.0),))
    bot = botkit.make_bot(tmp_path / "http", [lore], http_rate=0.0)
    stats = run_pass(bot)
    assert (stats.messages, stats.reviewed, stats.errors) == (25, 2, [])
    assert "<demo-v1-2@example.org>" in _reply_targets(bot)
    assert run_pass(bot).messages == 0  # the overlap re-reads, nothing is new

    thread = Lore(lore.sources[0], Polite(rate=0.0)).thread("tdx-v8-16@reconstructed.invalid")
    assert len(thread) == 22  # the whole series hangs under the cover letter

    # a search that misses 1/2: the thread download finds it before the review
    narrow = replace(lore, sources=(replace(lore.sources[0], query="NOT s:registers"),))
    bot = botkit.make_bot(tmp_path / "narrow", [narrow], http_rate=0.0)
    stats = run_pass(bot)
    assert (stats.messages, stats.reviewed) == (24, 2)
    fetched = _events(bot, "thread-fetched")
    assert [e["new"] for e in fetched] == [1]
    assert bot.state.message("demo", "demo-v1-1@example.org").reviewed

    mirror = tmp_path / "mirror"
    cloned = botkit.make_bot(tmp_path / "git", [_git_list(mirror, url=url)])
    stats = run_pass(cloned)
    assert (mirror / "git" / "0.git" / "HEAD").is_file()
    assert (stats.messages, stats.reviewed) == (25, 2)
    assert _reply_targets(cloned) == _reply_targets(bot)
    pi.add(botkit.split_mbox(FX / "demo-v2.mbox"))  # git fetch brings the new version
    assert run_pass(cloned).messages == 3


def test_smtp_replies_come_back_threaded_under_the_patch(tmp_path, public_inbox):
    pi = public_inbox
    pi.add(botkit.split_mbox(FX / "demo-v1.mbox"))
    with botkit.SmtpSink() as sink:
        lst = replace(_git_list(pi.dir), reply_to="author+list", address="linux-demo@vger.example.org")
        bot = botkit.make_bot(tmp_path, [lst], dry_run=False,
                              smtp=Smtp(host="127.0.0.1", port=sink.port, tls="none", user="", password="pw"))
        run_pass(bot)
        run_pass(bot)
    assert len(sink.messages) == 1
    rcpts, data = sink.messages[0]
    assert sorted(rcpts) == ["dee@example.org", "linux-demo@vger.example.org"]
    reply = email.message_from_bytes(data, policy=email.policy.default)
    assert reply["In-Reply-To"] == "<demo-v1-2@example.org>"
    assert reply["References"] == "<demo-v1-0@example.org> <demo-v1-2@example.org>"
    assert reply["Subject"] == "Re: [PATCH 2/2] hwmon: (demo) add the driver"
    assert "FIXME left in new code" in reply.get_content()
    assert botkit.outbox_mails(bot) == []  # sent, not written to the outbox

    # the list archives the reply: it hangs under the patch, and the bot sees it
    pi.add([data])
    pi.index()
    url = pi.start()
    mbox = gzip.decompress(requests.get(f"{url}/demo-v1-2@example.org/t.mbox.gz", timeout=30).content)
    assert reply["Message-ID"].encode() in mbox
    thread = requests.get(f"{url}/demo-v1-2@example.org/T/", timeout=30).text
    assert "reviewbot" in thread
    assert run_pass(bot).messages == 1
    assert bot.state.seen_anywhere(reply["Message-ID"].strip("<>"))


@pytest.mark.parametrize("tls", ["none"])
def test_smtp_refusal_is_retried_not_lost(tmp_path, tls):
    lst = botkit.mbox_list("demo", FX / "demo-v1.mbox")
    port = botkit.free_port()  # nobody listens: connection refused
    bot = botkit.make_bot(tmp_path, [lst], dry_run=False, smtp=Smtp(host="127.0.0.1", port=port, tls=tls,
                                                                      user="u", password="hunter2"))
    run_pass(bot)
    (post,) = [p for p in bot.state.posts("demo") if p.kind == "mail"]
    assert post.state == "planned" and post.attempts == 1 and post.not_before > post.created
    assert "hunter2" not in open(bot.cfg.log_path).read()
