"""Hunk fragments parse into syntax trees whose rows map back to patch lines."""

from reviewbot.csyntax import Parser, _balance, _conditionals, _continued_rows, _opener, file_units
from reviewbot.loader import load


def _units(path):
    patch = load([str(path)]).series[0].patches[0]
    parser = Parser()
    return {(fc.path, i): u for fc in patch.files for i, u in enumerate(file_units(parser, fc))}


def test_reference_hunks_parse_and_map_lines(fixtures):
    units = _units(fixtures / "tdx-v8-16.patch")
    body = units[("arch/x86/virt/vmx/tdx/tdx.c", 1)]
    assert body.errors == 0
    ifs = [n for n in body.walk() if n.type == "if_statement"]
    assert [body.line(n) for n in ifs] == [1268, 1270]
    assert body.end_line(ifs[1]) == 1273
    assert body.is_added(1268) and not body.is_added(1251)
    assert body.line_text(1268).strip().startswith("if ((err & TDX_SEAMCALL_STATUS_MASK)")
    # the header hunk with an unclosed #ifndef parses cleanly too
    assert units[("arch/x86/include/asm/tdx.h", 0)].errors == 0
    # git cut the function context at 80 columns; the opener closes it
    assert units[("drivers/virt/coco/tdx-host/tdx-host.c", 0)].errors == 0


def test_synthetic_rows_map_to_none(fixtures):
    unit = _units(fixtures / "tdx-v8-16.patch")[("arch/x86/virt/vmx/tdx/tdx.c", 0)]
    assert unit.rows[0] is None  # "static __init int tdx_enable(void) {"
    assert unit.rows[1] == 1234


def test_balance_sees_comments_strings_and_leading_comment_body():
    assert _balance(["\t * module can", "\t */", "\targs.rcx = 1;", "}"]).opens_in_comment
    assert _balance(["a = '{';", 's = "}}";', "/* { */"]).min_depth == 0
    assert _balance(["x;", "/*", " * open"]).ends_in_comment
    b = _balance(["\treturn 0;", "}", "", "int f(void)", "{"])
    assert (b.min_depth, b.end_depth) == (-1, 0)


def test_opener_from_hunk_section():
    assert _opener("int tdx_module_shutdown(void)") == "int tdx_module_shutdown(void) {"
    assert _opener("struct tdmr_info {") == "struct tdmr_info {"
    assert _opener("static const int x[] = {") == "static const int x[] = {"
    cut = "static enum fw_upload_err tdx_fw_write(struct fw_upload *fwl, const u8 *data,"
    assert _opener(cut) == "static enum fw_upload_err tdx_fw_write(struct fw_upload *fwl, const u8 *data) {"
    assert _opener("EXPORT_SYMBOL_GPL(foo);") == "void __reviewbot_fragment(void) {"


def test_conditionals_and_continuations():
    assert _conditionals(["#endif", "#ifdef X", "y;"]) == (1, 1)
    assert _conditionals(["#else", "x;", "#endif"]) == (1, 0)
    assert _continued_rows(['\t\t"failed\\n");', "", "\tif (x)", "\t\treturn y;"]) == 1
    assert _continued_rows(["\tif (x)", "\t\treturn y;"]) == 0


def test_node_index_finds_types_when_asked_in_walk_order(fixtures):
    from reviewbot.csyntax import NodeIndex

    patch = load([str(fixtures / "tdx-v8-16.patch")]).series[0].patches[0]
    parser = Parser()
    units = tuple(u for fc in patch.files for u in file_units(parser, fc))
    wanted: set[str] = set()
    index = NodeIndex(parser, units, wanted)
    walked = [(u, n) for u in units for n in u.walk()]
    for t in ("if_statement", "identifier", "compound_statement", "ERROR", "comment"):
        assert [(id(u), n.id) for u, n in index.get(t)] == [(id(u), n.id) for u, n in walked if n.type == t]
    assert wanted == {"if_statement", "identifier", "compound_statement", "ERROR", "comment"}
    # a supertype, an anonymous node and a name the grammar lacks hold no nodes
    assert index.get("expression") == index.get("if") == index.get("no_such_node") == ()


def test_parsing_on_a_budget_keeps_no_source_alive():
    """py-tree-sitter (0.26.1) keeps a reference to every object a read
    callback returns: the parser must not hand it the sources it parses."""
    import gc
    import tracemalloc

    from reviewbot.limits import Budget, Limits

    parser = Parser()
    tracemalloc.start()
    try:
        for i in range(120):
            parser.budget = Budget(Limits())
            source = b"int f(void) { return %d; }\n" % i * 400  # 11 kB
            assert parser.parse(source).root_node.end_byte == len(source)
        parser.budget = None
        gc.collect()
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 500_000  # the 120 sources kept would be 1.3 MB
