"""reviewbot explain: print one rule's documentation."""

HELP = "print a rule's documentation"


def add_arguments(p) -> None:
    p.add_argument("rule", metavar="CODE|NAME")


def run(args) -> int:
    import inspect

    from ..cli import EXIT_ERROR, err
    from ..engine import all_rules, find_rule

    lr = find_rule(all_rules(), args.rule)
    if lr is None:
        err(f"unknown rule {args.rule!r} (see `reviewbot rules`)")
        return EXIT_ERROR
    r = lr.rule
    print(f"{r.code} {r.name} ({r.severity.label})\n")
    print(inspect.cleandoc(lr.doc))
    return 0
