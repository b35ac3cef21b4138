"""reviewbot hook: the git send-email pre-send hook."""

from __future__ import annotations

import argparse

HELP = "install or remove the git send-email hook that reviews mails before they go out"


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p), required=True)
    inst = sub.add_parser("install", help="write the sendemail-validate hook of this repository",
                          description="Write the sendemail-validate hook at `git rev-parse --git-path "
                          "hooks/sendemail-validate`.  A finding at or above `git config reviewbot.failOn` "
                          "(error, warning, check or never; default: warning) stops the send.")
    inst.add_argument("--force", action="store_true",
                      help="replace another hook, keeping it as sendemail-validate.reviewbot-backup")
    sub.add_parser("uninstall", help="remove reviewbot's hook (and restore the one it replaced)")
    run = sub.add_parser("run", help="what the hook runs: review the mail file(s) git passes")
    # git passes the mail file, newer git also a file of SMTP headers: accept
    # whatever comes so that an argument error never stops a send.
    run.add_argument("files", nargs="*", help=argparse.SUPPRESS)


def run(args) -> int:
    import os
    import sys

    from ..cli import EXIT_CLEAN, EXIT_ERROR, err
    from ..gitutil import GitError
    from ..sendhook import HookError, install, uninstall, validate

    if args.action == "run":
        if not args.files:
            return EXIT_CLEAN
        try:
            return validate(args.files[0], os.environ, sys.stderr)
        except Exception as exc:  # never break git send-email
            if os.environ.get("REVIEWBOT_STRICT", "") not in ("", "0"):
                raise
            first = (str(exc).splitlines() or [""])[0]
            err(f"hook failed ({type(exc).__name__}: {first}); the mail is sent unchecked")
            return EXIT_CLEAN
    try:
        done = install(force=args.force) if args.action == "install" else uninstall()
    except (GitError, HookError, OSError) as exc:
        err(str(exc) if not isinstance(exc, OSError) else f"{exc.filename}: {exc.strerror or exc}")
        return EXIT_ERROR
    for line in done:
        print(f"reviewbot: {line}")
    return EXIT_CLEAN
