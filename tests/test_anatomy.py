"""reviewbot.anatomy: which changed lines are moves, realignments, new code."""

import dataclasses
import pathlib

import pytest

from reviewbot import docs
from reviewbot.anatomy import Anatomy, Piece, PieceKind, c_tokens, classify, line_key

FIX = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "rb401"


def anatomy(name: str, where: str = "fires") -> Anatomy:
    text = (FIX / where / f"{name}.diff").read_text()
    return classify(docs.example_patch("diff", {}, text, title="anatomy"))


def test_c_tokens_ignore_whitespace_but_not_strings():
    assert c_tokens("a+b") == c_tokens("a + b") == ["a", "+", "b"]
    assert line_key("x = \"a  b\";", True) != line_key("x = \"a b\";", True)
    assert line_key("#define FOO\t\t1", True) == line_key("#define FOO 1", True)
    assert line_key("  depends on  I2C ", False) == "depends on I2C"


def test_cross_file_define_move():
    a = anatomy("define-moved-to-header")
    (move,) = a.moves
    assert move.kind is PieceKind.MOVED
    assert move.name == "FOO_STATUS_MASK"
    assert (move.src, move.dst) == ("drivers/hwmon/foo.c:23", "drivers/hwmon/foo.h:13")
    assert move.removed[0].line.old == 23 and move.added[0].line.new == 13
    assert len(a.feature_lines()) >= 2


def test_moved_edited_carries_the_edit_and_the_comment():
    a = anatomy("define-moved-and-changed")
    (move,) = a.moves
    assert move.kind is PieceKind.MOVED_EDITED
    assert [str(e) for e in move.edits] == ["BIT(18) -> BIT_ULL(18)"]
    assert len(move.added) == 2  # the comment line and the macro


def test_realignment_is_whitespace_piece():
    a = anatomy("defines-realigned-beside-new-define")
    (ws,) = a.of_kind(PieceKind.WHITESPACE)
    assert ws.name == "BAZ_CMD_GET, BAZ_CMD_SET"
    assert ws.dst == "drivers/platform/x86/baz.c:22-23"


def test_reindent_is_new_code_not_whitespace():
    a = anatomy("reindent-into-new-block", "quiet")
    assert not a.refactors
    assert a.of_kind(PieceKind.NEW)


def test_pure_move_has_no_feature_lines():
    a = anatomy("pure-move-to-other-file", "quiet")
    assert a.moves and a.feature_lines() == ()


def test_idioms_are_not_moves():
    assert not anatomy("trivial-lines-moved", "quiet").moves
    assert not anatomy("idiom-duplicated", "quiet").moves


def test_every_changed_line_is_in_one_piece():
    a = anatomy("helper-extracted-and-extended")
    seen = [id(loc.line) for p in a.pieces for loc in (*p.removed, *p.added)]
    assert len(seen) == len(set(seen))
    changed = [ln for fc in a.patch.files for h in fc.hunks for ln in h.lines if ln.kind != " "]
    assert len(seen) == len(changed)


def test_pieces_are_frozen():
    a = anatomy("define-moved-to-header")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.pieces[0].kind = PieceKind.NEW  # type: ignore[misc]
    assert all(isinstance(p, Piece) for p in a.pieces)
