"""reviewbot split: cut a patch into its preparatory refactoring and the rest."""

from __future__ import annotations

import sys

HELP = "split a patch into a preparatory refactoring patch and the feature patch on top of it"


def add_arguments(p) -> None:
    p.add_argument("path", nargs="?", default="-", metavar="PATCH",
                   help="patch mail (or mbox) to split; - for stdin (default)")
    p.add_argument("-o", "--output-dir", required=True, metavar="DIR",
                   help="write 0001-*.patch and 0002-*.patch here (created if missing); - prints both as one mbox")
    p.add_argument("--patch", type=int, metavar="N", default=None,
                   help="with an mbox of a series: split patch N (its counter, as in [PATCH N/M])")


def run(args) -> int:
    import os

    from ..cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, err
    from ..loader import load
    from ..split import SplitError, file_name, split

    loaded = load([args.path], sys.stdin.buffer)
    for e in loaded.errors:
        err(f"{e.source}: {e.message}")
    patches = [p for s in loaded.series for p in (*s.patches, *s.extras)]
    if args.patch is not None:
        patches = [p for p in patches if p.subject.counter == args.patch]
    if not patches:
        err("no patch found in the input" if args.patch is None else f"no patch {args.patch} in the input")
        return EXIT_ERROR
    if len(patches) > 1:
        err(f"{len(patches)} patches in the input: choose one with --patch N")
        return EXIT_ERROR
    patch = patches[0]
    try:
        result = split(patch)
    except SplitError as exc:
        err(f"cannot split {patch.mail.subject!r}: {exc}")
        return EXIT_FINDINGS
    parts = (result.prep, result.feature)
    if args.output_dir == "-":
        for part in parts:
            sys.stdout.write(part.mail)
        return EXIT_CLEAN
    try:
        os.makedirs(args.output_dir, exist_ok=True)
        for n, part in enumerate(parts, 1):
            path = os.path.join(args.output_dir, file_name(n, part.subject))
            with open(path, "w", encoding="utf-8") as f:
                f.write(part.mail)
            print(f"{path}: {part.files} file{'s' if part.files != 1 else ''}, "
                  f"+{part.insertions} -{part.deletions}: {part.subject}")
    except OSError as exc:
        err(f"cannot write to {args.output_dir}: {exc.strerror or exc}")
        return EXIT_ERROR
    print("Apply both in order (git am) and rewrite the subjects and changelogs marked REWRITE-ME.")
    return EXIT_CLEAN
