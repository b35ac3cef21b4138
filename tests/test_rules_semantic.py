"""RB203-RB306 on real-shaped patches, with and without a kernel tree.

``fixtures/tree`` is a small synthetic kernel tree (TDX- and Hyper-V-shaped
headers); the patches under ``fixtures/rules/rb203`` and ``rb30x`` apply to it.
"""

import os
import pathlib

import pytest

from reviewbot.engine import Engine, all_rules, select_rules
from reviewbot.loader import load
from reviewbot.tree import KernelTree

RULES = select_rules(all_rules(), ["RB202", "RB203", "RB304", "RB305", "RB306"])
TDX_C = "arch/x86/virt/vmx/tdx/tdx.c"


def review(fixtures, name, tree=None, tmp=None):
    loaded = load([str(fixtures / name)])
    kt = None
    if tree:
        kt = KernelTree(str(fixtures / "tree"), cache_dir=str(tmp / "cache"))
        kt.register(loaded.series)
    result = Engine(RULES, tree=kt).run(loaded.series)
    return [(f.rule.code, f.path, f.line) for r in result.patches for f in r.findings], result


WITH_TREE = {
    "rules/rb203/hv-raw-status.patch": [("RB203", "drivers/hv/hv_proc.c", 25)],
    "rules/rb203/hv-switch.patch": [("RB203", "drivers/hv/hv_proc.c", 14)],
    "rules/rb203/tdx-raw-status.patch": [("RB203", TDX_C, 39)],
    "rules/rb203/tdx-masked-quiet.patch": [],
    "rules/rb30x/tdx-codes.patch": [("RB304", "arch/x86/include/asm/tdx.h", 33),
                                    ("RB304", "arch/x86/include/asm/tdx.h", 34)],
    "rules/rb30x/tdx-truncated.patch": [("RB305", TDX_C, 26), ("RB305", TDX_C, 27), ("RB305", TDX_C, 41)],
    "rules/rb30x/hv-overwritten.patch": [("RB306", "drivers/hv/hv_proc.c", 26), ("RB306", "drivers/hv/hv_proc.c", 40)],
}
# without the tree, a patch shows too little to learn the family or the types
WITHOUT_TREE = {
    "rules/rb203/hv-raw-status.patch": [],
    "rules/rb203/tdx-raw-status.patch": [],
    "rules/rb30x/tdx-codes.patch": [("RB304", "arch/x86/include/asm/tdx.h", 34)],
    "rules/rb30x/tdx-truncated.patch": [("RB305", TDX_C, 41)],  # the u64 local is in the hunk
    "rules/rb30x/hv-overwritten.patch": [("RB306", "drivers/hv/hv_proc.c", 26), ("RB306", "drivers/hv/hv_proc.c", 40)],
}


@pytest.mark.parametrize("name", sorted(WITH_TREE))
def test_fixture_with_tree(fixtures, tmp_path, name):
    got, result = review(fixtures, name, tree=True, tmp=tmp_path)
    assert sorted(got) == sorted(WITH_TREE[name])
    assert result.problems == ()  # every fixture applies to the tree


@pytest.mark.parametrize("name", sorted(WITHOUT_TREE))
def test_fixture_without_tree(fixtures, name):
    got, _ = review(fixtures, name)
    assert sorted(got) == sorted(WITHOUT_TREE[name])


def messages(fixtures, tmp_path, name):
    loaded = load([str(fixtures / name)])
    kt = KernelTree(str(fixtures / "tree"), cache_dir=str(tmp_path / "cache"))
    kt.register(loaded.series)
    result = Engine(RULES, tree=kt).run(loaded.series)
    return {(f.rule.code, f.line): f.message for r in result.patches for f in r.findings}


def test_messages_state_values_and_where(fixtures, tmp_path):
    m = messages(fixtures, tmp_path, "rules/rb203/tdx-raw-status.patch")[("RB203", 39)]
    assert "TDX_OPERAND_BUSY = 0x8000020000000000" in m
    assert "TDX_SEAMCALL_STATUS_MASK = 0xffffffff00000000" in m
    assert "arch/x86/include/asm/tdx.h:40" in m  # where the convention was seen
    assert "err (u64) holds the result of __seamcall()" in m
    assert m.endswith("use `(err & TDX_SEAMCALL_STATUS_MASK) == TDX_OPERAND_BUSY`")
    m = messages(fixtures, tmp_path, "rules/rb203/hv-raw-status.patch")[("RB203", 25)]
    assert "hv_result() (which masks with HV_HYPERCALL_RESULT_MASK = 0xffff)" in m
    assert m.endswith("use `hv_result(status) == HV_STATUS_INVALID_PARAMETER`")
    got = messages(fixtures, tmp_path, "rules/rb30x/tdx-codes.patch")
    assert got[("RB304", 33)].startswith(
        "TDX_UPDATE_IN_PROGRESS = 0x8000051300000001 has bits 0x1 outside TDX_SEAMCALL_STATUS_MASK = 0xffffffff00000000"
    )
    assert "use ULL: write `0x8000051400000000ULL`" in got[("RB304", 34)]
    got = messages(fixtures, tmp_path, "rules/rb30x/tdx-truncated.patch")
    assert got[("RB305", 27)] == (
        "`ret == TDX_OPERAND_BUSY` is always false: ret is int but TDX_OPERAND_BUSY = 0x8000020000000000 "
        "needs 64 bits; the status was truncated when it was stored"
    )
    got = messages(fixtures, tmp_path, "rules/rb30x/hv-overwritten.patch")
    assert got[("RB306", 40)] == (
        "`return -EIO;` replaces the error code in ret: hv_prepare_node() returns -EINVAL (line 24); "
        "propagate it with `return ret;`"
    )


def test_series_context_without_tree(fixtures):
    """Patch 2/2 uses the mask and codes patch 1/2 defines."""
    got, _ = review(fixtures, "rules/series/tdx-series.mbox")
    assert sorted(got) == [("RB202", "arch/x86/virt/vmx/tdx/tdx_ops.c", 10), ("RB203", "arch/x86/virt/vmx/tdx/tdx_ops.c", 8)]


def test_reference_patch_correct_line_stays_quiet(fixtures, tmp_path):
    got, _ = review(fixtures, "tdx-v8-16.patch")
    assert got == []
    got, _ = review(fixtures, "tdx-v8-16.patch", tree=True, tmp=tmp_path)
    assert got == []


def test_reference_patch_variants(fixtures, tmp_path):
    from reviewbot import docs

    text = (fixtures / "tdx-v8-16.patch").read_text()
    diff = text[text.index("diff --git"):]
    for old, new, want in (
        ("0x8000051200000000ULL", "0x8000051200000001ULL",
         [("RB202", TDX_C, 1268), ("RB304", "arch/x86/include/asm/tdx.h", 36)]),
        ("0x8000051200000000ULL", "0x8000051200000000", [("RB304", "arch/x86/include/asm/tdx.h", 36)]),
        ("(err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE", "err == TDX_UPDATE_COMPAT_SENSITIVE", []),
    ):
        patch = docs.example_patch("diff", {}, diff.replace(old, new))
        findings, _ = Engine(RULES).review(patch)
        assert sorted((f.rule.code, f.path, f.line) for f in findings) == want


KERNEL = os.environ.get("REVIEWBOT_KERNEL_TREE", "/work/kernel/linux-source-6.12")


@pytest.mark.skipif(not pathlib.Path(KERNEL, "include/linux/kernel.h").is_file(),
                    reason=f"no kernel tree at {KERNEL} (set REVIEWBOT_KERNEL_TREE to an unpacked linux-source)")
def test_real_kernel_tree(fixtures, tmp_path):
    """Against a real tree: the index finds the real Hyper-V and TDX
    conventions, and a raw compare of a hypercall status is flagged."""
    kt = KernelTree(KERNEL, cache_dir=os.environ.get("REVIEWBOT_TEST_CACHE", str(tmp_path / "cache")))
    idx = kt.index()
    assert idx.helpers["hv_result"][0] == "HV_HYPERCALL_RESULT_MASK"
    assert idx.returns.get("hv_do_hypercall") == {"u64"}
    from reviewbot.rule import Define  # noqa: F401
    code = (
        "#include <asm/mshyperv.h>\n\n"
        "int foo_call(void)\n{\n\tu64 status;\n\n"
        "\tstatus = hv_do_hypercall(HVCALL_POST_MESSAGE, NULL, NULL);\n"
        "\tif (status == HV_STATUS_INVALID_CONNECTION_ID)\n\t\treturn -EAGAIN;\n"
        "\treturn hv_result(status) == HV_STATUS_SUCCESS ? 0 : -EIO;\n}\n"
    )
    from reviewbot import docs

    patch = docs.example_patch("c", {"path": "drivers/hv/foo.c"}, code)
    findings, problems = Engine(RULES, tree=kt).review(patch)
    assert [(f.rule.code, f.line) for f in findings] == [("RB203", 8)]
    assert "hv_result" in findings[0].message


def test_positive_errno_through_a_tree_header(fixtures, tmp_path):
    """RB303: `return FOO_ERR_IO;` where only the tree's foo.h says it is EIO."""
    rb303 = select_rules(all_rules(), ["RB303"])
    name = "rules/rb30x/foo-positive-errno.patch"
    loaded = load([str(fixtures / name)])
    assert Engine(rb303).run(loaded.series).patches[0].findings == ()
    kt = KernelTree(str(fixtures / "tree"), cache_dir=str(tmp_path / "cache"))
    kt.register(loaded.series)
    (f,) = Engine(rb303, tree=kt).run(loaded.series).patches[0].findings
    assert (f.path, f.line) == ("drivers/misc/foo.c", 10)
    assert "FOO_ERR_IO expands to EIO" in f.message
