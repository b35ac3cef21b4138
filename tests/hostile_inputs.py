"""Odd, broken and hostile mails and diffs, shared by test_hostile and test_fuzz.

Each builder returns the bytes of one input (a mail, an mbox or a bare
diff) that reviewbot must survive: no traceback, no hang, at most a
one-line problem naming the input.
"""

from __future__ import annotations

import base64
import io

from reviewbot.engine import Engine, all_rules
from reviewbot.loader import load
from reviewbot.result import InputProblem, RunResult

HEAD = (
    "From: Alice Example <alice@example.org>\n"
    "To: linux-hwmon@vger.kernel.org\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
    "Message-ID: <{mid}@example.org>\n"
    "Subject: {subject}\n"
)
MESSAGE = "hwmon: (foo) add a thing\n\nThis adds a thing.\n\nSigned-off-by: Alice Example <alice@example.org>\n---\n"
C_HUNK = (
    "diff --git a/drivers/hwmon/foo.c b/drivers/hwmon/foo.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/drivers/hwmon/foo.c\n"
    "+++ b/drivers/hwmon/foo.c\n"
    "@@ -10,6 +10,9 @@ static int foo_probe(struct device *dev)\n"
    " \tint ret;\n"
    " \n"
    " \tret = foo_init(dev);\n"
    "+\tif (ret < 0)\n"
    "+\t\treturn ret;\n"
    "+\tif (reg & MASK == VAL)\n"
    " \treturn 0;\n"
    " }\n"
    " \n"
)


def mail(diff: str = C_HUNK, subject: str = "[PATCH] hwmon: (foo) add a thing", mid: str = "m1",
         headers: str = "", message: str = MESSAGE) -> bytes:
    return (HEAD.format(mid=mid, subject=subject) + headers + "\n" + message + diff + "-- \n2.43.0\n").encode()


def mbox(*mails: bytes) -> bytes:
    return b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + m + b"\n" for m in mails)


_RULES = None


def rules():
    global _RULES
    if _RULES is None:
        _RULES = all_rules()
    return _RULES


BUG_SIGNS = ("internal error", "failed:", "cannot review", "cannot group")


def review(data: bytes) -> RunResult:
    """The whole pipeline on ``data``, in process (strict in tests: a rule
    that raises fails the test)."""
    loaded = load(["-"], io.BytesIO(data))
    problems = [InputProblem(e.source, e.message) for e in loaded.errors]
    result = Engine(rules()).run(loaded.series, problems, loaded.messages)
    for p in result.problems:
        assert "\n" not in p.message, p
        assert not any(sign in p.message for sign in BUG_SIGNS), p
    return result


# --- MIME oddities ---------------------------------------------------------------


def mime_cases() -> dict[str, bytes]:
    b64_patch = base64.encodebytes((MESSAGE + C_HUNK).encode()).decode()
    cases = {
        "nested multipart with a base64 patch attachment": (
            HEAD.format(mid="n1", subject="[PATCH 1/2] hwmon: nested")
            + 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="outer"\n\n'
            "--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n\n"
            "--inner\nContent-Type: text/plain; charset=utf-8\n\nSee attached.\n"
            "--inner\nContent-Type: text/html\n\n<p>See <b>attached</b></p><script>x</script>\n"
            "--inner--\n"
            "--outer\nContent-Type: text/x-patch; name=\"0001-x.patch\"\n"
            "Content-Disposition: attachment; filename*=utf-8''%C3%A4%20x.patch\n"
            "Content-Transfer-Encoding: base64\n\n" + b64_patch + "--outer--\n"
        ).encode(),
        "multipart without a boundary": (
            HEAD.format(mid="n2", subject="[PATCH] x: y")
            + "MIME-Version: 1.0\nContent-Type: multipart/mixed\n\n" + MESSAGE + C_HUNK
        ).encode(),
        "multipart never closed, empty boundary": (
            HEAD.format(mid="n3", subject="[PATCH] x: y")
            + 'Content-Type: multipart/mixed; boundary=""\n\n--\n\n' + MESSAGE + C_HUNK
        ).encode(),
        "invalid charset y": mail(headers="Content-Type: text/plain; charset=y\n").replace(b"add a thing\n\n", "add \xe4 thing\n\n".encode("latin-1")),
        "unknown charset with 8-bit": mail(headers="Content-Type: text/plain; charset=x-no-such\n") + "\xff\xfe\x80".encode("latin-1"),
        "utf-16 charset on ascii": mail(headers="Content-Type: text/plain; charset=utf-16\n"),
        "iso-2022-jp with broken escapes": mail(headers="Content-Type: text/plain; charset=iso-2022-jp\n") + b"\x1b$B\x80\x80\x1b(B\n",
        "base64 garbage": (HEAD.format(mid="b1", subject="[PATCH] x") + "Content-Transfer-Encoding: base64\n\n!!!!====@@@@\nQUJD\n").encode(),
        "quoted-printable broken": mail(headers="Content-Transfer-Encoding: quoted-printable\n").replace(b"ret < 0", b"ret =3 =ZZ 0=\n=").replace(b"return 0;", b"return 0;=0"),
        "no headers at all, a bare diff": C_HUNK.encode(),
        "no From, no Message-ID, no Date": ("Subject: [PATCH] x: y\n\n" + MESSAGE + C_HUNK).encode(),
        "only a Subject": b"Subject: [PATCH 2/3] x\n",
        "header block only": b"From: a@b\nSubject: [PATCH] x\n",
        "bogus dates": mail().replace(b"Date: Mon, 1 Jan 2024 10:00:00 +0000", b"Date: Mon, 99 Foo 99999 99:99:99 +9999"),
        "date yesterday": mail().replace(b"Date: Mon, 1 Jan 2024 10:00:00 +0000", b"Date: yesterday\nDate: \nDate: 0"),
        "8-bit headers latin-1 and utf-8": mail().replace(b"Alice Example", "Al\xefce \xc9xample".encode("latin-1")).replace(b"add a thing", "add a thing \u2014 \u00fcber".encode()),
        "encoded words galore": mail(subject="=?utf-8?b?W1BBVENIXSB4?= " + "=?utf-8?q?=C3=A4?= " * 2000 + "=?bogus?x?y?= =?utf-8?b?!!!?="),
        "CRLF everywhere": mail().replace(b"\n", b"\r\n"),
        "CR only": mail().replace(b"\n", b"\r"),
        "huge header line": mail(headers="X-Long: " + "a" * 1_000_000 + "\n"),
        "huge subject": mail(subject="[PATCH] " + "x" * 200_000),
        "huge body line": mail(message=MESSAGE.replace("This adds", "y" * 3_000_000 + " adds")),
        "huge added line": mail(diff=C_HUNK.replace("+\t\treturn ret;", "+\t\treturn " + "(" * 100_000 + "ret" + ")" * 100_000 + ";")),
        "NUL bytes in the body": mail().replace(b"This adds", b"This\x00adds"),
        "folded headers with empty continuation": mail(headers="References: <a@b>\n \n\t<c@d>\n  <e@f\n"),
        "In-Reply-To loops to itself": mail(headers="In-Reply-To: <m1@example.org>\nReferences: <m1@example.org> <m1@example.org>\n"),
        "Message-ID without brackets or at": mail().replace(b"<m1@example.org>", b"m1 example org"),
        "address soup": mail(headers='Cc: "unterminated <a@b>, (comment, <>, <<>>, @, "\\"x\\"" <x@y>,,,\n'),
    }
    series_dup = mbox(
        mail(subject="[PATCH 1/2] x: a", mid="dup"),
        mail(subject="[PATCH 2/2] x: b", mid="dup"),
        mail(subject="[PATCH 2/2] x: b", mid="dup"),
        mail(subject="[PATCH 0/2] x: cover", mid="dup", diff=""),
    )
    cases["duplicate Message-IDs in one mbox"] = series_dup
    no_ids = b"".join(
        b"From 1234 Mon Sep 17 00:00:00 2001\n" + mail(subject=f"[PATCH {i}/3] x: {i}").replace(b"Message-ID: <m1@example.org>\n", b"")
        for i in (3, 1, 2, 1)
    )
    cases["series without Message-IDs, out of order, repeated"] = no_ids
    cases["counters beyond the total and zero total"] = mbox(
        mail(subject="[PATCH 7/3] x", mid="c1"), mail(subject="[PATCH 1/0] x", mid="c2"),
        mail(subject="[PATCH 0/0] x", mid="c3"), mail(subject="[PATCH 99999999999999999999/1] x", mid="c4"),
    )
    return cases


# --- diff oddities -------------------------------------------------------------------


def _diff(path_a: str, path_b: str, body: str, extra: str = "") -> str:
    return f"diff --git {path_a} {path_b}\n{extra}--- {path_a}\n+++ {path_b}\n{body}"


def diff_cases() -> dict[str, bytes]:
    hunk = "@@ -1,3 +1,4 @@\n int a;\n+int b;\n int c;\n int d;\n"
    c = {
        "truncated hunk": C_HUNK[: C_HUNK.index("+\t\treturn ret;")],
        "truncated in the header": "diff --git a/x.c b/x.c\nindex 123..456 100644\n--- a/x.c\n",
        "truncated hunk header": "diff --git a/x.c b/x.c\n--- a/x.c\n+++ b/x.c\n@@ -1,3\n",
        "whitespace damaged": C_HUNK.replace("\n \t", "\n\t").replace("\n \n", "\n\n"),
        "wrapped long lines": C_HUNK.replace("+\tif (reg & MASK == VAL)", "+\tif (reg &\nMASK == VAL)"),
        "binary git patch": "diff --git a/fw.bin b/fw.bin\nnew file mode 100644\nindex 0000000..1234567\n"
                            "GIT binary patch\nliteral 12\nTcmZ?l00000Krl=C0ssI2\n\nliteral 0\nHcmV?d00001\n\n",
        "binary files differ": "diff --git a/x.png b/x.png\nindex 1..2 100644\nBinary files a/x.png and b/x.png differ\n",
        "rename only": "diff --git a/drivers/a.c b/drivers/b.c\nsimilarity index 100%\nrename from drivers/a.c\nrename to drivers/b.c\n",
        "rename with a hunk": "diff --git a/a.c b/b.c\nsimilarity index 90%\nrename from a.c\nrename to b.c\n--- a/a.c\n+++ b/b.c\n" + hunk,
        "mode change only": "diff --git a/scripts/x.sh b/scripts/x.sh\nold mode 100644\nnew mode 100755\n",
        "deleted file": "diff --git a/x.c b/x.c\ndeleted file mode 100644\nindex 123..000\n--- a/x.c\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-int a;\n-int b;\n",
        "new file": "diff --git a/n.c b/n.c\nnew file mode 100644\n--- /dev/null\n+++ b/n.c\n@@ -0,0 +1,2 @@\n+int a;\n+int b(void) { return a; }\n",
        "both sides /dev/null": "--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+x\n",
        "quoted path with spaces": _diff('"a/dir with space/f.c"', '"b/dir with space/f.c"', hunk),
        "unquoted path with spaces": _diff("a/dir with space/f.c", "b/dir with space/f.c", hunk),
        "octal-escaped unicode path": _diff('"a/drivers/\\303\\244.c"', '"b/drivers/\\303\\244.c"', hunk),
        "raw unicode path": _diff("a/drivers/\u00e4\u00df\u4e2d.c", "b/drivers/\u00e4\u00df\u4e2d.c", hunk),
        "path traversal": _diff("a/../../etc/passwd", "b/../../etc/passwd", hunk),
        "absolute path": "--- /etc/passwd\n+++ /etc/passwd\n" + hunk,
        "absolute path in git header": _diff("/etc/shadow.c", "/etc/shadow.c", hunk),
        "huge hunk numbers": "--- a/x.c\n+++ b/x.c\n@@ -99999999999999999999,1 +99999999999999999999,2 @@\n int a;\n+int b;\n",
        "negative-looking hunk": "--- a/x.c\n+++ b/x.c\n@@ --1,-1 +-1,-2 @@\n int a;\n+int b;\n",
        "empty git header": "diff --git a/x.c b/x.c\n",
        "hunk before any file": "@@ -1 +1 @@\n-a\n+b\n--- a/x.c\n+++ b/x.c\n" + hunk,
        "no newline at end markers": "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-int a;\n\\ No newline at end of file\n+int b;\n\\ No newline at end of file\n",
        "C tree-sitter cannot parse": "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,6 @@ ))))(((( {{{\n int a;\n+}}}}}} ((( ]]] \"unterminated\n+#define X(a, \\\n+@@@ $$$ ``` \x01\x02\n+/* unterminated comment\n int b;\n",
        "C with a form feed and NUL-ish bytes": "--- a/x.c\n+++ b/x.c\n@@ -1 +1,3 @@\n int a;\n+\x0c\n+int \x7f b;\n",
        "deep nesting C": "--- a/x.c\n+++ b/x.c\n@@ -1 +1,2 @@\n int a;\n+int f(void) {" + "{" * 20_000 + "}" * 20_000 + "}\n",
        "deep parentheses C": "--- a/x.c\n+++ b/x.c\n@@ -1 +1,2 @@\n int a;\n+int x = " + "(" * 20_000 + "1" + ")" * 20_000 + ";\n",
        "deep if chain C": "--- a/x.c\n+++ b/x.c\n@@ -1 +1,2 @@ int f(void)\n int a;\n+" + "if (a) " * 5_000 + "a = 1;\n",
        "deep else-if chain C": "--- a/x.c\n+++ b/x.c\n@@ -1 +1,2 @@ int f(void)\n int a;\n+" + "if (a & M == 1) a = 1; else " * 3_000 + "a = 2;\n",
        "long binary-expression chain C": "--- a/x.c\n+++ b/x.c\n@@ -1 +1,2 @@\n int a;\n+int x = " + " + ".join(["(a & 0xF0) == 0x1"] * 5_000) + ";\n",
        "long macro define chain": "--- a/x.h\n+++ b/x.h\n@@ -1 +1,200 @@\n int a;\n" + "".join(f"+#define M{i} (M{i - 1} + M{i - 1})\n" for i in range(1, 200)),
        "self-referential macros": "--- a/x.h\n+++ b/x.h\n@@ -1 +1,4 @@\n int a;\n+#define A B\n+#define B A\n+int x = A & 3 == B;\n",
    }
    return {name: mail(diff=diff if diff.endswith("\n") else diff + "\n", mid=f"d{i}") for i, (name, diff) in enumerate(c.items())}
