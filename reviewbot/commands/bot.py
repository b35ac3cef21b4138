"""reviewbot bot: follow mailing lists, review each series, reply like a reviewer."""

from __future__ import annotations

HELP = "follow lists (public-inbox git, lore, mbox, Maildir), review each series, reply"


def add_arguments(c) -> None:
    c.add_argument("paths", nargs="*", metavar="PATH",
                   help="without --config: local mboxes or Maildirs to follow (no network)")
    c.add_argument("--config", "-c", metavar="FILE",
                   help="the bot's TOML configuration (default: $REVIEWBOT_BOT_CONFIG)")
    c.add_argument("--once", action="store_true", help="process what is new, then exit")
    c.add_argument("--list", dest="only", metavar="NAME", help="only this list of the configuration")
    c.add_argument("--dry-run", action="store_true",
                   help="write replies to the outbox Maildir and post no check, whatever the config says")
    c.add_argument("--state-dir", metavar="DIR",
                   help="state, outbox and log (default: from the config, or ./reviewbot-state)")
    c.add_argument("--status", action="store_true", help="print what the state holds and exit")
    c.add_argument("--quiet", "-q", action="store_true", help="log warnings and errors only")
    c.add_argument("--no-progress", action="store_true", help="log lines instead of a progress bar")


def run(args) -> int:
    import dataclasses
    import json
    import logging
    import os
    import sqlite3
    import sys

    from ..cli import EXIT_CLEAN, EXIT_ERROR, err
    from ..bot import config as botconfig
    from ..bot.context import Bot, default_engines
    from ..bot.events import Events
    from ..bot.runner import run_pass
    from ..bot.service import serve
    from ..bot.state import State, StateError

    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s reviewbot: %(message)s", datefmt="%Y-%m-%d %H:%M:%S")
    path = args.config or os.environ.get("REVIEWBOT_BOT_CONFIG", "")
    try:
        if path:
            if args.paths:
                err("give either --config or PATHs to follow, not both")
                return EXIT_ERROR
            cfg = botconfig.load(path)
        elif args.paths:
            cfg = botconfig.local_config(args.paths, args.state_dir or "reviewbot-state")
        else:
            err("nothing to follow: give --config FILE (see `reviewbot bot --help`) or mbox/Maildir PATHs")
            return EXIT_ERROR
    except botconfig.ConfigError as exc:
        err(f"config: {exc}")
        return EXIT_ERROR
    if args.state_dir:
        cfg = dataclasses.replace(cfg, state_dir=os.path.abspath(args.state_dir))
    if args.dry_run:
        cfg = dataclasses.replace(cfg, dry_run=True)
    if args.only and args.only not in {lst.name for lst in cfg.lists}:
        err(f"no list {args.only!r} in the configuration")
        return EXIT_ERROR
    try:
        os.makedirs(cfg.state_dir, exist_ok=True)
        state = State(cfg.db_path)
    except (OSError, StateError) as exc:
        err(f"state: {exc}")
        return EXIT_ERROR
    if args.status:
        print(json.dumps(state.summary(), indent=2, sort_keys=True))
        return EXIT_CLEAN
    try:
        events = Events(cfg.log_path)
    except OSError as exc:
        err(f"cannot open the log {cfg.log_path}: {exc.strerror or exc}")
        return EXIT_ERROR
    try:
        engines = default_engines()
        for lst in cfg.lists:
            engines(lst)  # an unknown rule code is a config error: say it now
    except ValueError as exc:
        err(f"config: {exc}")
        return EXIT_ERROR
    bot = Bot(cfg, state, events, engines, show_progress=not args.no_progress)
    mode = "dry run: replies go to " + cfg.outbox_path if cfg.dry_run or cfg.smtp is None else f"sending through {cfg.smtp.host}"
    events.emit("start", once=args.once, lists=[lst.name for lst in cfg.lists], mode=mode, state=cfg.db_path)
    try:
        if args.once:
            stats = run_pass(bot, args.only)
            return EXIT_ERROR if stats.errors else EXIT_CLEAN
        return serve(bot, args.only)
    except (OSError, StateError, sqlite3.Error) as exc:
        err(f"stopped: {exc}")
        return EXIT_ERROR
    finally:
        events.close()
        state.close()
