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


def test_reindent_is_whitespace_tied_to_the_edit():
    a = anatomy("reindent-into-new-block", "quiet")
    assert not a.refactors
    assert a.of_kind(PieceKind.NEW)
    (ws,) = a.of_kind(PieceKind.WHITESPACE)
    assert ws.tied and not ws.separable and len(ws.added) == 3
    assert [loc.text.strip() for loc in a.feature_lines()] == ["if (!data->skip_init) {"]


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


SPLIT = FIX.parent.parent / "split"


def test_consistent_rename_with_its_definition():
    a = classify(docs.example_patch("diff", {}, (SPLIT / "rename-and-feature.diff").read_text(), title="anatomy"))
    (ren,) = a.of_kind(PieceKind.RENAMED)
    assert ren.name == "foo_read_reg -> foo_read_register"
    assert [str(e) for e in ren.edits] == ["foo_read_reg -> foo_read_register"]
    assert len(ren.added) == 3 and ren.separable
    assert ren in a.refactors


def test_api_change_is_not_a_rename():
    diff = """\
diff --git a/drivers/misc/a.c b/drivers/misc/a.c
index 1111111..2222222 100644
--- a/drivers/misc/a.c
+++ b/drivers/misc/a.c
@@ -10,6 +10,6 @@ static void a_free(struct a *a)
 {
-	kfree(a->buf);
-	kfree(a->map);
+	kvfree(a->buf);
+	kvfree(a->map);
 	a->buf = NULL;
 	a->map = NULL;
 }
"""
    a = classify(docs.example_patch("diff", {}, diff, title="anatomy"))
    assert not a.of_kind(PieceKind.RENAMED)  # kfree is not defined here: a change of API


def test_comment_only_changes():
    a = anatomy("comment-space-beside-conversion", "quiet")
    (c,) = a.of_kind(PieceKind.COMMENT)
    assert c.added[0].text == "/* One bin sysfs for metrics table */"
    assert not a.refactors


@pytest.mark.parametrize(
    "name",
    ["struct-members-inlined", "struct-edited-and-realigned", "table-entries-diff-artefact",
     "realigned-after-removal", "table-entries-restyled"],
)
def test_former_false_moves_and_realignments(name):
    """Members inlined where their struct is removed; an initializer that
    loses a member and is realigned; look-alike table entries that diff
    paired across a long insertion; an assignment realigned with what is
    left after the lines around it were removed; a table entry restyled
    like the new ones beside it: none of these is a refactor."""
    assert not anatomy(name, "quiet").refactors


def test_deref_is_code_not_a_comment():
    from reviewbot.anatomy import comment_flags

    assert comment_flags(["\t*val = 1;", " * text", "/* a */ x = 1;", "x = 1; // c"], "c") == [False, True, False, False]
    assert comment_flags(["# CONFIG_FOO is not set", "obj-y += a.o"], "hash") == [True, False]


def test_anatomy_command_text_and_json(capsys):
    import json

    from reviewbot.cli import main

    ref = FIX.parent.parent / "tdx-v8-16.patch"
    assert main(["anatomy", str(ref)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("[PATCH v8 16/21] x86/virt/tdx: Reject updates during concurrent TD build\n")
    assert "refactoring mixed with new code" in out
    assert "moved#1         29 +#define TDX_SEAMCALL_STATUS_MASK" in out
    assert "whitespace#3    32 -#define TDX_SUCCESS" in out
    assert "moved+edit#5    39 +#define TDX_FEATURES0_NO_RBP_MOD\tBIT_ULL(18)" in out
    assert "(BIT(18) -> BIT_ULL(18))  [refactoring]" in out
    assert main(["anatomy", "--format", "json", str(ref)]) == 0
    data = json.loads(capsys.readouterr().out)
    (p,) = data["patches"]
    kinds = [(x["kind"], x["name"]) for x in p["pieces"] if x["refactoring"]]
    assert kinds == [("moved", "TDX_SEAMCALL_STATUS_MASK"), ("whitespace", "TDX_SUCCESS, TDX_RND_NO_ENTROPY"),
                     ("moved-edited", "TDX_FEATURES0_NO_RBP_MOD")]
    line = p["files"][0]["hunks"][0]["lines"][3]
    assert (line["kind"], line["new"], line["class"], line["piece"]) == ("+", 29, "moved", 1)
    assert p["pure_refactoring"] is False and len(p["feature_lines"]) >= 2


def test_anatomy_command_without_patch(tmp_path, capsys):
    from reviewbot.cli import main

    empty = tmp_path / "x.mbox"
    empty.write_text("")
    assert main(["anatomy", str(empty)]) == 2
