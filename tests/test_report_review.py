"""The review format: reply mails laid out like a maintainer's review."""

import email
import email.policy
import io
import mailbox
import re
from datetime import datetime, timezone

from reviewbot.model import FileChange, Hunk, Line, Mail, Patch, Subject
from reviewbot.report import render
from reviewbot.report.review import build_mail, message_id, review_body
from reviewbot.result import PatchResult, RunResult
from reviewbot.rule import Finding, PatchRef, Rule, Severity

NOW = datetime(2026, 4, 30, 19, 26, 11, tzinfo=timezone.utc)

# Two of the five files of "[PATCH v8 16/21] x86/virt/tdx: Reject updates
# during concurrent TD build" (shared/reference/tdx-v8-16.patch), as sent.
TDX_DIFF = """\
diff --git a/arch/x86/include/asm/tdx.h b/arch/x86/include/asm/tdx.h
index de822ed9ef0b..b063aabe2554 100644
--- a/arch/x86/include/asm/tdx.h
+++ b/arch/x86/include/asm/tdx.h
@@ -26,11 +26,18 @@
 #define TDX_SEAMCALL_GP\t\t\t(TDX_SW_ERROR | X86_TRAP_GP)
 #define TDX_SEAMCALL_UD\t\t\t(TDX_SW_ERROR | X86_TRAP_UD)
 
+#define TDX_SEAMCALL_STATUS_MASK\t\t0xFFFFFFFF00000000ULL
+
 /*
  * TDX module SEAMCALL leaf function error codes
  */
-#define TDX_SUCCESS\t\t0ULL
-#define TDX_RND_NO_ENTROPY\t0x8000020300000000ULL
+#define TDX_SUCCESS\t\t\t0ULL
+#define TDX_RND_NO_ENTROPY\t\t0x8000020300000000ULL
+#define TDX_UPDATE_COMPAT_SENSITIVE\t0x8000051200000000ULL
+
+/* Bit definitions of TDX_FEATURES0 metadata field */
+#define TDX_FEATURES0_NO_RBP_MOD\tBIT_ULL(18)
+#define TDX_FEATURES0_UPDATE_COMPAT\tBIT_ULL(47)
 
 #ifndef __ASSEMBLER__
 
diff --git a/arch/x86/virt/vmx/tdx/tdx.c b/arch/x86/virt/vmx/tdx/tdx.c
index a7dfa4ee8813..7864ab68f4e3 100644
--- a/arch/x86/virt/vmx/tdx/tdx.c
+++ b/arch/x86/virt/vmx/tdx/tdx.c
@@ -1234,10 +1234,13 @@ static __init int tdx_enable(void)
 }
 subsys_initcall(tdx_enable);
 
+#define TDX_SYS_SHUTDOWN_AVOID_COMPAT_SENSITIVE BIT(16)
+
 int tdx_module_shutdown(void)
 {
 \tstruct tdx_sys_info_handoff handoff = {};
 \tstruct tdx_module_args args = {};
+\tu64 err;
 \tint ret, cpu;
 
 \tret = get_tdx_sys_info_handoff(&handoff);
@@ -1248,9 +1251,26 @@ int tdx_module_shutdown(void)
 \t * module can produce and most likely supported by newer modules.
 \t */
 \targs.rcx = handoff.module_hv;
-\tret = seamcall_prerr(TDH_SYS_SHUTDOWN, &args);
-\tif (ret)
-\t\treturn ret;
+
+\t/*
+\t * Mitigate the erratum where updates can break concurrent TD
+\t * build. Do not pre-check support for this flag. If unsupported,
+\t * rely on the TDX module to reject shutdown requests.
+\t */
+\targs.rcx |= TDX_SYS_SHUTDOWN_AVOID_COMPAT_SENSITIVE;
+
+\terr = seamcall(TDH_SYS_SHUTDOWN, &args);
+
+\t/*
+\t * Return -EBUSY to signal that some ongoing flows are incompatible
+\t * with updates so that userspace can retry.
+\t */
+\tif ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE)
+\t\treturn -EBUSY;
+\tif (err) {
+\t\tseamcall_err(TDH_SYS_SHUTDOWN, err, &args);
+\t\treturn -EIO;
+\t}
 
 \t/*
 \t * Clear global and per-CPU initialization flags so the new module
"""

REFACTOR = Rule("RB201", "refactor-mixed-with-feature", Severity.WARNING, "moves and adds in one patch")
BLANK = Rule("RB101", "if-blocks-without-blank-line", Severity.CHECK, "if blocks glued together")


def parse_diff(text: str) -> tuple[FileChange, ...]:
    """Just enough of a unified diff parser for these tests."""
    files, header, hunks, lines = [], [], [], []
    hunk = None

    def close_hunk():
        if hunk:
            hunks.append(Hunk(*hunk, lines=tuple(lines)))

    def close_file():
        close_hunk()
        if header:
            old, new = header[-2][6:], header[-1][6:]
            files.append(FileChange(old, new, tuple(hunks), header=tuple(header)))

    old = new = 0
    for raw in text.splitlines():
        if raw.startswith("diff --git"):
            close_file()
            header, hunks, hunk = [raw], [], None
        elif hunk is None and not raw.startswith("@@"):
            header.append(raw)
        elif raw.startswith("@@"):
            close_hunk()
            m = re.match(r"@@ -(\d+),(\d+) \+(\d+),(\d+) @@ ?(.*)", raw)
            hunk, lines = (int(m[1]), int(m[2]), int(m[3]), int(m[4]), m[5]), []
            old, new = hunk[0], hunk[2]
        else:
            kind, body = raw[:1] or " ", raw[1:]
            lines.append(Line(kind, body, old if kind != "+" else None, new if kind != "-" else None))
            old += kind != "+"
            new += kind != "-"
    close_file()
    return tuple(files)


def make_patch(
    diff: str = TDX_DIFF,
    *,
    subject="[PATCH v8 16/21] x86/virt/tdx: Reject updates during concurrent TD build",
    msgid="tdx-v8-16@reconstructed.invalid",
    to=("Dave Hansen <dave.hansen@linux.intel.com>", "x86@kernel.org"),
    cc=("linux-coco@lists.linux.dev", "Chao Gao <chao.gao@intel.com>", "X86@kernel.org"),
) -> Patch:
    mail = Mail(
        message_id=msgid,
        subject=subject,
        from_="Chao Gao <chao.gao@intel.com>",
        to=to,
        cc=cc,
        date="Mon, 27 Apr 2026 12:00:00 +0000",
        in_reply_to="tdx-v8-00@reconstructed.invalid",
        references=("tdx-v8-00@reconstructed.invalid",),
        body="",
        source="tdx-v8-16.patch",
    )
    subj = Subject(raw=subject, title=subject.split("] ", 1)[-1], version=8, counter=16, total=21, is_patch=True)
    return Patch(mail, subj, "", "", (), parse_diff(diff))


def finding(patch, rule, path, line, message, end_line=None) -> Finding:
    ref = PatchRef(patch.message_id, patch.mail.subject, 8, 16, 21)
    return Finding(rule, path, line, end_line, message, ref)


def tdx_result(patch=None) -> PatchResult:
    patch = patch or make_patch()
    return PatchResult(
        patch,
        None,
        (
            finding(patch, BLANK, "arch/x86/virt/vmx/tdx/tdx.c", 1270, "Whitespace between the if()s please.", 1273),
            finding(patch, REFACTOR, "arch/x86/include/asm/tdx.h", 29, "Refactor first. Add new features second.", 40),
        ),
    )


def run(*prs) -> RunResult:
    return RunResult(tuple(prs), (), len(prs), 1)


def rendered(result, **kw) -> str:
    out = io.StringIO()
    render("review", result, out, now=NOW, **kw)
    return out.getvalue()


def test_body_has_the_reference_review_layout():
    body = review_body(tdx_result())
    lines = body.splitlines()
    assert lines[0] == "On Mon, 27 Apr 2026 12:00:00 +0000, Chao Gao wrote:"

    # first finding: file header, hunk header, the hunk up to line 40, comment
    i = lines.index("> diff --git a/arch/x86/include/asm/tdx.h b/arch/x86/include/asm/tdx.h")
    assert lines[i + 1 : i + 5] == [
        "> index de822ed9ef0b..b063aabe2554 100644",
        "> --- a/arch/x86/include/asm/tdx.h",
        "> +++ b/arch/x86/include/asm/tdx.h",
        "> @@ -26,11 +26,18 @@",
    ]
    # the hunk starts 3 lines before line 29: nothing trimmed, no "..."
    assert lines[i + 5] == ">  #define TDX_SEAMCALL_GP\t\t\t(TDX_SW_ERROR | X86_TRAP_GP)"
    assert lines[i + 7] == ">"  # empty context line, no trailing space
    assert lines[i + 8] == "> +#define TDX_SEAMCALL_STATUS_MASK\t\t0xFFFFFFFF00000000ULL"
    assert "> -#define TDX_SUCCESS\t\t0ULL" in lines
    last = lines.index("> +#define TDX_FEATURES0_UPDATE_COMPAT\tBIT_ULL(47)")
    assert lines[last + 1 : last + 5] == [
        "",
        "Refactor first. Add new features second.",
        "[reviewbot RB201 refactor-mixed-with-feature]",
        "",
    ]
    assert ">  #ifndef __ASSEMBLER__" not in lines  # nothing quoted past end_line

    # second finding: trimmed start, 3 lines of context, the if block, comment
    j = lines.index("> diff --git a/arch/x86/virt/vmx/tdx/tdx.c b/arch/x86/virt/vmx/tdx/tdx.c")
    assert j > last
    assert lines[j + 4 : j + 10] == [
        "> @@ -1248,9 +1251,26 @@ int tdx_module_shutdown(void)",
        "> ...",
        # the quote does not open on the tail of a comment (" */")
        "> +\tif ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE)",
        "> +\t\treturn -EBUSY;",
        "> +\tif (err) {",
        "> +\t\tseamcall_err(TDH_SYS_SHUTDOWN, err, &args);",
    ]
    close = lines.index("> +\t}")
    assert lines[close + 1 : close + 4] == [
        "",
        "Whitespace between the if()s please.",
        "[reviewbot RB101 if-blocks-without-blank-line]",
    ]
    # the first hunk of tdx.c has no finding: not quoted
    assert "> @@ -1234,10 +1234,13 @@ static __init int tdx_enable(void)" not in lines
    assert lines[-2:] == ["-- ", f"reviewbot {__import__('reviewbot').__version__} \u2014 reply to this mail if a finding is wrong"]


def test_mail_headers_parse_back():
    msg = email.message_from_string(rendered(run(tdx_result())).split("\n", 1)[1], policy=email.policy.default)
    assert msg["Subject"] == "Re: [PATCH v8 16/21] x86/virt/tdx: Reject updates during concurrent TD build"
    assert msg["In-Reply-To"] == "<tdx-v8-16@reconstructed.invalid>"
    assert msg["References"].split() == ["<tdx-v8-00@reconstructed.invalid>", "<tdx-v8-16@reconstructed.invalid>"]
    assert msg["From"] == "reviewbot <reviewbot@localhost>"
    assert msg["To"] == "Chao Gao <chao.gao@intel.com>"
    # To + Cc of the patch, deduplicated case-insensitively, without the author
    assert [a.addr_spec for a in msg["Cc"].addresses] == [
        "dave.hansen@linux.intel.com",
        "x86@kernel.org",
        "linux-coco@lists.linux.dev",
    ]
    assert msg["Date"].datetime == NOW
    assert re.fullmatch(r"<reviewbot-[0-9a-f]{16}@localhost>", msg["Message-ID"])
    assert msg["Content-Transfer-Encoding"] == "8bit"
    # the 8bit body reads back from bytes (from a str, Python mangles non-ASCII)
    raw = rendered(run(tdx_result())).split("\n", 1)[1].encode()
    body = email.message_from_bytes(raw, policy=email.policy.default).get_content()
    assert body.rstrip("\n") == review_body(tdx_result()).rstrip("\n")  # mbox adds a blank line
    # compat32 (the default) reads the same subject once unfolded
    plain = email.message_from_string(rendered(run(tdx_result())).split("\n", 1)[1])
    assert re.sub(r"\s+", " ", plain["Subject"]).strip().startswith("Re: [PATCH v8 16/21]")


def test_no_double_re_and_from_override():
    pr = tdx_result(make_patch(subject="RE: [PATCH] x"))
    msg = build_mail(pr, now=NOW, from_addr="Bot <bot@example.org>")
    assert msg["Subject"] == "RE: [PATCH] x"
    assert msg["From"] == "Bot <bot@example.org>"
    assert "From bot@example.org " in rendered(run(pr), from_addr="Bot <bot@example.org>").splitlines()[0]


def test_message_id_is_deterministic():
    a = email.message_from_string(rendered(run(tdx_result())).split("\n", 1)[1])
    b = email.message_from_string(rendered(run(tdx_result())).split("\n", 1)[1])
    assert a["Message-ID"] == b["Message-ID"]
    other = tdx_result(make_patch(msgid="tdx-v9-16@x"))
    assert message_id(other) != message_id(tdx_result())


def test_two_mails_read_back_as_mbox(tmp_path):
    p2 = make_patch(subject="[PATCH v8 17/21] From here on", msgid="tdx-v8-17@reconstructed.invalid")
    pr2 = PatchResult(p2, None, (finding(p2, BLANK, "arch/x86/virt/vmx/tdx/tdx.c", 1270, "From the top:\nboth", 1273),))
    clean = PatchResult(make_patch(msgid="clean@x"), None, ())
    text = rendered(run(tdx_result(), clean, pr2))
    assert text.startswith("From reviewbot@localhost Thu Apr 30 19:26:11 2026\n")
    assert "\n>From the top:\n" in text  # a body line starting "From " is quoted
    path = tmp_path / "out.mbox"
    path.write_text(text)
    box = mailbox.mbox(str(path))
    msgs = list(box)
    assert len(msgs) == 2
    assert [m["In-Reply-To"] for m in msgs] == ["<tdx-v8-16@reconstructed.invalid>", "<tdx-v8-17@reconstructed.invalid>"]
    assert msgs[0]["Message-ID"] != msgs[1]["Message-ID"]


def test_output_dir_writes_eml_files(tmp_path):
    p2 = make_patch(subject="[PATCH v8 17/21] x86/virt: Other", msgid="tdx-v8-17@x")
    pr2 = PatchResult(p2, None, (finding(p2, BLANK, "arch/x86/virt/vmx/tdx/tdx.c", 1240, "m"),))
    outdir = tmp_path / "new" / "dir"
    printed = rendered(run(tdx_result(), pr2), output_dir=str(outdir)).splitlines()
    names = sorted(p.name for p in outdir.iterdir())
    assert names == [
        "0001-patch-v8-16-21-x86-virt-tdx-reject-updates-during-concurrent.eml",
        "0002-patch-v8-17-21-x86-virt-other.eml",
    ]
    assert printed == [str(outdir / n) for n in names]
    raw = (outdir / names[0]).read_bytes()
    assert not raw.startswith(b"From ")  # no mbox separator in .eml files
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["In-Reply-To"] == "<tdx-v8-16@reconstructed.invalid>"
    assert "> +\tif (err) {" in msg.get_content()


def test_adjacent_findings_share_the_quote():
    patch = make_patch()
    path = "arch/x86/virt/vmx/tdx/tdx.c"
    pr = PatchResult(
        patch,
        None,
        (
            finding(patch, BLANK, path, 1268, "first", 1269),
            finding(patch, BLANK, path, 1270, "second", 1273),
            finding(patch, BLANK, path, 1271, "third"),  # already quoted
        ),
    )
    lines = review_body(pr).splitlines()
    quoted = [ln for ln in lines if ln.startswith("> +")]
    assert len(quoted) == len(set(quoted))  # nothing quoted twice
    a, b = lines.index("first"), lines.index("second")
    # the second quote starts right after the first: no "..." between
    assert lines[a + 1 : b] == [
        "[reviewbot RB101 if-blocks-without-blank-line]",
        "",
        "> +\tif (err) {",
        "> +\t\tseamcall_err(TDH_SYS_SHUTDOWN, err, &args);",
        "> +\t\treturn -EIO;",
        "> +\t}",
        "",
    ]
    assert lines[lines.index("third") - 1] == ""


def test_trimmed_lines_between_quotes_of_one_hunk():
    patch = make_patch()
    path = "arch/x86/virt/vmx/tdx/tdx.c"
    pr = PatchResult(
        patch, None, (finding(patch, BLANK, path, 1255, "a"), finding(patch, BLANK, path, 1270, "b", 1273))
    )
    lines = review_body(pr).splitlines()
    a, b = lines.index("a"), lines.index("b")
    assert lines[a + 3] == "> ..."
    assert lines[a + 4].startswith("> +\tif ((err & TDX_SEAMCALL_STATUS_MASK)")
    assert b > a


def test_patch_level_and_removed_line_findings():
    patch = make_patch()
    pr = PatchResult(
        patch,
        None,
        (
            finding(patch, REFACTOR, "arch/x86/include/asm/tdx.h", 40, "late"),
            finding(patch, REFACTOR, "", None, "Split this patch."),
            finding(patch, REFACTOR, "arch/x86/include/asm/tdx.h", 90, "outside"),
        ),
    )
    lines = review_body(pr).splitlines()
    assert lines[2:4] == ["Split this patch.", "[reviewbot RB201 refactor-mixed-with-feature]"]
    assert lines.index("Split this patch.") < lines.index("> +++ b/arch/x86/include/asm/tdx.h")
    assert "Line 90: outside" in lines
    # 3 lines of context before line 40 trim the start of the hunk
    h = lines.index("> @@ -26,11 +26,18 @@")
    assert lines[h + 1] == "> ..."
    # ... and not on a blank line
    assert lines[h + 2] == "> +/* Bit definitions of TDX_FEATURES0 metadata field */"


def test_finding_in_a_deletion_only_hunk_quotes_the_hunk_header():
    diff = "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -5,2 +4,0 @@ int f(void)\n-\ta();\n-\tb();\n"
    patch = make_patch(diff)
    pr = PatchResult(patch, None, (finding(patch, BLANK, "x.c", 4, "gone"),))
    lines = review_body(pr).splitlines()
    h = lines.index("> @@ -5,2 +4,0 @@ int f(void)")
    assert lines[h + 1 : h + 3] == ["", "gone"]
