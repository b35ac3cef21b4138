"""Command line: ``reviewbot check|rules|explain``.

Modules are imported only by the subcommand that needs them, so that a
pre-send hook or a b4 check command starts fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, as argparse does
        self.exit(EXIT_ERROR, f"reviewbot: error: {message}\n")


def _split(values: Sequence[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or ():
        out.extend(s.strip() for s in v.split(",") if s.strip())
    return out


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="reviewbot", description="Review Linux kernel patch mails the way maintainers do.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    c = sub.add_parser("check", help="review patch files, mboxes or Maildirs")
    c.add_argument("paths", nargs="*", metavar="PATH",
                   help="patch file, mbox (.gz ok), Maildir, or - for stdin (default: stdin)")
    c.add_argument("--format", choices=("text", "json", "review"), default="text",
                   help="output format (default: text)")
    c.add_argument("--fail-on", choices=("error", "warning", "check", "never"), default="warning",
                   help="exit 1 when a finding at or above this severity is made (default: warning)")
    c.add_argument("--select", action="append", metavar="CODES",
                   help="only these rules (codes, code prefixes or names; comma separated)")
    c.add_argument("--ignore", action="append", metavar="CODES", help="skip these rules")
    c.add_argument("--output-dir", metavar="DIR", help="with --format review: write .eml files to DIR")
    c.add_argument("--from", dest="from_addr", default=None,
                   help="with --format review: the From: of the reply mails")

    sub.add_parser("rules", help="list the rules")
    e = sub.add_parser("explain", help="print a rule's documentation")
    e.add_argument("rule", metavar="CODE|NAME")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"reviewbot {__version__}")
        return EXIT_CLEAN
    if args.command == "check":
        return _check(args)
    if args.command == "rules":
        return _rules()
    if args.command == "explain":
        return _explain(args.rule)
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def _err(msg: str) -> None:
    print(f"reviewbot: {msg}", file=sys.stderr)


def _check(args) -> int:
    from .engine import Engine, all_rules, select_rules
    from .loader import load
    from .report import render
    from .result import InputProblem
    from .rule import Severity

    try:
        rules = select_rules(all_rules(), _split(args.select), _split(args.ignore))
    except ValueError as exc:
        _err(str(exc))
        return EXIT_ERROR
    if args.output_dir and args.format != "review":
        _err("--output-dir goes with --format review")
        return EXIT_ERROR

    loaded = load(args.paths, sys.stdin.buffer)  # "-" or no path: stdin
    problems = [InputProblem(e.source, e.message) for e in loaded.errors]
    result = Engine(rules).run(loaded.series, problems, loaded.messages)

    for prob in result.problems:
        _err(f"{prob.source}: {prob.message}")
    if not result.patches:
        if not result.problems:
            _err("no patch found in the input" if loaded.messages else "empty input: no mail to review")
        return EXIT_ERROR

    kwargs = {}
    if args.format == "review":
        kwargs["output_dir"] = args.output_dir
        if args.from_addr:
            kwargs["from_addr"] = args.from_addr
    try:
        render(args.format, result, sys.stdout, **kwargs)
    except OSError as exc:
        _err(f"cannot write output: {exc.strerror or exc}")
        return EXIT_ERROR

    if args.fail_on == "never":
        return EXIT_CLEAN
    threshold = Severity.parse(args.fail_on).rank
    worst = result.worst()
    return EXIT_FINDINGS if worst is not None and worst.rank >= threshold else EXIT_CLEAN


def _rules() -> int:
    from .engine import all_rules

    for lr in all_rules():
        r = lr.rule
        print(f"{r.code}  {r.severity.label:<7}  {r.name:<36}  {r.summary}")
    return EXIT_CLEAN


def _explain(key: str) -> int:
    import inspect

    from .engine import all_rules, find_rule

    lr = find_rule(all_rules(), key)
    if lr is None:
        _err(f"unknown rule {key!r} (see `reviewbot rules`)")
        return EXIT_ERROR
    r = lr.rule
    print(f"{r.code} {r.name} ({r.severity.label})\n")
    print(inspect.cleandoc(lr.doc))
    return EXIT_CLEAN
