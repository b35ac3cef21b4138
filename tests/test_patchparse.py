import pytest

from reviewbot.mailparse import parse_mail
from reviewbot.model import Mail
from reviewbot.patchparse import PatchError, parse_patch, parse_patch_checked, parse_trailers
from reviewbot.sources import RawMessage


def mail(body: str, subject: str = "[PATCH] x") -> Mail:
    return Mail("id@x", subject, "A <a@x>", (), (), "", "", (), body, "t.eml")


def fixture_patch(fixtures, name):
    path = fixtures / name
    return parse_patch(parse_mail(RawMessage(str(path), path.read_bytes())))


GIT_DIFF = """\
diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c
index 1111111..2222222 100644
--- a/drivers/hwmon/foo.c
+++ b/drivers/hwmon/foo.c
@@ -10,3 +10,4 @@ static int foo(void)
 {
-	return 1;
+	int ret = 2;
+	return ret;
 }
"""


def test_tdx_patch(fixtures):
    patch = fixture_patch(fixtures, "tdx-v8-16.patch")
    assert patch.subject.counter == 16 and patch.subject.total == 21
    assert [f.path for f in patch.files] == [
        "arch/x86/include/asm/tdx.h",
        "arch/x86/kvm/vmx/tdx_errno.h",
        "arch/x86/virt/vmx/tdx/tdx.c",
        "arch/x86/virt/vmx/tdx/tdx.h",
        "drivers/virt/coco/tdx-host/tdx-host.c",
    ]
    tdx_c = patch.file("arch/x86/virt/vmx/tdx/tdx.c")
    hunk = tdx_c.hunks[1]
    assert hunk.header == "@@ -1248,9 +1251,26 @@ int tdx_module_shutdown(void)"
    assert hunk.section == "int tdx_module_shutdown(void)"
    (line,) = [ln for ln in hunk.lines if ln.text.startswith("\tif ((err & TDX_SEAMCALL_STATUS_MASK)")]
    assert (line.kind, line.old, line.new) == ("+", None, 1268)
    assert tdx_c.header == (
        "diff --git a/arch/x86/virt/vmx/tdx/tdx.c b/arch/x86/virt/vmx/tdx/tdx.c",
        "index a7dfa4ee8813..7864ab68f4e3 100644",
        "--- a/arch/x86/virt/vmx/tdx/tdx.c",
        "+++ b/arch/x86/virt/vmx/tdx/tdx.c",
    )
    assert patch.message.startswith("tl;dr: A TDX module erratum")
    assert patch.message.endswith("# [2]")
    assert patch.notes.startswith("v8:\n - rewrite the changelog [Rick]")
    assert patch.notes.endswith("5 files changed, 34 insertions(+), 10 deletions(-)")
    assert [k for k, _ in patch.trailers] == ["Signed-off-by", "Acked-by", "Link", "Link"]
    assert patch.trailers[0] == ("Signed-off-by", "Chao Gao <chao.gao@intel.com>")


def test_lines_and_numbers():
    patch = parse_patch(mail("msg\n---\n" + GIT_DIFF))
    (fc,) = patch.files
    assert (fc.old_path, fc.new_path, fc.is_c, fc.is_binary) == ("drivers/hwmon/foo.c", "drivers/hwmon/foo.c", True, False)
    (hunk,) = fc.hunks
    assert (hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len) == (10, 3, 10, 4)
    assert [(ln.kind, ln.text, ln.old, ln.new) for ln in hunk.lines] == [
        (" ", "{", 10, 10),
        ("-", "\treturn 1;", 11, None),
        ("+", "\tint ret = 2;", None, 11),
        ("+", "\treturn ret;", None, 12),
        (" ", "}", 12, 13),
    ]
    assert fc.added_lines() == frozenset({11, 12})


def test_no_diff_is_none():
    assert parse_patch(mail("Looks good.\n\nReviewed-by: R <r@x>\n")) is None
    quoted = "On Mon, A wrote:\n> diff --git a/f b/f\n> --- a/f\n> +++ b/f\n> @@ -1 +1 @@\n> -a\n> +b\n\nNice.\n"
    assert parse_patch(mail(quoted, "Re: [PATCH] x")) is None
    stat_only = "cover\n---\n drivers/hwmon/foo.c | 2 +-\n 1 file changed\n\n--- this is not a diff\n"
    assert parse_patch(mail(stat_only, "[PATCH 0/2] x")) is None


def test_signature_ends_the_diff_but_a_removed_dash_line_does_not():
    body = "msg\n---\n" + GIT_DIFF.replace("-\treturn 1;", "-- ") + "-- \n2.43.0\n\n"
    (hunk,) = parse_patch(mail(body)).files[0].hunks
    assert ("-", "- ") in [(ln.kind, ln.text) for ln in hunk.lines]
    assert hunk.lines[-1].text == "}"


def test_new_deleted_renamed_copied_mode_and_binary_files():
    body = """msg
---
diff --git a/new.c b/new.c
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/new.c
@@ -0,0 +1,2 @@
+int a;
+int b;
diff --git a/gone.c b/gone.c
deleted file mode 100644
index 1111111..0000000
--- a/gone.c
+++ /dev/null
@@ -1 +0,0 @@
-int a;
diff --git a/old_name.c b/new_name.c
similarity index 100%
rename from old_name.c
rename to new_name.c
diff --git a/src.c b/copy.c
similarity index 90%
copy from src.c
copy to copy.c
diff --git a/script.sh b/script.sh
old mode 100644
new mode 100755
diff --git a/logo.png b/logo.png
index 1111111..2222222 100644
GIT binary patch
literal 3
KcmZ?wbh8Kl0000

literal 0
HcmV?d00001

diff --git a/pic.bin b/pic.bin
index 3333333..4444444 100644
Binary files a/pic.bin and b/pic.bin differ
"""
    files = parse_patch(mail(body)).files
    got = [(f.old_path, f.new_path, len(f.hunks), f.is_binary) for f in files]
    assert got == [
        (None, "new.c", 1, False),
        ("gone.c", None, 1, False),
        ("old_name.c", "new_name.c", 0, False),
        ("src.c", "copy.c", 0, False),
        ("script.sh", "script.sh", 0, False),
        ("logo.png", "logo.png", 0, True),
        ("pic.bin", "pic.bin", 0, True),
    ]
    assert files[0].is_new and files[1].is_deleted
    assert files[2].header[-1] == "rename to new_name.c"
    assert files[5].header[-1] == "index 1111111..2222222 100644"


def test_rename_fixture_from_the_corpus(fixtures):
    patch = fixture_patch(fixtures, "mail/rename-patch.eml")
    renamed = [(f.old_path, f.new_path) for f in patch.files if f.old_path and f.old_path != f.new_path]
    assert ("drivers/platform/x86/intel_telemetry_core.c", "drivers/platform/x86/intel/telemetry/core.c") in renamed


def test_no_newline_marker():
    body = "m\n---\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n"
    (hunk,) = parse_patch(mail(body)).files[0].hunks
    assert [(ln.kind, ln.text) for ln in hunk.lines] == [("-", "a"), ("+", "b")]


def test_plain_diff_minus_p1_paths():
    body = (
        "msg\n---\ndiff -urN linux.orig/drivers/x.c linux/drivers/x.c\n"
        "--- linux.orig/drivers/x.c\t2020-01-01 00:00:00\n+++ linux/drivers/x.c\t2020-01-02 00:00:00\n"
        "@@ -1 +1 @@\n-a\n+b\n"
        "--- drivers/y.c\n+++ drivers/y.c\n@@ -1 +1 @@\n-c\n+d\n"
    )
    files = parse_patch(mail(body)).files
    assert [f.path for f in files] == ["drivers/x.c", "drivers/y.c"]
    assert files[0].header[0] == "diff -urN linux.orig/drivers/x.c linux/drivers/x.c"


def test_form_feed_stays_inside_its_line():
    body = "m\n---\n--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n \f\n-a\n+b\n"
    (hunk,) = parse_patch(mail(body)).files[0].hunks
    assert hunk.lines[0].text == "\f"


def test_whitespace_damaged_file_is_skipped_and_reported(fixtures):
    path = fixtures / "mail" / "whitespace-damaged.eml"
    patch, problems = parse_patch_checked(parse_mail(RawMessage(str(path), path.read_bytes())))
    assert [f.path for f in patch.files] == ["drivers/hwmon/baz.c"]
    (problem,) = problems
    assert "drivers/hwmon/qux.c" in problem and "@@ -40,4 +40,4 @@" in problem and "\n" not in problem


def test_nothing_parses_raises_patch_error():
    body = "m\n---\n--- a/drivers/hwmon/foo.c\n+++ b/drivers/hwmon/foo.c\n@@ -10,7 +10,8 @@\n a\n-b\n+c\n"
    with pytest.raises(PatchError) as info:
        parse_patch(mail(body))
    assert str(info.value) == "diff does not parse: hunk @@ -10,7 +10,8 @@ in drivers/hwmon/foo.c is truncated"


def test_hunk_with_too_many_lines_is_reported():
    body = "m\n---\n--- a/f.c\n+++ b/f.c\n@@ -1,1 +1,1 @@\n-a\n-b\n+c\n@@ -5 +5 @@\n-x\n+y\n"
    with pytest.raises(PatchError, match="is truncated|more lines"):
        parse_patch(mail(body))


def test_non_c_files_are_kept():
    body = (
        "m\n---\n"
        "diff --git a/Documentation/devicetree/bindings/hwmon/x.yaml b/Documentation/devicetree/bindings/hwmon/x.yaml\n"
        "--- a/Documentation/devicetree/bindings/hwmon/x.yaml\n+++ b/Documentation/devicetree/bindings/hwmon/x.yaml\n"
        "@@ -1 +1 @@\n-a: 1\n+a: 2\n"
        "diff --git a/drivers/hwmon/Kconfig b/drivers/hwmon/Kconfig\n"
        "--- a/drivers/hwmon/Kconfig\n+++ b/drivers/hwmon/Kconfig\n@@ -1 +1 @@\n-config A\n+config B\n"
    )
    files = parse_patch(mail(body)).files
    assert [(f.path, f.is_c) for f in files] == [
        ("Documentation/devicetree/bindings/hwmon/x.yaml", False),
        ("drivers/hwmon/Kconfig", False),
    ]


def test_in_body_from_stays_in_the_message(fixtures):
    patch = fixture_patch(fixtures, "mail/rfc2047-inbody-from-patch.eml")
    assert patch.message.startswith("From: ")
    assert patch.trailers[-1][0] == "Signed-off-by"


def test_message_without_separator_and_bare_diff():
    patch = parse_patch(mail("Just a message.\n\n" + GIT_DIFF))
    assert (patch.message, patch.notes) == ("Just a message.", "")
    patch = parse_patch(mail(GIT_DIFF, subject="foo.diff"))
    assert (patch.message, patch.notes, patch.trailers) == ("", "", ())


def test_scissors_line_starts_the_message():
    body = "Sure, how about this?\n\n-- >8 --\nhwmon: fix it\n\nSigned-off-by: A <a@x>\n---\n" + GIT_DIFF
    patch = parse_patch(mail(body))
    assert patch.message == "hwmon: fix it\n\nSigned-off-by: A <a@x>"


@pytest.mark.parametrize(
    "message, expected",
    [
        ("fix\n\nSigned-off-by: A <a@x>\nCc: stable@vger.kernel.org # 6.1+", [("Signed-off-by", "A <a@x>"), ("Cc", "stable@vger.kernel.org # 6.1+")]),
        ("fix\n\nFixes: 123456789abc (\"hwmon: add\n  foo\")\n[bp: massaged]\nSigned-off-by: B <b@x>", [("Fixes", '123456789abc ("hwmon: add foo")'), ("Signed-off-by", "B <b@x>")]),
        ("fix\n\nMy-Own-Tag: value", [("My-Own-Tag", "value")]),
        ("fix\n\nNote: this paragraph is prose\nthat goes on.", []),
        ("fix\n\nSee https://example.org/x", []),
        ("Signed-off-by: only <o@x>", [("Signed-off-by", "only <o@x>")]),
        ("", []),
    ],
)
def test_trailers(message, expected):
    assert list(parse_trailers(message)) == expected


def test_damaged_git_header_is_explained():
    body = "m\n---\ndiff --git a/f.c b/f.c index 1111111..2222222 100644\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n"
    with pytest.raises(PatchError, match=r"^diff does not parse: f.c: its \+\+\+ line does not match"):
        parse_patch(mail(body))


def test_scissors_after_the_separator_is_ignored():
    body = "fix it\n\nSigned-off-by: A <a@x>\n---\nnotes\n-- >8 --\n" + GIT_DIFF
    patch = parse_patch(mail(body))
    assert patch.message == "fix it\n\nSigned-off-by: A <a@x>"
    assert patch.notes == "notes\n-- >8 --"


def test_trailer_paragraph_after_a_whitespace_only_line():
    assert parse_trailers("fix\n \t\nSigned-off-by: A <a@x>") == (("Signed-off-by", "A <a@x>"),)
