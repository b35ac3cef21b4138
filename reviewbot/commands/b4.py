"""reviewbot b4: be b4's check command for the patch on stdin."""

from __future__ import annotations

HELP = "b4 check command: review the patch mail on stdin (check: one line a finding; review: b4 review JSON)"


def add_arguments(p) -> None:
    p.add_argument("mode", choices=("check", "review"),
                   help="check: for b4.am-perpatch-check-cmd / b4.prep-perpatch-check-cmd; "
                   "review: for b4.review-perpatch-check-cmd")
    p.add_argument("--select", action="append", metavar="CODES",
                   help="only these rules (codes, code prefixes or names; comma separated)")
    p.add_argument("--ignore", action="append", metavar="CODES", help="skip these rules")


def run(args) -> int:
    import sys

    from ..cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, err, split_list
    from ..engine import Engine, all_rules, select_rules
    from ..loader import load
    from ..report.b4 import render_perpatch, render_review
    from ..result import InputProblem

    try:
        rules = select_rules(all_rules(), split_list(args.select), split_list(args.ignore))
    except ValueError as exc:
        err(str(exc))
        return EXIT_ERROR
    loaded = load(["-"], sys.stdin.buffer)
    problems = [InputProblem(e.source, e.message) for e in loaded.errors]
    result = Engine(rules).run(loaded.series, problems, loaded.messages)
    if not result.patches:
        # b4 shows stderr lines as failures: say why in one line
        first = result.problems[0].message if result.problems else "no patch found in the input"
        err(first)
        return EXIT_ERROR
    (render_review if args.mode == "review" else render_perpatch)(result, sys.stdout)
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN
