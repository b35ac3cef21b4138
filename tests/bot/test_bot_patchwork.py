"""Patchwork checks against a server implementing the documented endpoints
(pytest-httpserver): lookup by msgid, checks list, POST with a token, and
the 400/403/404 answers."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import botkit
from reviewbot.bot.config import Patchwork
from reviewbot.bot.http import Polite, user_agent
from reviewbot.bot.patchwork import PatchworkClient
from reviewbot.bot.runner import run_pass

pytest.importorskip("pytest_httpserver")
from werkzeug.wrappers import Request, Response  # noqa: E402  (pytest-httpserver's)

TOKEN = "s3cr3t-token"


class FakePatchwork:
    """/api/1.2/patches/?msgid= and /api/1.2/patches/<id>/checks/."""

    def __init__(self, httpserver, patches: dict[str, int], answer: int = 201):
        self.patches = patches
        self.answer = answer
        self.checks: dict[int, list[dict]] = {}
        self.posts: list[dict] = []
        self.agents: set[str] = set()
        httpserver.expect_request("/api/1.2/patches/", method="GET").respond_with_handler(self.find)
        for pid in patches.values():
            httpserver.expect_request(f"/api/1.2/patches/{pid}/checks/").respond_with_handler(self.check)
        self.url = httpserver.url_for("/").rstrip("/")

    def find(self, req: Request) -> Response:
        self.agents.add(req.headers.get("User-Agent", ""))
        pid = self.patches.get(req.args.get("msgid", ""))
        body = [{"id": pid, "msgid": f"<{req.args['msgid']}>"}] if pid else []
        return Response(json.dumps(body), 200, content_type="application/json")

    def check(self, req: Request) -> Response:
        pid = int(req.path.split("/")[4])
        if req.method == "GET":
            return Response(json.dumps(self.checks.get(pid, [])), 200, content_type="application/json")
        if req.headers.get("Authorization") != f"Token {TOKEN}":
            return Response(json.dumps({"detail": "You do not have permission to perform this action."}), 403,
                            content_type="application/json")
        data = req.get_json()
        if data.get("state") not in ("pending", "success", "warning", "fail"):
            return Response(json.dumps({"state": ["not a valid choice."]}), 400, content_type="application/json")
        if self.answer != 201:
            return Response(json.dumps({"detail": "Not found."}), self.answer, content_type="application/json")
        self.posts.append({"patch": pid, **data})
        self.checks.setdefault(pid, []).append(data)
        return Response(json.dumps({"id": len(self.posts), **data}), 201, content_type="application/json")


def _list(pw_url: str, token: str = TOKEN, **kw):
    fx = botkit.BOT_FIXTURES
    pw = Patchwork(url=pw_url, project="demo", context="reviewbot", token=token,
                   target_url="https://lore.example.org/demo/{reply_id}/")
    return botkit.mbox_list("demo", fx / "demo-v1.mbox", patchwork=pw, **kw)


def _posts(bot, kind="check"):
    return [p for p in bot.state.posts("demo") if p.kind == kind]


def test_checks_are_posted_once_per_patch(tmp_path, httpserver):
    pw = FakePatchwork(httpserver, {"demo-v1-1@example.org": 11, "demo-v1-2@example.org": 12})
    bot = botkit.make_bot(tmp_path, [_list(pw.url)], dry_run=False, http_rate=0.0)
    run_pass(bot)
    by_patch = {p["patch"]: p for p in pw.posts}
    assert by_patch[11]["state"] == "success" and by_patch[11]["description"] == "no findings"
    assert by_patch[12]["state"] == "warning" and by_patch[12]["description"] == "2 findings (2 warning)"
    assert by_patch[12]["context"] == "reviewbot"
    assert by_patch[12]["target_url"].startswith("https://lore.example.org/demo/reviewbot-review-")
    assert all(a.startswith("reviewbot/") for a in pw.agents)
    # a crash after the POST and before recording it: the check is found, not posted again
    with bot.state.transaction():
        for p in _posts(bot):
            bot.state.set_post(p.key, "planned")
    run_pass(bot)
    assert len(pw.posts) == 2
    assert {p.state for p in _posts(bot)} == {"sent"}
    assert TOKEN not in open(bot.cfg.log_path).read()


def test_pending_while_a_series_waits(tmp_path, httpserver):
    pw = FakePatchwork(httpserver, {"demo-v1-1@example.org": 11, "demo-v1-2@example.org": 12})
    lst = replace(_list(pw.url), grace=10 * 365 * 86400.0)
    parts = botkit.split_mbox(botkit.BOT_FIXTURES / "demo-v1.mbox")
    inbox = tmp_path / "in.mbox"
    inbox.write_bytes(b"".join(b"From x Thu Jan  1 00:00:00 1970\n" + p for p in (parts[0], parts[2])))
    lst = replace(lst, sources=(replace(lst.sources[0], path=str(inbox)),))
    bot = botkit.make_bot(tmp_path, [lst], dry_run=False, http_rate=0.0)
    run_pass(bot)
    assert [(p["patch"], p["state"]) for p in pw.posts] == [(12, "pending")]


@pytest.mark.parametrize("answer,state", [(403, "failed"), (404, "failed"), (400, "failed")])
def test_refusals_are_final_and_logged(tmp_path, httpserver, answer, state):
    pw = FakePatchwork(httpserver, {"demo-v1-1@example.org": 11, "demo-v1-2@example.org": 12}, answer=answer)
    token = "wrong" if answer == 403 else TOKEN
    bot = botkit.make_bot(tmp_path, [_list(pw.url, token=token)], dry_run=False, http_rate=0.0)
    if answer == 400:  # a state Patchwork does not know
        pw.answer = 201
        bot.state.plan_post("bad", "demo", "check", None, "demo-v1-1@example.org",
                            json.dumps({"msgid": "demo-v1-1@example.org", "state": "purple", "context": "x",
                                        "description": "", "target_url": ""}).encode())
    run_pass(bot)
    checks = _posts(bot)
    if answer == 400:
        checks = [p for p in checks if p.key == "bad"]
    assert checks and {p.state for p in checks} == {state}
    words = {403: "refused the token", 404: "has no such patch", 400: "rejected the check"}[answer]
    assert all(words in p.detail for p in checks)
    failed = [json.loads(l) for l in open(bot.cfg.log_path) if '"check-failed"' in l]
    assert failed and failed[0]["retry"] is False


def test_unknown_patch_is_retried_later(tmp_path, httpserver):
    pw = FakePatchwork(httpserver, {})  # Patchwork has not seen the series yet
    bot = botkit.make_bot(tmp_path, [_list(pw.url)], dry_run=False, http_rate=0.0)
    run_pass(bot)
    checks = _posts(bot)
    assert {p.state for p in checks} == {"planned"} and all(p.not_before > p.created for p in checks)
    assert "not in Patchwork (yet)" in checks[0].detail


def test_dry_run_posts_no_check(tmp_path, httpserver):
    pw = FakePatchwork(httpserver, {"demo-v1-1@example.org": 11, "demo-v1-2@example.org": 12})
    bot = botkit.make_bot(tmp_path, [_list(pw.url)], http_rate=0.0)  # dry_run is the default
    run_pass(bot)
    assert pw.posts == [] and {p.state for p in _posts(bot)} == {"skipped"}


def test_polite_client_retries_with_backoff(httpserver):
    calls = []

    def flaky(req):
        calls.append(req.headers.get("User-Agent"))
        if len(calls) < 3:
            return Response("busy", 503, headers={"Retry-After": "0"})
        return Response("ok", 200)

    httpserver.expect_request("/x").respond_with_handler(flaky)
    slept = []
    http = Polite(rate=0.0, retries=3, sleep=slept.append)
    assert http.request("GET", httpserver.url_for("/x")).text == "ok"
    assert len(calls) == 3 and calls[0] == user_agent() and slept == [0.0, 0.0]
    client = PatchworkClient(Patchwork(url=httpserver.url_for("/").rstrip("/")), http)
    assert client.post(b'{"msgid": "a@b", "state": "success", "context": "c", "description": "", '
                       b'"target_url": ""}').detail.startswith("no Patchwork token")
