"""reviewbot scan: review whole files of a tree with the C rules."""

from __future__ import annotations

import sys

HELP = "review whole C files or directories of a tree (what is already there), not a patch"


def add_arguments(c) -> None:
    from ..cli import add_rule_options

    c.add_argument("paths", nargs="+", metavar="PATH", help="C file, or directory to walk for .c and .h files")
    c.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text",
                   help="output format (default: text)")
    c.add_argument("--fail-on", choices=("error", "warning", "check", "never"), default="warning",
                   help="exit 1 when a finding at or above this severity is made (default: warning)")
    add_rule_options(c)


def run(args) -> int:
    from ..cli import EXIT_ERROR, err, split_list
    from ..profiles import ConfigError, for_review
    from ..report import render
    from ..scan import scan
    from .check import exit_status

    try:  # the rules and profiles of `reviewbot check`: a scan's SARIF is check's --baseline
        rules, profiles = for_review(split_list(args.select), split_list(args.ignore))
    except (ValueError, ConfigError) as exc:
        err(str(exc))
        return EXIT_ERROR
    result = scan(args.paths, rules, progress=sys.stderr, profiles=profiles)
    for prob in result.problems:
        err(f"{prob.source}: {prob.message}")
    if not result.patches:
        err("no C file to scan")
        return EXIT_ERROR
    try:
        render(args.format, result, sys.stdout)
    except OSError as exc:
        err(f"cannot write output: {exc.strerror or exc}")
        return EXIT_ERROR
    return exit_status(result, args.fail_on)
