"""Split a patch into its preparatory refactoring and the rest.

``split(patch)`` takes the refactoring pieces of the patch's anatomy (code
moved, lines realigned, names changed: ``Piece.separable``) and writes two
patches:

1. the preparatory patch: only those pieces;
2. the feature patch: everything else, on top of the first.

Applying 1 and then 2 gives exactly what the original patch gives.  That
holds by construction: every line of every hunk goes to one of the two, a
line of the original pre-image that 1 keeps is context or removed in 2,
and a line 1 adds is context in 2; the intermediate file is the same seen
from both sides.  Line numbers are recomputed for both.

Blank lines next to a piece go with it (the blank after a moved block, the
one before a realigned run), so the intermediate file reads well.

The split is refused (``SplitError``, with the reason) when the pieces
cannot stand alone: lines moved into a function, a block or an ``#if``
the patch adds (a helper extracted from existing code: the new function
and the move are one change), braces of a hunk that the split would
unbalance, binary files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .anatomy import Anatomy, Piece, PieceKind, classify
from .model import FileChange, Hunk, Line, Patch

CONTEXT = 3  # context lines kept around the changes of a hunk
MARK = "REWRITE-ME"


class SplitError(Exception):
    """The patch cannot be split cleanly; the message says why."""


@dataclass(frozen=True)
class Part:
    """One of the two patches: its subject, its mail text, its diff."""

    subject: str
    mail: str
    diff: str
    files: int
    insertions: int
    deletions: int


@dataclass(frozen=True)
class Split:
    prep: Part
    feature: Part
    pieces: tuple[Piece, ...]  # what the preparatory patch holds


def split(patch: Patch, anatomy: Anatomy | None = None) -> Split:
    anatomy = anatomy or classify(patch)
    pieces = tuple(p for p in anatomy.pieces if p.separable)
    if not pieces:
        raise SplitError("nothing to split: the patch moves, realigns and renames nothing")
    if anatomy.is_pure_refactor or not [p for p in anatomy.pieces if not p.separable and p.kind is not PieceKind.COMMENT]:
        raise SplitError("nothing to split: the whole patch is refactoring (moves, realignments, renames)")
    for fc in patch.files:
        if fc.is_binary:
            raise SplitError(f"{fc.path}: a binary file cannot be split")
    prep = {id(loc.line) for p in pieces for loc in (*p.removed, *p.added)}
    _attach_glue(anatomy, pieces, prep)
    _attach_blank_lines(patch, prep)
    _detach_misplaced(patch, prep, {id(loc.line) for p in pieces for loc in p.added})
    _check_separable(patch, prep, pieces)
    prep_files: list[str] = []
    feature_files: list[str] = []
    counts = {"prep": [0, 0, 0], "feature": [0, 0, 0]}
    for fc in patch.files:
        a, b = _split_file(fc, prep)
        for name, text in (("prep", a), ("feature", b)):
            if text is None:
                continue
            (prep_files if name == "prep" else feature_files).append(text)
            c = counts[name]
            c[0] += 1
            c[1] += sum(1 for ln in text.splitlines() if ln.startswith("+") and not ln.startswith("+++ "))
            c[2] += sum(1 for ln in text.splitlines() if ln.startswith("-") and not ln.startswith("--- "))
    if not prep_files or not feature_files:
        raise SplitError("nothing to split: one of the two parts would be empty")
    title = patch.subject.title or patch.mail.subject
    prefix, _, rest = title.rpartition(": ")
    prefix = f"{prefix}: " if prefix else ""
    total = "1/2", "2/2"
    prep_subject = f"[PATCH {total[0]}] {prefix}{MARK}: preparatory refactoring for \"{rest or title}\""
    feature_subject = f"[PATCH {total[1]}] {title}"
    prep_body = _prep_message(patch, pieces, title)
    feature_body = _feature_message(patch)
    prep_diff = "".join(prep_files)
    feature_diff = "".join(feature_files)
    return Split(
        Part(prep_subject, _mail(patch, prep_subject, prep_body, prep_diff, prep_files), prep_diff, *counts["prep"]),
        Part(feature_subject, _mail(patch, feature_subject, feature_body, feature_diff, feature_files), feature_diff,
             *counts["feature"]),
        pieces,
    )


# -- which lines go first ------------------------------------------------------


_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
_EXPORT = re.compile(r"^\s*EXPORT_SYMBOL\w*\(\s*(\w+)\s*\)")


def _attach_glue(anatomy: Anatomy, pieces: tuple[Piece, ...], prep: set[int]) -> None:
    """What a move needs to stand alone goes with it: the header guard,
    SPDX line and includes of a file it creates, an ``#include`` of the
    file it moves code into, the ``EXPORT_SYMBOL`` of a moved function, and
    lines it carries along unchanged that were too small to count as a
    move of their own (a forward declaration)."""
    from .anatomy import _is_glue, _names, line_key

    dests = {loc.path for p in pieces if p.kind in _MOVES for loc in p.added}
    created = {fc.path for fc in anatomy.patch.files if fc.is_new and fc.path in dests}
    moved = {n[:-2] for p in pieces if p.kind in _MOVES for n in _names(p.added) if n.endswith("()")}
    rest = [p for p in anatomy.pieces if not p.separable]
    for p in rest:
        for loc in p.added:
            text = loc.text
            inc = _INCLUDE.match(text)
            exp = _EXPORT.match(text)
            if (
                (loc.path in created and text.strip() and _is_glue(loc, set()))
                or (inc and any(d.endswith("/" + inc.group(1)) or d == inc.group(1) for d in dests))
                or (exp and exp.group(1) in moved)
            ):
                prep.add(id(loc.line))
    # carried along: removed here, added unchanged where the pieces go
    landed = {
        (loc.path, line_key(loc.text, loc.path.endswith((".c", ".h"))))
        for p in anatomy.pieces for loc in p.added if id(loc.line) in prep
    }
    keys_in = {k for _, k in landed}
    for p in rest:
        for loc in p.removed:
            key = line_key(loc.text, loc.path.endswith((".c", ".h")))
            if loc.text.strip() and key in keys_in:
                prep.add(id(loc.line))
        for loc in p.added:
            if id(loc.line) in prep or not loc.text.strip() or loc.path not in dests:
                continue
            key = line_key(loc.text, loc.path.endswith((".c", ".h")))
            if any(line_key(r.text, r.path.endswith((".c", ".h"))) == key for q in rest for r in q.removed):
                prep.add(id(loc.line))
                for q in rest:
                    for r in q.removed:
                        if line_key(r.text, r.path.endswith((".c", ".h"))) == key:
                            prep.add(id(r.line))


def _attach_blank_lines(patch: Patch, prep: set[int]) -> None:
    """A changed blank line beside a piece goes with it when that keeps the
    intermediate file tidy: an added blank that would separate two
    non-blank lines, a removed blank that would otherwise double the blank
    line before or after it."""
    for fc in patch.files:
        for h in fc.hunks:
            lines = list(h.lines)
            decided: dict[int, bool] = {}

            def present(ln: Line) -> bool:
                if id(ln) in decided:
                    return decided[id(ln)] if ln.kind == "+" else not decided[id(ln)]
                if ln.kind == " ":
                    return True
                return (id(ln) in prep) == (ln.kind == "+")

            def near_piece(i: int) -> bool:
                kind = lines[i].kind
                for step in (-1, 1):
                    j = i + step
                    while 0 <= j < len(lines) and lines[j].kind == kind and not lines[j].text.strip():
                        j += step
                    if 0 <= j < len(lines) and lines[j].kind == kind and id(lines[j]) in prep:
                        return True
                return False

            for i, ln in enumerate(lines):
                if ln.kind == " " or ln.text.strip() or id(ln) in prep or not near_piece(i):
                    continue
                before = next((x for x in reversed(lines[:i]) if present(x)), None)
                after = next((x for x in lines[i + 1 :] if present(x)), None)
                blank_before = before is None or not before.text.strip()
                blank_after = after is None or not after.text.strip()
                if ln.kind == "+":
                    attach = not blank_before and not blank_after
                else:
                    attach = blank_before or blank_after
                decided[id(ln)] = attach
                if attach:
                    prep.add(id(ln))


_MOVES = (PieceKind.MOVED, PieceKind.MOVED_EDITED)
_OPEN = re.compile(r"^\s*#\s*(if|ifdef|ifndef)\b")
_CLOSE = re.compile(r"^\s*#\s*endif\b")


def _delta(text: str) -> int:
    code = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', '""', text)
    code = re.sub(r"/\*.*?\*/|//.*$", "", code)
    return code.count("{") - code.count("}") + (1 if _OPEN.match(code) else 0) - (1 if _CLOSE.match(code) else 0)


def _detach_misplaced(patch: Patch, prep: set[int], own: set[int]) -> None:
    """A blank or carried-along line that would land inside a block the
    feature adds stays with the feature (the pieces themselves are checked
    by ``_check_separable``)."""
    for fc in patch.files:
        if not fc.is_c:
            continue
        for h in fc.hunks:
            changed = True
            while changed:
                changed = False
                final = inter = 0
                for ln in h.lines:
                    if ln.kind == "+" and id(ln) in prep and id(ln) not in own and final != inter:
                        prep.discard(id(ln))
                        changed = True
                        break
                    d = _delta(ln.text)
                    if ln.kind in " +":
                        final += d
                    if ln.kind == " " or (ln.kind == "+" and id(ln) in prep) or (ln.kind == "-" and id(ln) not in prep):
                        inter += d


def _check_separable(patch: Patch, prep: set[int], pieces: tuple[Piece, ...]) -> None:
    """Each piece must stand alone: at the same depth (braces and #if) in
    the intermediate file as in the result, and the braces of every hunk
    must stay balanced in both parts."""
    for fc in patch.files:
        if not fc.is_c:
            continue
        for h in fc.hunks:
            final = inter = 0
            for ln in h.lines:
                if ln.kind == "+" and id(ln) in prep and final != inter:
                    piece = next((p for p in pieces if any(loc.line is ln for loc in p.added)), None)
                    raise SplitError(
                        f"{fc.path}:{ln.new}: {_what(piece)} would land inside a function, block or #if that "
                        "this patch adds: the refactoring and the new code around it are one change "
                        "(split by hand, e.g. add the new function first)"
                    )
                d = _delta(ln.text)
                if ln.kind in " +":
                    final += d
                if ln.kind == " " or (ln.kind == "+" and id(ln) in prep) or (ln.kind == "-" and id(ln) not in prep):
                    inter += d
            moved_in = sum(_delta(ln.text) for ln in h.lines if ln.kind == "+" and id(ln) in prep)
            moved_out = sum(_delta(ln.text) for ln in h.lines if ln.kind == "-" and id(ln) in prep)
            if moved_in != moved_out:
                raise SplitError(
                    f"{fc.path} {_where(h)}: the refactoring opens or closes a block that the rest of the "
                    "patch closes or opens; the two parts would not compile apart"
                )


def _what(piece: Piece | None) -> str:
    if piece is None:
        return "a blank line or a line carried along with the refactoring"
    if piece.kind in _MOVES:
        return f"the move of {piece.name}"
    if piece.kind is PieceKind.RENAMED:
        return f"the rename {piece.name}"
    return f"the realignment of {piece.name}"


def _where(h: Hunk) -> str:
    return h.header.split(" @@")[0] + " @@"


# -- writing the diffs ---------------------------------------------------------


def _split_file(fc: FileChange, prep: set[int]) -> tuple[str | None, str | None]:
    """The diff text of ``fc`` in the preparatory and in the feature patch
    (None where the file has nothing to do)."""
    old_path = fc.old_path
    new_path = fc.new_path
    renamed = old_path is not None and new_path is not None and old_path != new_path
    prep_hunks: list[tuple[int, int, int, int, str, list[tuple[str, str]]]] = []
    feat_hunks: list[tuple[int, int, int, int, str, list[tuple[str, str]]]] = []
    prep_shift = 0  # rows the preparatory hunks above add to the intermediate
    feat_shift = 0
    all_removed_in_prep = True
    prep_adds = False
    for h in fc.hunks:
        p_lines: list[tuple[str, str]] = []
        f_lines: list[tuple[str, str]] = []
        for ln in h.lines:
            first = id(ln) in prep
            if ln.kind == " ":
                p_lines.append((" ", ln.text))
                f_lines.append((" ", ln.text))
            elif ln.kind == "-":
                if first:
                    p_lines.append(("-", ln.text))
                else:
                    all_removed_in_prep = False
                    p_lines.append((" ", ln.text))
                    f_lines.append(("-", ln.text))
            else:
                if first:
                    prep_adds = True
                    p_lines.append(("+", ln.text))
                    f_lines.append((" ", ln.text))
                else:
                    f_lines.append(("+", ln.text))
        old_len = h.old_len
        anchor = h.old_start if old_len else h.old_start + 1  # the first pre-image row of the hunk
        p_new = sum(1 for k, _ in p_lines if k != "-")
        inter = anchor + prep_shift
        if any(k != " " for k, _ in p_lines):
            prep_hunks.append((anchor, old_len, inter, p_new, h.section, p_lines))
        f_old = sum(1 for k, _ in f_lines if k != "+")
        f_new = sum(1 for k, _ in f_lines if k != "-")
        if any(k != " " for k, _ in f_lines):
            feat_hunks.append((inter, f_old, inter + feat_shift, f_new, h.section, f_lines))
        prep_shift += p_new - old_len
        feat_shift += f_new - f_old
    # the preparatory patch
    prep_text = None
    if prep_hunks or renamed:
        creates = fc.is_new
        deletes = fc.is_deleted and all_removed_in_prep and not prep_adds
        if creates and not prep_adds:
            prep_text = None
        else:
            src = None if creates else old_path
            dst = None if deletes else new_path
            prep_text = _file_header(fc, src, dst, creates, deletes, renamed) + "".join(
                _hunk_text(*hk) for hk in prep_hunks
            )
    # the feature patch: the file as the preparatory patch left it
    feat_text = None
    if feat_hunks or (renamed and prep_text is None):
        prep_created = fc.is_new and prep_text is not None
        prep_deleted = fc.is_deleted and prep_text is not None and "deleted file mode" in prep_text
        if not prep_deleted:
            creates = fc.is_new and not prep_created
            deletes = fc.is_deleted
            src_path = new_path if (renamed and prep_text is not None) or prep_created else old_path
            src = None if creates else src_path
            dst = None if deletes else new_path
            feat_text = _file_header(fc, src, dst, creates, deletes, renamed and prep_text is None) + "".join(
                _hunk_text(*hk) for hk in feat_hunks
            )
    return prep_text, feat_text


def _mode(fc: FileChange, word: str) -> str:
    for h in fc.header:
        if h.startswith(word):
            return h.split()[-1]
    return "100644"


def _file_header(fc: FileChange, src: str | None, dst: str | None, creates: bool, deletes: bool, renamed: bool) -> str:
    a = src or dst or fc.path
    b = dst or src or fc.path
    out = [f"diff --git a/{a} b/{b}\n"]
    if creates:
        out.append(f"new file mode {_mode(fc, 'new file mode')}\n")
    elif deletes:
        out.append(f"deleted file mode {_mode(fc, 'deleted file mode')}\n")
    if renamed:
        out.append(f"rename from {a}\nrename to {b}\n")
    out.append(f"--- {'a/' + src if src else '/dev/null'}\n")
    out.append(f"+++ {'b/' + dst if dst else '/dev/null'}\n")
    return "".join(out)


def _hunk_text(old_pos: int, old_len: int, new_pos: int, new_len: int, section: str, lines: list[tuple[str, str]]) -> str:
    # keep CONTEXT lines of context at each end
    first = next(i for i, (k, _) in enumerate(lines) if k != " ")
    last = max(i for i, (k, _) in enumerate(lines) if k != " ")
    lead = max(0, first - CONTEXT)
    tail = max(0, len(lines) - 1 - last - CONTEXT)
    kept = lines[lead : len(lines) - tail]
    old_pos += lead
    new_pos += lead
    old_len = sum(1 for k, _ in kept if k != "+")
    new_len = sum(1 for k, _ in kept if k != "-")
    o = old_pos if old_len else old_pos - 1
    n = new_pos if new_len else new_pos - 1
    head = f"@@ -{o},{old_len} +{n},{new_len} @@"
    if section:
        head += f" {section}"
    return head + "\n" + "".join(f"{k}{t}\n" for k, t in kept)


# -- the mails -----------------------------------------------------------------


def _trailers(patch: Patch, keep: tuple[str, ...] | None = None) -> list[str]:
    return [f"{k}: {v}" for k, v in patch.trailers if keep is None or k.lower() in keep]


def _describe(piece: Piece) -> str:
    if piece.kind is PieceKind.WHITESPACE:
        return f"realign {piece.name} ({piece.dst})"
    if piece.kind is PieceKind.RENAMED:
        return f"rename {piece.name} ({len(piece.added)} lines)"
    text = f"move {piece.name} from {piece.src} to {piece.dst}"
    if piece.edits:
        text += f", changing {'; '.join(str(e) for e in piece.edits[:3])} on the way"
    return text


def _in_body_from(patch: Patch) -> tuple[str, str]:
    """(git's in-body ``From:`` line or "", the message without it)."""
    message = patch.message.rstrip()
    if message.startswith("From:"):
        first, _, rest = message.partition("\n")
        return first, rest.lstrip("\n")
    return "", message


def _prep_message(patch: Patch, pieces: tuple[Piece, ...], title: str) -> str:
    author, _ = _in_body_from(patch)
    lines = [
        *([author, ""] if author else []),
        f"{MARK}: reviewbot split this preparatory refactoring out of",
        f'"{title}".',
        "Say what moves where and why, and that nothing else changes.",
        "",
        "It does:",
        *(f"- {_describe(p)}" for p in pieces),
        "",
        *_trailers(patch, ("signed-off-by", "co-developed-by")),
    ]
    return "\n".join(lines).rstrip() + "\n"


def _feature_message(patch: Patch) -> str:
    in_body_from, message = _in_body_from(patch)
    note = (
        f"{MARK}: reviewbot moved the preparatory refactoring of this patch into\n"
        "the patch before it.  Drop what this changelog says about it, and check\n"
        "that the review tags below still apply.\n"
    )
    head = f"{in_body_from}\n\n" if in_body_from else ""
    return f"{head}{note}\n{message}\n"


def _diffstat(files: list[str]) -> str:
    rows = []
    adds_total = dels_total = 0
    for text in files:
        first = text.split("\n", 1)[0]
        m = re.match(r"diff --git a/(\S+) b/(\S+)", first)
        path = m.group(2) if m else "?"
        if m and m.group(1) != m.group(2):
            path = f"{m.group(1)} => {m.group(2)}"
        body = [ln for ln in text.splitlines() if not ln.startswith(("+++ ", "--- "))]
        adds = sum(1 for ln in body if ln.startswith("+"))
        dels = sum(1 for ln in body if ln.startswith("-"))
        adds_total += adds
        dels_total += dels
        rows.append((path, adds, dels))
    width = max((len(p) for p, _, _ in rows), default=0)
    out = [f" {p.ljust(width)} | {a + d:>3} {'+' * min(a, 40)}{'-' * min(d, 40)}" for p, a, d in rows]
    n = len(rows)
    out.append(
        f" {n} file{'s' if n != 1 else ''} changed, {adds_total} insertion{'s' if adds_total != 1 else ''}(+), "
        f"{dels_total} deletion{'s' if dels_total != 1 else ''}(-)"
    )
    return "\n".join(out) + "\n"


def _mail(patch: Patch, subject: str, body: str, diff: str, files: list[str]) -> str:
    return (
        "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"
        f"From: {patch.mail.from_}\n"
        f"Date: {patch.mail.date}\n"
        f"Subject: {subject}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n"
        f"{body}"
        "---\n"
        f"{_diffstat(files)}"
        "\n"
        f"{diff}"
        "-- \n"
        "reviewbot split\n"
        "\n"
    )


def file_name(number: int, subject: str) -> str:
    """``0001-x86-virt-tdx-reject-updates.patch``, as git format-patch names them."""
    title = re.sub(r"^\[[^\]]*\]\s*", "", subject)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")[:52].rstrip("-")
    return f"{number:04d}-{slug or 'patch'}.patch"
