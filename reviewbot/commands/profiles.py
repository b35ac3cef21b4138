"""reviewbot profiles: list the maintainer profiles, or say which one reviews a file."""

HELP = "list the maintainer profiles (per-subsystem rule selections), or which one reviews PATHs"


def add_arguments(p) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="files of a kernel tree (arch/x86/kernel/cpu/mce/core.c): print the profile of each and why")
    p.add_argument("--tree", metavar="DIR", help="a kernel tree: its MAINTAINERS P: entries pick profiles")
    p.add_argument("--config", metavar="FILE",
                   help="a reviewbot.toml (or pyproject.toml with [tool.reviewbot]), read after the one in the "
                   "current directory and the one in --tree")


def run(args) -> int:
    from ..cli import EXIT_ERROR, err
    from ..engine import all_rules
    from ..profiles import DEFAULT, ConfigError, load

    catalogue = [lr.rule for lr in all_rules()]
    try:
        profiles, files = load(catalogue, tree=args.tree, config=args.config)
    except ConfigError as exc:
        err(str(exc))
        return EXIT_ERROR
    if args.paths:
        for path in args.paths:
            name, why = profiles.profile_for(path.strip().lstrip("./") if path.startswith("./") else path)
            print(f"{path}: {name} ({why})")
        return 0

    by_code = {r.code: r for r in catalogue}
    default = profiles.resolved[DEFAULT]
    for name, p in profiles.profiles.items():
        res = profiles.resolved[name]
        where = "built-in" if p.source == "built-in" else p.source
        extends = f", extends {p.extends}" if p.extends else ""
        print(f"{name}  ({where}{extends})")
        if p.summary:
            print(f"    {p.summary}")
        if p.paths:
            more = f"; not {', '.join(p.exclude)}" if p.exclude else ""
            print(f"    files: {', '.join(p.paths)}{more}")
        if p.docs:
            print(f"    MAINTAINERS P: {', '.join(p.docs)}")
        if name == DEFAULT:
            on = [f"{c} ({r.severity.value})" for c, r in res.rules.items()]
            off = [c for c in by_code if c not in res.rules]
            print(f"    rules: {' '.join(on)}")
            if off:
                print(f"    off unless a profile asks: {' '.join(off)}")
        else:
            added = [f"{c} {by_code[c].name} ({r.severity.value})" for c, r in res.rules.items()
                     if c not in default.rules or default.rules[c].severity is not r.severity]
            dropped = [c for c in default.rules if c not in res.rules]
            if added:
                print(f"    asks for: {', '.join(added)}")
            if dropped:
                print(f"    not: {' '.join(dropped)}")
        for code, opts in res.options.items():
            if opts != default.options.get(code, {}) or name == DEFAULT:
                values = ", ".join(f"{k}={_toml(v)}" for k, v in opts.items())
                print(f"    options: {code} {values}")
    if files:
        print(f"configuration: {', '.join(files)}")
    if profiles.maintainers is not None:
        print(f"MAINTAINERS: {profiles.maintainers.source} ({len(profiles.maintainers.entries)} entries)")
    return 0


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, str) else str(v)
