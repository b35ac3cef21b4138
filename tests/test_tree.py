"""reviewbot.tree: post-images from a kernel tree, includes, the index."""

import os
import shutil

import pytest

from reviewbot import cscan, docs
from reviewbot.engine import Engine, all_rules, find_rule
from reviewbot.tree import KernelTree, apply_file, safe_path

TDX_C = "arch/x86/virt/vmx/tdx/tdx.c"


def diff_patch(diff: str, title="tree-test"):
    return docs.example_patch("diff", {}, diff, title=title)


def test_safe_path():
    assert safe_path("drivers/hv/hv.c") == "drivers/hv/hv.c"
    for bad in ("/etc/passwd", "../x.c", "a/../../x.c", "a//b.c", "", None, "a/..", "x\0y"):
        assert safe_path(bad) is None


ONE_FILE = """diff --git a/a.c b/a.c
--- a/a.c
+++ b/a.c
@@ -3,3 +3,4 @@ int f(void)
 b
 c
+X
 d
@@ -8,2 +9,2 @@
 g
-h
+H
"""


@pytest.mark.parametrize(
    "text",
    ["a b c d e f g h i", "q r s t a b c d e f g h i", "b c d e f g h i", "a b  c d e f g h i".replace("  ", " ")],
)
def test_apply_numbers_rows_as_the_patch_does(text):
    fc = diff_patch(ONE_FILE).files[0]
    out, rows = apply_file("\n".join(text.split()) + "\n", fc, number=True)
    numbered = dict(zip(out.split("\n"), rows))
    assert (numbered["b"], numbered["X"], numbered["d"], numbered["g"], numbered["H"]) == (3, 5, 6, 9, 10)
    assert "h" not in numbered


def test_apply_already_applied_and_not_applying():
    from reviewbot.tree import ApplyError

    fc = diff_patch(ONE_FILE).files[0]
    out, _ = apply_file("a\nb\nc\nX\nd\ne\nf\ng\nH\ni\n", fc)
    assert out.split() == "a b c X d e f g H i".split()
    with pytest.raises(ApplyError, match="hunk #1"):
        apply_file("a\nb\nzz\nd\n", fc)


def test_apply_fuzz_whitespace():
    fc = diff_patch(ONE_FILE).files[0]
    out, _ = apply_file("a\nb \nc\nd\ne\nf\ng\nh\n", fc)
    assert out.split() == "a b c X d e f g H".split()


@pytest.fixture
def tree(fixtures, tmp_path):
    return KernelTree(str(fixtures / "tree"), cache_dir=str(tmp_path / "cache"))


def test_headers_resolve_two_levels(tree):
    text = tree.read(TDX_C)
    assert tree.headers(TDX_C, text) == (
        "include/linux/errno.h", "arch/x86/include/asm/tdx.h",
        "include/uapi/asm-generic/errno-base.h", "include/linux/bits.h", "arch/x86/include/asm/trapnr.h",
    )


def test_index_and_cache(fixtures, tmp_path):
    root = tmp_path / "tree"
    shutil.copytree(fixtures / "tree", root)
    cache = tmp_path / "cache"
    t = KernelTree(str(root), cache_dir=str(cache))
    idx = t.index()
    assert idx.defines["HV_STATUS_INVALID_PARAMETER"][0][3] == "5"
    assert "HV_STATUS_OLD_UNUSED" not in idx.defines  # inside #if 0
    assert idx.helpers["hv_result"][0] == "HV_HYPERCALL_RESULT_MASK"
    assert idx.returns["hv_do_hypercall"] == {"u64"}
    assert ("hv_result()", "HV_STATUS_SUCCESS") in {(c[0], c[1]) for c in idx.compares}
    assert len(os.listdir(cache)) == 1
    # a second tree object reads the cache; a changed header rebuilds it
    assert KernelTree(str(root), cache_dir=str(cache)).index().defines == idx.defines
    h = root / "include/asm-generic/hyperv-tlfs.h"
    h.write_text(h.read_text().replace("#define HV_STATUS_ACCESS_DENIED\t\t\t6", "#define HV_STATUS_ACCESS_DENIED\t\t\t7"))
    again = KernelTree(str(root), cache_dir=str(cache)).index()
    assert again.defines["HV_STATUS_ACCESS_DENIED"][0][3] == "7"


def test_enum_constants():
    text = "enum foo {\n\tFOO_A,\n\tFOO_B = 4, /* four */\n\tFOO_C,\n};\n"
    got = [(d.name, d.value, d.line) for d in cscan.enum_constants(text)]
    assert got == [("FOO_A", "0", 2), ("FOO_B", "4", 3), ("FOO_C", "(FOO_B) + 1", 4)]


def test_dead_rows():
    lines = ["a", "#if 0", "b", "#else", "c", "#endif", "#ifdef X", "#if 0", "d", "#endif", "#endif"]
    assert sorted(cscan.dead_rows(lines)) == [1, 2, 3, 7, 8, 9]


SHUTDOWN = """diff --git a/arch/x86/virt/vmx/tdx/tdx.c b/arch/x86/virt/vmx/tdx/tdx.c
--- a/arch/x86/virt/vmx/tdx/tdx.c
+++ b/arch/x86/virt/vmx/tdx/tdx.c
@@ -20,7 +20,9 @@ static int tdx_rnd_status(struct tdx_module_args *args)
 int tdx_module_shutdown(void)
 {
 	struct tdx_module_args args = {};
 	int ret;
 
+	if ((args.rcx & TDX_SEAMCALL_STATUS_MASK) == TDX_RND_NO_ENTROPY + 1)
+		return -EBUSY;
 	ret = tdx_rnd_status(&args);
 	if (ret)
 		return ret;
"""


def test_engine_with_tree_uses_header_macros(tree):
    rb202 = find_rule(all_rules(), "RB202")
    patch = diff_patch(SHUTDOWN)
    alone, _ = Engine([rb202]).review(patch)
    assert alone == ()  # the patch shows neither macro
    findings, problems = Engine([rb202], tree=tree).review(patch)
    assert problems == ()
    (f,) = findings
    assert (f.path, f.line) == (TDX_C, 25)
    assert "TDX_SEAMCALL_STATUS_MASK = 0xffffffff00000000" in f.message


def test_patch_that_does_not_apply_falls_back_to_hunks(tree):
    rb202 = find_rule(all_rules(), "RB202")
    patch = diff_patch(SHUTDOWN.replace(" \tint ret;\n", " \tint rc;\n"))
    findings, problems = Engine([rb202], tree=tree).review(patch)
    assert [p.message for p in problems] == [
        f"{TDX_C}: the patch does not apply to the tree (hunk #1 (@@ -20,7 +20,9 @@) does not match the tree): "
        "reviewing its hunks alone"
    ]
    assert [f.line for f in findings] == [25]  # macros still come from the headers


def test_hits_inside_if0_are_dropped():
    rb202 = find_rule(all_rules(), "RB202")
    code = "int f(u32 x)\n{\n#if 0\n\tif ((x & 0xf) == 0x10)\n\t\treturn 1;\n#endif\n\treturn (x & 0xf) == 0x10;\n}\n"
    findings, _ = Engine([rb202]).review(docs.example_patch("c", {}, code))
    assert [f.line for f in findings] == [7]
