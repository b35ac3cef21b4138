"""reviewbot rules: list the rule catalogue."""

HELP = "list the rules"


def add_arguments(p) -> None:
    pass


def run(args) -> int:
    from ..engine import all_rules

    for lr in all_rules():
        r = lr.rule
        print(f"{r.code}  {r.severity.label:<7}  {r.name:<36}  {r.summary}")
    return 0
