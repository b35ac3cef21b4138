"""reviewbot check: review patch files, mboxes, Maildirs or stdin."""

from __future__ import annotations

import sys

HELP = "review patch files, mboxes (.gz ok), Maildirs or stdin"


def add_arguments(c) -> None:
    c.add_argument("paths", nargs="*", metavar="PATH",
                   help="patch file, mbox (.gz ok), Maildir, or - for stdin (default: stdin)")
    c.add_argument("--format", choices=("text", "json", "review", "sarif", "github"), default="text",
                   help="output format (default: text)")
    c.add_argument("--fail-on", choices=("error", "warning", "check", "never"), default="warning",
                   help="exit 1 when a finding at or above this severity is made (default: warning)")
    c.add_argument("--select", action="append", metavar="CODES",
                   help="only these rules (codes, code prefixes or names; comma separated)")
    c.add_argument("--ignore", action="append", metavar="CODES", help="skip these rules")
    c.add_argument("--output-dir", metavar="DIR", help="with --format review: write .eml files to DIR")
    c.add_argument("--from", dest="from_addr", default=None,
                   help="with --format review: the From: of the reply mails")
    c.add_argument("--git", metavar="RANGE",
                   help="review the commits of RANGE of the git tree here (origin/master..HEAD; R means R..HEAD) "
                   "as one series, with whole files and headers from the tree")
    c.add_argument("--new-only", action="store_true",
                   help="with --git: report only findings the base of RANGE does not already have")
    c.add_argument("--baseline", metavar="SARIF",
                   help="report only findings not in SARIF (an earlier `--format sarif` output of check or scan)")
    c.add_argument("--tree", metavar="DIR",
                   help="a kernel source tree: apply the series to its files, read the headers they include "
                   "and an index of include/ (cached under $XDG_CACHE_HOME/reviewbot)")
    c.add_argument("--arch", metavar="ARCH", default=None,
                   help="with --tree: the arch/ARCH/include to use for files outside arch/ (default: x86)")
    c.add_argument("--config", metavar="FILE",
                   help="profiles: a reviewbot.toml (or a pyproject.toml with [tool.reviewbot]), read after the "
                   "one in the current directory and the one in --tree (see `reviewbot profiles`)")
    from ..limits import add_arguments as add_limit_arguments

    add_limit_arguments(c)
    c.add_argument("--jobs", "-j", default=None, metavar="N",
                   help="review in N processes, a series per task (default: auto, one per CPU; runs of a few "
                   "patches, and --git (one series), stay in one process; with --stream, workers review a window "
                   "while the next is read, except with --tree)")
    c.add_argument("--stream", action="store_true",
                   help="read and review a big archive window by window, in bounded memory (series whose mails "
                   "are thousands of messages apart are reviewed apart)")


def run(args) -> int:
    from ..cli import EXIT_ERROR, err, split_list
    from ..engine import Engine, all_rules, select_rules
    from ..loader import load
    from ..report import render
    from ..result import InputProblem

    try:  # an unknown rule is said before anything is read
        select_rules(all_rules(), split_list(args.select), split_list(args.ignore))
    except ValueError as exc:
        err(str(exc))
        return EXIT_ERROR
    from ..limits import from_args as limits_from_args

    try:
        limits = limits_from_args(args)
    except ValueError as exc:
        err(str(exc))
        return EXIT_ERROR
    from ..parallel import parse_jobs

    try:
        jobs = parse_jobs(args.jobs) if args.jobs is not None else 0
    except ValueError as exc:
        err(str(exc))
        return EXIT_ERROR
    if args.output_dir and args.format != "review":
        err("--output-dir goes with --format review")
        return EXIT_ERROR

    if (args.git is None and args.new_only) or (args.git is not None and args.paths):
        err("--new-only goes with --git" if args.new_only and args.git is None else "--git RANGE takes no PATH")
        return EXIT_ERROR
    known = None
    if args.baseline:
        from ..baseline import BaselineError, from_sarif

        try:
            known = from_sarif(args.baseline)
        except BaselineError as exc:
            err(str(exc))
            return EXIT_ERROR

    from ..profiles import ConfigError, for_review

    try:  # per-file rule selection and severities (reviewbot/profiles.py)
        rules, profiles = for_review(split_list(args.select), split_list(args.ignore),
                                     tree=getattr(args, "tree", None), config=args.config)
    except ConfigError as exc:
        err(str(exc))
        return EXIT_ERROR

    if args.git is not None:
        from ..gitrange import review_range
        from ..gitutil import GitError

        try:
            # code scanning and annotations show the last commit's tree
            result = review_range(args.git, rules, new_only=args.new_only, at_head=args.format in ("sarif", "github"),
                                  profiles=profiles)
        except GitError as exc:
            err(str(exc))
            return EXIT_ERROR
        if not result.patches and not result.problems:
            err(f"no commits to review in {args.git}")
    else:
        tree = None
        if getattr(args, "tree", None):
            from ..tree import KernelTree

            try:
                tree = KernelTree(args.tree, arch=args.arch)
            except ValueError as exc:
                err(f"--tree: {exc}")
                return EXIT_ERROR
        if args.stream:  # an archive in bounded memory (reviewbot/stream.py)
            from ..stream import review_stream

            engine = Engine(rules, limits=limits, tree=tree, profiles=profiles)
            engine.jobs = jobs
            result = loaded = review_stream(args.paths, sys.stdin.buffer, engine, limits)
        else:
            loaded = load(args.paths, sys.stdin.buffer, limits)  # "-" or no path: stdin
            problems = [InputProblem(e.source, e.message) for e in loaded.errors]
            if tree is not None:
                tree.register(loaded.series)
            engine = Engine(rules, limits=limits, tree=tree, profiles=profiles)
            engine.jobs = jobs
            result = engine.run(loaded.series, problems, loaded.messages)
    if known is not None:
        from ..baseline import subtract

        result = subtract(result, known)

    for prob in result.problems:
        err(f"{prob.source}: {prob.message}")
    if not result.patches and (args.git is None or result.problems):
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
