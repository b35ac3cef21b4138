"""reviewbot rules: list the rule catalogue."""

HELP = "list the rules"


def add_arguments(p) -> None:
    pass


def run(args) -> int:
    from ..engine import all_rules

    for lr in all_rules():
        r = lr.rule
        off = "" if r.default else "  [off: profiles turn it on]"
        print(f"{r.code}  {r.severity.label:<7}  {r.name:<36}  {r.summary}{off}")
    return 0
