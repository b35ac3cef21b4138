"""Hypothesis strategies for whole patch mails: headers, MIME, diff and C.

Used by tests/test_fuzz.py (a bounded run in the test suite) and by
benchmarks/fuzz.py (many more examples, and mutations of corpus mails).
Each strategy draws bytes that reviewbot must survive.
"""

from __future__ import annotations

import base64
import binascii

from hypothesis import strategies as st

# C-ish tokens, weighted towards what the rules look at (ifs, masks, defines).
C_TOKENS = [
    "if", "else", "for", "while", "switch", "case", "default:", "return", "goto", "out;", "int", "u32",
    "static", "const", "struct", "foo", "bar", "reg", "val", "ret", "dev", "MASK", "BIT(3)", "GENMASK(7, 4)",
    "FIELD_GET", "FIELD_PREP", "0", "1", "0x3f", "-1", "-EINVAL", "EIO", "(", ")", "{", "}", "[", "]", ";",
    ",", "&", "&&", "|", "||", "==", "!=", "<", ">>", "<<", "=", "+", "-", "*", "/", "?", ":", "->", ".",
    "#define", "#include", "<linux/bits.h>", "#if", "#ifdef", "#else", "#endif", "\\", "/*", "*/", "//",
    '"str"', '"', "'a'", "'", "\t", "  ", "sizeof", "NULL", "__init", "pr_err(", "dev_err(", "kfree(",
    "ERROR", "@@", "\u00e4", "\u4e2d", "\x0c",
]
PATHS = [
    "drivers/hwmon/foo.c", "drivers/hwmon/foo.h", "include/linux/foo.h", "Documentation/hwmon/foo.rst",
    "drivers/platform/x86/Kconfig", "MAINTAINERS", "arch/x86/kernel/cpu/mce/core.c", "a.c", "x",
    "../../etc/passwd", "/etc/passwd", "dir with space/f.c", "d\u00e4t/\u4e2d.c", "a\tb.c", "\"q.c\"",
    "drivers/x/.c", "drivers//x.c", "-", "b/b/b.c",
]
CHARSETS = ["utf-8", "us-ascii", "iso-8859-1", "windows-1252", "koi8-r", "gb2312", "iso-2022-jp", "utf-16",
            "y", "x-unknown", "", "utf-8\"; x=\"", "\u00e4"]
SUBJECT_TAGS = ["[PATCH]", "[PATCH v2]", "[PATCH 1/3]", "[PATCH v3 2/3]", "[PATCH 0/3]", "[RFC PATCH]",
                "[PATCH net-next v2 3/5]", "Re: [PATCH]", "[PATCH 4/3]", "[PATCH 1/0]", "[PATCH v0 0/0]",
                "[PATCH", "[[PATCH]]", "", "Aw: Re: [PATCH 2/3]", "[PATCH RESEND 1/1]"]

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
c_line = st.lists(st.sampled_from(C_TOKENS), max_size=14).map(" ".join)


@st.composite
def hunk(draw) -> str:
    lines = draw(st.lists(st.tuples(st.sampled_from("+- +  "), c_line), min_size=0, max_size=25))
    old = sum(1 for k, _ in lines if k != "+")
    new = sum(1 for k, _ in lines if k != "-")
    if draw(st.booleans()):  # a header that lies about its counts
        old += draw(st.integers(-3, 3))
        new += draw(st.integers(-3, 3))
    start = draw(st.integers(0, 2_000))
    section = draw(st.sampled_from(["", " static int foo(struct device *dev)", " struct foo {", " {{{", " ("]))
    body = "".join(f"{k}{t}\n" for k, t in lines)
    if draw(st.integers(0, 9)) == 0:
        body += "\\ No newline at end of file\n"
    return f"@@ -{start},{old} +{start},{new} @@{section}\n{body}"


@st.composite
def file_diff(draw) -> str:
    a = draw(st.sampled_from(PATHS))
    b = draw(st.one_of(st.just(a), st.sampled_from(PATHS)))
    kind = draw(st.sampled_from(["modify", "modify", "modify", "new", "delete", "rename", "mode", "binary", "plain"]))
    head = f"diff --git a/{a} b/{b}\n"
    if kind == "new":
        head += "new file mode 100644\n--- /dev/null\n"
    elif kind == "delete":
        head += "deleted file mode 100644\n" + f"--- a/{a}\n+++ /dev/null\n"
        return head + "".join(draw(st.lists(hunk(), max_size=2)))
    elif kind == "rename":
        head += f"similarity index 90%\nrename from {a}\nrename to {b}\n--- a/{a}\n"
    elif kind == "mode":
        return head + "old mode 100644\nnew mode 100755\n"
    elif kind == "binary":
        return head + "GIT binary patch\nliteral 5\nMcmZ?b00000\n\n"
    elif kind == "plain":
        head = f"--- a/{a}\n"
    else:
        head += f"index 1234567..89abcde 100644\n--- a/{a}\n"
    head += f"+++ b/{b}\n"
    return head + "".join(draw(st.lists(hunk(), min_size=0, max_size=3)))


@st.composite
def patch_body(draw) -> str:
    message = draw(st.sampled_from(["subsys: do a thing\n\nWhy.\n", "", "x\n\n" * 3, "From: Other <o@x>\n\nmsg\n"]))
    trailers = draw(st.sampled_from(["Signed-off-by: A <a@b>\n", "", "Fixes: 123456789abc (\"x\")\nCc: a@b\n"]))
    notes = draw(st.sampled_from(["---\n", "---\nv2: changed\n\n drivers/x.c | 2 +-\n", "", "--- \n>8\n"]))
    diffs = "".join(draw(st.lists(file_diff(), min_size=1, max_size=4)))
    sig = draw(st.sampled_from(["-- \n2.43.0\n", "", "--\n", "-- \n"]))
    return message + trailers + notes + diffs + sig


def _encode_words(value: str, charset: str) -> str:
    raw = base64.b64encode(value.encode("utf-8", "surrogatepass")).decode()
    return f"=?{charset}?b?{raw}?="


@st.composite
def patch_mail(draw) -> bytes:
    """One mail, as bytes, with random headers, MIME structure and diff."""
    body = draw(patch_body())
    subject = draw(st.sampled_from(SUBJECT_TAGS)) + " " + draw(st.one_of(st.just("hwmon: fix"), text))
    if draw(st.integers(0, 4)) == 0:
        subject = _encode_words(subject, draw(st.sampled_from(CHARSETS[:4] + ["bogus"])))
    headers = []
    for name, value in (
        ("From", draw(st.sampled_from(["A <a@b.org>", '"B, C" <b@c>', "x", "", "=?utf-8?q?=C3=A4?= <q@x>"]))),
        ("Subject", subject),
        ("Date", draw(st.sampled_from(["Mon, 1 Jan 2024 10:00:00 +0000", "yesterday", "", "Thu, 99 Xyz 0"]))),
        ("Message-ID", draw(st.sampled_from(["<a@b>", "<b@b>", "<c@b>", "", "a@b", "<>", "<<x>>"]))),
        ("In-Reply-To", draw(st.sampled_from(["", "<a@b>", "<cover@b>", "junk"]))),
        ("References", draw(st.sampled_from(["", "<cover@b> <a@b>", "<a@b>\n <b@b>", "<"]))),
    ):
        if draw(st.integers(0, 5)) > 0:
            headers.append(f"{name}: {value}")
    charset = draw(st.sampled_from(CHARSETS))
    encoding = draw(st.sampled_from(["", "", "8bit", "base64", "quoted-printable", "x-uuencode"]))
    payload = body.encode("utf-8", "surrogatepass")
    if encoding == "base64":
        payload = base64.encodebytes(payload)
    elif encoding == "quoted-printable":
        payload = binascii.b2a_qp(payload)
    shape = draw(st.sampled_from(["plain", "plain", "multipart", "attachment", "nested"]))
    ctype = f"text/plain; charset={charset}" if charset else "text/plain"
    part_head = f"Content-Type: {ctype}\n" + (f"Content-Transfer-Encoding: {encoding}\n" if encoding else "")
    if shape == "plain":
        headers.append(part_head.rstrip("\n"))
        raw = ("\n".join(headers) + "\n\n").encode() + payload
    else:
        boundary = draw(st.sampled_from(["b1", "==x==", "", "a b", "b1\"; x"]))
        inner = ("--" + boundary + "\n" + part_head + "\n").encode() + payload
        if shape == "attachment":
            inner = (f"--{boundary}\nContent-Type: text/plain\n\nSee attached.\n--{boundary}\n"
                     f"Content-Type: text/x-patch; name=\"0001.patch\"\n"
                     f"Content-Disposition: attachment; filename=\"0001.patch\"\n"
                     + (f"Content-Transfer-Encoding: {encoding}\n" if encoding else "") + "\n").encode() + payload
        if shape == "nested":
            inner = (f"--{boundary}\nContent-Type: multipart/alternative; boundary=\"in\"\n\n--in\n"
                     + part_head + "\n").encode() + payload + b"\n--in\nContent-Type: text/html\n\n<p>x</p>\n--in--\n"
        closing = draw(st.sampled_from([f"\n--{boundary}--\n", "", "\n--"]))
        headers.append(f'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="{boundary}"')
        raw = ("\n".join(headers) + "\n\n").encode() + inner + closing.encode()
    if draw(st.integers(0, 6)) == 0:
        raw = raw.replace(b"\n", b"\r\n")
    return raw


@st.composite
def mutated(draw, base: bytes) -> bytes:
    """``base`` with a few random cuts, flips, duplications and insertions."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["cut", "flip", "dup", "insert", "truncate", "line"]))
        if op == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 400))]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(
                [b"\n@@ -1,2 +1,3 @@\n", b"\ndiff --git a/x.c b/x.c\n", b"\n--- a/x\n+++ b/x\n", b"\x00",
                 b"\n-- \n", b"=?utf-8?b?", b"\r", b"{" * 50, b"\n+" + b"(" * 300 + b"\n", b"\nFrom x\n",
                 "\u00e4\u4e2d".encode(), b"\n\n", b"\n---\n", b"\\\n"]))
        elif op == "truncate":
            del data[at:]
        else:
            end = data.find(b"\n", at)
            del data[at : end if end > 0 else len(data)]
    return bytes(data)
