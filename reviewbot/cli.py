"""Command line entry point: ``reviewbot <command> ...``.

Each command is a module with ``HELP`` (one line), ``add_arguments(parser)``
and ``run(args) -> int``.  Command modules import only argparse at the top;
everything heavy is imported inside ``run``, so a pre-send hook or a b4
check command starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# (command, module): the order is the order of `reviewbot --help`.
COMMANDS = (
    ("check", "reviewbot.commands.check"),
    ("rules", "reviewbot.commands.rules"),
    ("explain", "reviewbot.commands.explain"),
    ("profiles", "reviewbot.commands.profiles"),
    ("scan", "reviewbot.commands.scan"),
    ("hook", "reviewbot.commands.hook"),
    ("b4", "reviewbot.commands.b4"),
    ("bot", "reviewbot.commands.bot"),
    ("anatomy", "reviewbot.commands.anatomy"),
    ("split", "reviewbot.commands.split"),
)


class ArgParser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, no usage dump
        self.exit(EXIT_ERROR, f"reviewbot: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = ArgParser(prog="reviewbot", description="Review Linux kernel patch mails the way maintainers do.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", parser_class=ArgParser, metavar="COMMAND")
    for name, modname in COMMANDS:
        mod = importlib.import_module(modname)
        cmd = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(cmd)
        cmd.set_defaults(_run=mod.run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"reviewbot {__version__}")
        return EXIT_CLEAN
    run = getattr(args, "_run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return run(args)
    except KeyboardInterrupt:
        print("reviewbot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_CLEAN


def err(msg: str) -> None:
    """One line on stderr, prefixed like every reviewbot message."""
    print(f"reviewbot: {msg}", file=sys.stderr)


def split_list(values: Sequence[str] | None) -> list[str]:
    """Flatten repeated, comma separated options: --select A,B --select C."""
    out: list[str] = []
    for v in values or ():
        out.extend(s.strip() for s in v.split(",") if s.strip())
    return out


def add_rule_options(p) -> None:
    """--select and --ignore, as every reviewing command takes them."""
    p.add_argument("--select", action="append", metavar="CODES",
                   help="only these rules (codes, code prefixes or names; comma separated)")
    p.add_argument("--ignore", action="append", metavar="CODES", help="skip these rules")
