"""reviewbot check: review patch files, mboxes, Maildirs or stdin."""

from __future__ import annotations

import sys

HELP = "review patch files, mboxes (.gz ok), Maildirs or stdin"


def add_arguments(c) -> None:
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


def run(args) -> int:
    from ..cli import EXIT_ERROR, err, split_list
    from ..engine import Engine, all_rules, select_rules
    from ..loader import load
    from ..report import render
    from ..result import InputProblem

    try:
        rules = select_rules(all_rules(), split_list(args.select), split_list(args.ignore))
    except ValueError as exc:
        err(str(exc))
        return EXIT_ERROR
    if args.output_dir and args.format != "review":
        err("--output-dir goes with --format review")
        return EXIT_ERROR

    loaded = load(args.paths, sys.stdin.buffer)  # "-" or no path: stdin
    problems = [InputProblem(e.source, e.message) for e in loaded.errors]
    result = Engine(rules).run(loaded.series, problems, loaded.messages)

    for prob in result.problems:
        err(f"{prob.source}: {prob.message}")
    if not result.patches:
        if not result.problems:
            err("no patch found in the input" if loaded.messages else "empty input: no mail to review")
        return EXIT_ERROR

    kwargs = {}
    if args.format == "review":
        kwargs["output_dir"] = args.output_dir
        if args.from_addr:
            kwargs["from_addr"] = args.from_addr
    try:
        render(args.format, result, sys.stdout, **kwargs)
    except OSError as exc:
        err(f"cannot write output: {exc.strerror or exc}")
        return EXIT_ERROR
    return exit_status(result, args.fail_on)


def exit_status(result, fail_on: str) -> int:
    """0 clean, 1 when a finding at or above ``fail_on`` was made."""
    from ..cli import EXIT_CLEAN, EXIT_FINDINGS
    from ..rule import Severity

    if fail_on == "never":
        return EXIT_CLEAN
    worst = result.worst()
    return EXIT_FINDINGS if worst is not None and worst.rank >= Severity.parse(fail_on).rank else EXIT_CLEAN
