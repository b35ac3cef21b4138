"""The ``git send-email`` pre-send hook (``sendemail-validate``).

git runs the hook once per mail file, before it sends anything, from the
top of the work tree with ``GIT_DIR`` set.  git 2.39 passes one argument
(the mail file); newer git passes a second one (a file with the SMTP
headers) and sets ``GIT_SENDEMAIL_FILE_COUNTER`` / ``GIT_SENDEMAIL_FILE_TOTAL``.
With the counters, the name of each mail file is kept in ``$(git
rev-parse --git-path reviewbot-sendemail.list)`` and the whole series is
reviewed once, at the last file, so series rules see the series; without
them each mail is reviewed on its own.

Only a finding at or above ``git config reviewbot.failOn`` (default:
warning) stops the send.  Anything else that goes wrong is reported in one
line and the mail goes out: the hook never breaks ``git send-email``.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from typing import Mapping, TextIO

HOOK = "sendemail-validate"
MARKER = "# reviewbot: sendemail-validate hook"
STATE = "reviewbot-sendemail.list"
LEVEL_KEY = "reviewbot.failOn"
DEFAULT_LEVEL = "warning"
BACKUP_SUFFIX = ".reviewbot-backup"

_BOOTSTRAP = """\
import sys
try:
    from reviewbot.cli import main
except ImportError as exc:
    print(f"reviewbot: cannot run ({exc}); the mails are sent unchecked", file=sys.stderr)
    sys.exit(0)
sys.exit(main(["hook", "run", "--", *sys.argv[1:]]))
"""


class HookError(RuntimeError):
    """Installing or removing the hook failed; ``str()`` is one line."""


def script(python: str) -> str:
    """The hook: a shell script that runs reviewbot with ``python``."""
    py = shlex.quote(python)
    return (
        "#!/bin/sh\n"
        f"{MARKER}\n"
        "# Installed by `reviewbot hook install`; `reviewbot hook uninstall` removes it.\n"
        "# A finding at or above `git config reviewbot.failOn` (default: warning) stops\n"
        "# the send; `git send-email --no-validate` sends anyway.\n"
        f"if ! [ -x {py} ]; then\n"
        f"\techo 'reviewbot: '{py}' is gone; the mails are sent unchecked' >&2\n"
        "\texit 0\n"
        "fi\n"
        f"exec {py} -c {shlex.quote(_BOOTSTRAP)} \"$@\"\n"
    )


def hook_path(cwd: str | None = None) -> str:
    from .gitutil import git_path

    return git_path(f"hooks/{HOOK}", cwd)


def is_ours(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return MARKER in fh.read(4096)
    except OSError:
        return False


def install(force: bool = False, cwd: str | None = None, python: str | None = None) -> list[str]:
    """Write the hook; returns what was done, one line each."""
    path = hook_path(cwd)
    done: list[str] = []
    if os.path.lexists(path) and not is_ours(path):
        if not force:
            raise HookError(f"{path} exists and is not reviewbot's; --force keeps it as {path}{BACKUP_SUFFIX} and installs")
        backup = _free_name(path + BACKUP_SUFFIX)
        os.replace(path, backup)
        done.append(f"kept the previous hook as {backup}")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.reviewbot-tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(script(python or sys.executable))
    os.chmod(tmp, 0o755)
    os.replace(tmp, path)
    done.append(f"installed {path}")
    return done


def uninstall(cwd: str | None = None) -> list[str]:
    path = hook_path(cwd)
    if not os.path.lexists(path):
        raise HookError(f"no {HOOK} hook at {path}")
    if not is_ours(path):
        raise HookError(f"{path} is not reviewbot's: left alone")
    os.remove(path)
    done = [f"removed {path}"]
    backup = path + BACKUP_SUFFIX
    if os.path.lexists(backup):
        os.replace(backup, path)
        done.append(f"restored the previous hook from {backup}")
    return done


def _free_name(base: str) -> str:
    name, n = base, 1
    while os.path.lexists(name):
        name = f"{base}.{n}"
        n += 1
    return name


@dataclass(frozen=True)
class Counters:
    """git's ``GIT_SENDEMAIL_FILE_COUNTER`` / ``_TOTAL`` (newer git only)."""

    counter: int
    total: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "Counters | None":
        try:
            c = int(env["GIT_SENDEMAIL_FILE_COUNTER"])
            t = int(env["GIT_SENDEMAIL_FILE_TOTAL"])
        except (KeyError, ValueError):
            return None
        return cls(c, t) if 1 <= c <= t else None


def collect(mail: str, counters: Counters | None) -> list[str] | None:
    """The mail files to review now: this one alone without counters; with
    them, none until the last file, then all of them.  Their names are kept
    in a list that the first file starts afresh (git validates every file
    before it sends any, so they are all still there at the last)."""
    if counters is None:
        return [mail]
    from .gitutil import git_path

    state = git_path(STATE)
    with open(state, "w" if counters.counter == 1 else "a", encoding="utf-8") as fh:
        fh.write(os.path.abspath(mail) + "\n")
    if counters.counter < counters.total:
        return None
    with open(state, encoding="utf-8") as fh:
        paths = fh.read().splitlines()
    os.remove(state)
    return paths


def level() -> tuple[str, str | None]:
    """(level, warning): the configured blocking level."""
    from .gitutil import config_get

    value = (config_get(LEVEL_KEY) or DEFAULT_LEVEL).strip().lower()
    if value in ("error", "warning", "check", "never"):
        return value, None
    return DEFAULT_LEVEL, f"{LEVEL_KEY}={value!r} is not error, warning, check or never; using {DEFAULT_LEVEL}"


def validate(mail: str, env: Mapping[str, str], err: TextIO) -> int:
    """Review what git hands the hook; 1 blocks the send, 0 lets it go."""
    from .engine import Engine
    from .loader import load
    from .profiles import ConfigError, for_review
    from .report import render
    from .result import InputProblem

    counters = Counters.from_env(env)
    paths = collect(mail, counters)
    if paths is None:
        return 0
    try:  # the rules and profiles `reviewbot check` would use here
        rules, profiles = for_review()
    except ConfigError as exc:  # like any failure of the hook's own, it does not block the send
        print(f"reviewbot: {exc}: reviewing with the built-in profiles", file=err)
        rules, profiles = for_review(builtin_only=True)
    loaded = load(paths, None)
    problems = [InputProblem(e.source, e.message) for e in loaded.errors]
    result = Engine(rules, profiles=profiles).run(loaded.series, problems, loaded.messages)
    if not result.findings:
        return 0
    fail_on, warning = level()
    if warning:
        print(f"reviewbot: {warning}", file=err)
    render("text", result, err)
    blocking = _blocking(result, fail_on)
    if not blocking:
        floor = "never blocks" if fail_on == "never" else f"nothing at or above {fail_on.upper()}"
        print(f"reviewbot: {floor} ({LEVEL_KEY}): sending.", file=err)
        return 0
    codes = sorted({f.rule.code for f in blocking})
    n = len(blocking)
    print(
        f"reviewbot: not sent: {n} finding{'s' if n != 1 else ''} at or above {fail_on.upper()} ({', '.join(codes)}).\n"
        f"reviewbot: why: reviewbot explain {codes[0]}; the review as reply mails: "
        "reviewbot check --format review PATCH-FILES (or --git RANGE)\n"
        f"reviewbot: send anyway: git send-email --no-validate ...; block less: git config {LEVEL_KEY} error",
        file=err,
    )
    return 1


def _blocking(result, fail_on: str) -> list:
    from .rule import Severity

    if fail_on == "never":
        return []
    floor = Severity.parse(fail_on).rank
    return [f for f in result.findings if f.severity.rank >= floor]
