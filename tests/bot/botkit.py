"""Helpers for the bot tests: a test-only rule, a bot in a temp dir, a real
public-inbox (init, import, index, httpd) and a real SMTP sink."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from types import ModuleType

from reviewbot.bot import config as botconfig
from reviewbot.bot.context import Bot
from reviewbot.bot.events import Events
from reviewbot.bot.state import State
from reviewbot.engine import Engine, LoadedRule
from reviewbot.rule import Hit, Rule, Severity

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
BOT_FIXTURES = FIXTURES / "bot"
TDX = FIXTURES / "tdx-module-update-v8.mbox"

# --- a test-only rule: every added line with FIXME ---------------------------------

FIXME = Rule("TST001", "fixme-comment", Severity.WARNING, "an added line has a FIXME")
RETURNS = Rule("TST002", "return-statement", Severity.CHECK, "an added line returns")


def _lines(ctx, word: str):
    for fc in ctx.patch.files:
        for h in fc.hunks:
            for ln in h.lines:
                if ln.kind == "+" and word in ln.text:
                    yield fc.path, ln.new


def fixme_check(ctx):
    for path, line in _lines(ctx, "FIXME"):
        yield Hit(path, line, "FIXME left in new code: do it now or drop the comment.")


def returns_check(ctx):
    for path, line in _lines(ctx, "return"):
        yield Hit(path, line, "A return statement (test rule).")


_MODULE = ModuleType("botkit_rules")


def fixme_engine(*, returns: bool = False) -> Engine:
    rules = [LoadedRule(FIXME, fixme_check, _MODULE)]
    if returns:
        rules.append(LoadedRule(RETURNS, returns_check, _MODULE))
    return Engine(rules)


def make_bot(tmp: pathlib.Path, lists: list[botconfig.ListConfig], *, clock=time.time,
             engine: Engine | None = None, **kw) -> Bot:
    cfg = botconfig.BotConfig(state_dir=str(tmp / "state"), lists=tuple(lists),
                              from_addr="reviewbot <bot@example.org>", **kw)
    os.makedirs(cfg.state_dir, exist_ok=True)
    eng = engine or fixme_engine()
    return Bot(cfg, State(cfg.db_path), Events(cfg.log_path), lambda _lst: eng, clock=clock,
               show_progress=False)


def mbox_list(name: str, *paths: pathlib.Path, **kw) -> botconfig.ListConfig:
    sources = tuple(botconfig.Source("mbox", path=str(p)) for p in paths)
    kw.setdefault("grace", 0.0)
    kw.setdefault("max_age", float("inf"))
    return botconfig.ListConfig(name, sources=sources, **kw)


def with_sources(lst: botconfig.ListConfig, *sources: botconfig.Source) -> botconfig.ListConfig:
    return replace(lst, sources=tuple(sources))


def outbox_mails(bot: Bot) -> list[bytes]:
    out = []
    for sub in ("new", "cur"):
        d = pathlib.Path(bot.cfg.outbox_path) / sub
        if d.is_dir():
            out.extend(p.read_bytes() for p in sorted(d.iterdir()))
    return out


def split_mbox(path: pathlib.Path) -> list[bytes]:
    data = path.read_bytes()
    parts = re.split(rb"(?m)^From [^\n]*\n", data)[1:]
    return [re.sub(rb"(?m)^>(>*From )", rb"\1", p) for p in parts]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a real public-inbox ------------------------------------------------------------

IMPORT_PL = r"""
use strict; use warnings;
use PublicInbox::Config; use PublicInbox::V2Writable; use PublicInbox::Eml;
my $name = shift;
my $ibx = PublicInbox::Config->new->lookup_name($name) or die "no inbox $name\n";
my $im = PublicInbox::V2Writable->new($ibx);
$im->{parallel} = 0;
binmode STDIN;
while (defined(my $len = <STDIN>)) {
    chomp $len;
    read(STDIN, my $raw, $len) == $len or die "short read\n";
    $im->add(PublicInbox::Eml->new(\$raw));
}
$im->done;
"""


def have_public_inbox() -> bool:
    return all(shutil.which(t) for t in ("public-inbox-init", "public-inbox-index", "public-inbox-httpd")) and \
        subprocess.run(["perl", "-MPublicInbox::V2Writable", "-e", "1"], capture_output=True).returncode == 0


class PublicInbox:
    """A v2 inbox in ``root`` with its own PI_CONFIG, fed by V2Writable."""

    def __init__(self, root: pathlib.Path, name: str = "demo", address: str = "linux-demo@vger.example.org"):
        self.root = root
        self.name = name
        self.dir = root / name
        self.env = {**os.environ, "PI_CONFIG": str(root / "pi-config"), "PI_EMERGENCY": str(root / "pi-emergency"),
                    "HOME": str(root), "GIT_CONFIG_NOSYSTEM": "1"}
        self.httpd: subprocess.Popen | None = None
        self.url = ""
        root.mkdir(parents=True, exist_ok=True)
        self._run("public-inbox-init", "-V2", "-L", "medium", name, str(self.dir), f"http://127.0.0.1/{name}", address)

    def _run(self, *cmd: str, data: bytes | None = None) -> None:
        res = subprocess.run(cmd, env=self.env, input=data, capture_output=True, timeout=600)
        if res.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {res.stderr.decode(errors='replace')[-500:]}")

    def add(self, messages: list[bytes]) -> None:
        stream = b"".join(str(len(m)).encode() + b"\n" + m for m in messages)
        script = self.root / "import.pl"
        script.write_text(IMPORT_PL)
        self._run("perl", str(script), self.name, data=stream)

    def index(self) -> None:
        self._run("public-inbox-index", str(self.dir))

    @property
    def epoch(self) -> pathlib.Path:
        return self.dir / "git" / "0.git"

    def start(self) -> str:
        """public-inbox-httpd on a free loopback port.  (With ``:0`` it
        prints the port it bound, but block-buffered: through a pipe the
        line only comes at exit, so we choose the port.)"""
        port = free_port()
        err = open(self.root / "httpd.err", "wb")
        self.httpd = subprocess.Popen(["public-inbox-httpd", "-W0", "-l", f"http://127.0.0.1:{port}"],
                                      env=self.env, stdout=err, stderr=err)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if self.httpd.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("public-inbox-httpd did not start listening")
        if self.httpd.poll() is not None:
            raise RuntimeError(f"public-inbox-httpd exited: {(self.root / 'httpd.err').read_text()[-300:]}")
        self.url = f"http://127.0.0.1:{port}/{self.name}"
        return self.url

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.terminate()
            try:
                self.httpd.wait(10)
            except subprocess.TimeoutExpired:
                self.httpd.kill()
            self.httpd = None


# --- a real SMTP server ---------------------------------------------------------------


class SmtpSink:
    """aiosmtpd on loopback; ``messages`` holds (envelope rcpts, bytes)."""

    def __init__(self, delay: float = 0.0) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if delay:
                    import asyncio

                    await asyncio.sleep(delay)
                with sink.lock:
                    sink.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def python() -> str:
    return sys.executable
