"""reviewbot b4: be b4's check command for the patch on stdin."""

from __future__ import annotations

HELP = "b4 check command: review the patch mail on stdin (check: one line a finding; review: b4 review JSON)"


def add_arguments(p) -> None:
    from ..cli import add_rule_options

    p.add_argument("mode", choices=("check", "review"),
                   help="check: for b4.am-perpatch-check-cmd / b4.prep-perpatch-check-cmd; "
                   "review: for b4.review-perpatch-check-cmd")
    add_rule_options(p)


def run(args) -> int:
    import sys

    from ..cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, err, split_list
    from ..engine import Engine
    from ..loader import load
    from ..profiles import ConfigError, for_review
    from ..report.b4 import render_perpatch, render_review
    from ..result import InputProblem

    try:  # the rules and profiles `reviewbot check` would use here
        rules, profiles = for_review(split_list(args.select), split_list(args.ignore))
    except (ValueError, ConfigError) as exc:
        err(str(exc))
        return EXIT_ERROR
    loaded = load(["-"], sys.stdin.buffer)
    problems = [InputProblem(e.source, e.message) for e in loaded.errors]
    result = Engine(rules, profiles=profiles).run(loaded.series, problems, loaded.messages)
    if not result.patches:
        # b4 shows stderr lines as failures: say why in one line
        first = result.problems[0].message if result.problems else "no patch found in the input"
        err(first)
        return EXIT_ERROR
    (render_review if args.mode == "review" else render_perpatch)(result, sys.stdout)
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN
