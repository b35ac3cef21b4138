"""reviewbot anatomy: what each changed line of a patch is."""

from __future__ import annotations

import sys

HELP = "show the anatomy of patches: which changed lines are moved, realigned, renamed, comments or new code"

_TAGS = {
    "moved": "moved",
    "moved-edited": "moved+edit",
    "whitespace": "whitespace",
    "renamed": "renamed",
    "comment": "comment",
    "new": "new",
    "deleted": "deleted",
}


def add_arguments(p) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="patch file, mbox (.gz ok), Maildir, or - for stdin (default: stdin)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--patch", type=int, metavar="N", default=None,
                   help="only patch N of the series (its counter, as in [PATCH N/M])")


def run(args) -> int:
    import json

    from ..anatomy import classify
    from ..cli import EXIT_CLEAN, EXIT_ERROR, err
    from ..loader import load

    loaded = load(args.paths, sys.stdin.buffer)
    for e in loaded.errors:
        err(f"{e.source}: {e.message}")
    patches = [p for s in loaded.series for p in (*s.patches, *s.extras)]
    if args.patch is not None:
        patches = [p for p in patches if p.subject.counter == args.patch or (args.patch == 1 and p.subject.counter is None)]
    if not patches:
        err("no patch found in the input")
        return EXIT_ERROR
    anatomies = [classify(p) for p in patches]
    try:
        if args.format == "json":
            json.dump({"patches": [as_dict(a) for a in anatomies]}, sys.stdout, indent=2)
            sys.stdout.write("\n")
        else:
            for i, a in enumerate(anatomies):
                if i:
                    sys.stdout.write("\n")
                sys.stdout.write(as_text(a))
    except OSError as exc:
        err(f"cannot write output: {exc.strerror or exc}")
        return EXIT_ERROR
    return EXIT_CLEAN


def _numbering(anatomy):
    """id(line) -> (piece number, piece)."""
    out = {}
    for n, piece in enumerate(anatomy.pieces, 1):
        for loc in (*piece.removed, *piece.added):
            out[id(loc.line)] = (n, piece)
    return out


def _piece_text(n: int, piece) -> str:
    kind = piece.kind.value
    if piece.kind.value in ("moved", "moved-edited"):
        what = f"{piece.name}: {piece.src} -> {piece.dst}"
    elif piece.kind.value == "deleted":
        what = f"{piece.name} at {piece.src}"
    else:
        what = f"{piece.name} at {piece.dst or piece.src}"
    if piece.edits:
        what += " (" + "; ".join(str(e) for e in piece.edits[:4]) + (f"; +{len(piece.edits) - 4} more" if len(piece.edits) > 4 else "") + ")"
    flag = "  [refactoring]" if piece.separable else ("  [with the edit]" if piece.tied else "")
    return f"  #{n:<3} {kind:<13} {what}{flag}"


def as_text(anatomy) -> str:
    patch = anatomy.patch
    numbers = _numbering(anatomy)
    refactors = [p for p in anatomy.pieces if p.separable]
    features = anatomy.feature_lines()
    if anatomy.is_pure_refactor:
        verdict = "pure refactoring"
    elif refactors and len(features) >= 2:
        verdict = "refactoring mixed with new code"
    elif refactors:
        verdict = "refactoring and small changes"
    else:
        verdict = "no refactoring"
    kinds: dict[str, int] = {}
    for p in anatomy.pieces:
        kinds[p.kind.value] = kinds.get(p.kind.value, 0) + 1
    out = [
        f"{patch.mail.subject}",
        f"  {verdict}; {len(features)} line{'s' if len(features) != 1 else ''} of new code; pieces: "
        + (", ".join(f"{v} {k}" for k, v in kinds.items()) or "none"),
    ]
    width = max((len(f"{_TAGS[p.kind.value]}#{n}") for n, p in enumerate(anatomy.pieces, 1)), default=8)
    width = max(width, 12)
    for fc in patch.files:
        out.append("")
        name = fc.path if fc.old_path in (None, fc.new_path) or fc.new_path is None else f"{fc.old_path} -> {fc.new_path}"
        if fc.is_binary:
            out.append(f"{name} (binary)")
            continue
        out.append(name)
        for h in fc.hunks:
            out.append(f"{'':{width}}  {h.header}")
            for ln in h.lines:
                num = ln.new if ln.kind != "-" else ln.old
                tag = ""
                if ln.kind != " " and id(ln) in numbers:
                    n, piece = numbers[id(ln)]
                    tag = f"{'reindent' if piece.tied else _TAGS[piece.kind.value]}#{n}"
                out.append(f"{tag:<{width}} {num if num is not None else '':>5} {ln.kind}{ln.text}".rstrip())
    out.append("")
    out.append("pieces:")
    out.extend(_piece_text(n, p) for n, p in enumerate(anatomy.pieces, 1))
    return "\n".join(out) + "\n"


def as_dict(anatomy) -> dict:
    patch = anatomy.patch
    numbers = _numbering(anatomy)
    s = patch.subject
    pieces = []
    for n, p in enumerate(anatomy.pieces, 1):
        pieces.append({
            "id": n,
            "kind": p.kind.value,
            "name": p.name,
            "refactoring": p.separable,
            "tied": p.tied,
            "from": p.src or None,
            "to": p.dst or None,
            "edits": [{"old": e.old, "new": e.new} for e in p.edits],
            "removed": [{"path": loc.path, "line": loc.number} for loc in p.removed],
            "added": [{"path": loc.path, "line": loc.number} for loc in p.added],
        })
    files = []
    for fc in patch.files:
        hunks = []
        for h in fc.hunks:
            lines = []
            for ln in h.lines:
                entry = {"kind": ln.kind, "old": ln.old, "new": ln.new, "text": ln.text}
                if ln.kind != " " and id(ln) in numbers:
                    n, piece = numbers[id(ln)]
                    entry["class"] = piece.kind.value
                    entry["piece"] = n
                lines.append(entry)
            hunks.append({"header": h.header, "lines": lines})
        files.append({"path": fc.path, "old_path": fc.old_path, "new_path": fc.new_path, "binary": fc.is_binary,
                      "hunks": hunks})
    return {
        "message_id": patch.message_id,
        "subject": patch.mail.subject,
        "index": s.counter,
        "total": s.total,
        "version": s.version,
        "source": patch.mail.source,
        "pure_refactoring": anatomy.is_pure_refactor,
        "feature_lines": [{"path": loc.path, "line": loc.number} for loc in anatomy.feature_lines()],
        "pieces": pieces,
        "files": files,
    }
