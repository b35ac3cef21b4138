"""#define lines of a patch: continuations joined, comments and #if 0 left out."""

from reviewbot import docs
from reviewbot.defines import patch_defines


def _defines(code):
    return [(d.name, d.value, d.line) for d in patch_defines(docs.example_patch("c", {}, code).files)]


def test_commented_out_define_is_not_a_definition():
    code = "/*\n#define FOO_VID 00-00000000-00000FFF\n*/\n#define FOO_VID 0x00000FFF\n"
    assert _defines(code) == [("FOO_VID", "0x00000FFF", 4)]


def test_if_0_block_is_skipped_but_its_else_is_live():
    code = "#if 0\n#define A 1\n#if X\n#define B 2\n#endif\n#else\n#define A 3\n#endif\n#define C 4 /* c */\n"
    assert _defines(code) == [("A", "3", 7), ("C", "4", 9)]


def test_continuation_lines_are_joined():
    code = "#define M(x) \\\n\t((x) << 4)\n"
    assert _defines(code) == [("M", "((x) << 4)", 1)]
