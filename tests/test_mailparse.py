import pytest

from reviewbot.mailparse import MailError, decode_bytes, decode_words, parse_mail
from reviewbot.sources import RawMessage


def mail_of(data: bytes, source: str = "t.eml"):
    return parse_mail(RawMessage(source, data))


def fixture_mail(fixtures, name):
    path = fixtures / "mail" / name
    return parse_mail(RawMessage(str(path), path.read_bytes()))


def test_headers_are_decoded_and_ids_lose_their_brackets():
    mail = mail_of(
        b"Received: from x by y\n\tid 1; Mon, 1 Jan 2024\n"
        b"From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.org>\n"
        b"To: \"Doe, John\" <j@example.org>, other@example.org\n"
        b"Cc: Alice <a@example.org>,\n Bob <b@example.org>\n"
        b"Subject: [PATCH v2 3/5] hwmon: a subject that was\n folded by git send-email\n"
        b"Date: Mon, 27 Apr 2026 12:00:00 +0000\n"
        b"Message-Id: <abc@example.org>\n"
        b"In-Reply-To: <root@example.org> (Alice's message of Monday)\n"
        b"References: <root@example.org>\n <mid@example.org>\n\n"
        b"Hello\n"
    )
    assert mail.from_ == "J\u00fcrgen M\u00fcller <jm@example.org>"
    assert mail.to == ("Doe, John <j@example.org>", "other@example.org")
    assert mail.cc == ("Alice <a@example.org>", "Bob <b@example.org>")
    assert mail.subject == "[PATCH v2 3/5] hwmon: a subject that was folded by git send-email"
    assert mail.date == "Mon, 27 Apr 2026 12:00:00 +0000"
    assert mail.message_id == "abc@example.org"
    assert mail.in_reply_to == "root@example.org"
    assert mail.references == ("root@example.org", "mid@example.org")
    assert mail.body == "Hello\n"
    assert mail.source == "t.eml"


def test_missing_headers_are_empty():
    mail = mail_of(b"Subject: hi\n\nbody\n")
    assert (mail.message_id, mail.in_reply_to, mail.references, mail.from_, mail.to) == ("", "", (), "", ())


def test_raw_8bit_and_latin1_headers():
    assert mail_of("Subject: caf\u00e9 \u2013 ok\n\nx\n".encode()).subject == "caf\u00e9 \u2013 ok"
    assert mail_of(b"Subject: caf\xe9\n\nx\n").subject == "caf\u00e9"


def test_encoded_words_split_inside_a_character_are_joined():
    # "\u00fc" is two UTF-8 bytes; mailers may cut between them
    assert decode_words("=?utf-8?q?M=C3?= =?utf-8?q?=BCller?=") == "M\u00fcller"
    assert decode_words("a =?utf-8?b?w7w=?= b") == "a \u00fc b"
    assert decode_words("=?x-unknown?q?caf=E9?=") == "caf\u00e9"


def test_charsets_fall_back_and_never_raise():
    assert decode_bytes("\u00e9".encode(), "y") == "\u00e9"
    assert decode_bytes(b"\xe9", "unknown-8bit") == "\u00e9"
    assert decode_bytes(b"\xe9", "us-ascii") == "\u00e9"
    assert decode_bytes(b"abc", "base64") == "abc"


def test_crlf_is_normalised(fixtures):
    mail = fixture_mail(fixtures, "crlf-patch.eml")
    assert "\r" not in mail.body and "\r" not in mail.subject
    assert mail.message_id == "20260303090000.1-ada@example.org"
    assert "-\t/* read the temperatrue */\n" in mail.body


def test_quoted_printable_body(fixtures):
    mail = fixture_mail(fixtures, "qp-patch.eml")
    assert "=3D" not in mail.body
    assert "diff --git a/drivers/hwmon/adt7475.c" in mail.body


def test_base64_body(fixtures):
    mail = fixture_mail(fixtures, "base64-patch.eml")
    assert "diff --git a/drivers/edac/ghes_edac.c b/drivers/edac/ghes_edac.c" in mail.body


def test_charset_y_body(fixtures):
    mail = fixture_mail(fixtures, "charset-y-patch.eml")
    assert mail.subject.startswith("[PATCH v4 8/8] docs: misc: amd-sbi")
    assert "diff --git a/Documentation/misc-devices/amd-sbi.rst" in mail.body


def test_latin1_body(fixtures):
    mail = fixture_mail(fixtures, "latin1-patch.eml")
    assert "\ufffd" not in mail.body
    assert "diff --git" in mail.body


def test_rfc2047_subject_and_in_body_from(fixtures):
    mail = fixture_mail(fixtures, "rfc2047-inbody-from-patch.eml")
    assert "=?" not in mail.subject and "\n" not in mail.subject
    assert mail.subject.startswith("[PATCH linux-next v3] x86/platform/uv:")


def test_patch_attachment_is_appended_and_named(fixtures):
    mail = fixture_mail(fixtures, "multipart-attachment.eml")
    assert mail.attachments == ("0001-platform-x86-bar-Use-the-right-GPIO.patch",)
    assert mail.body.startswith("Hi,\n\nmy mailer mangles inline patches")
    assert "+\t\t.gpio = 7,\n" in mail.body
    assert "<html>" not in mail.body and "attached</b>" not in mail.body
    assert "PGP SIGNATURE" not in mail.body


def test_reply_with_patch_attachment(fixtures):
    mail = fixture_mail(fixtures, "reply-with-attachment.eml")
    assert mail.attachments == ("0001-hwmon-Implement-hwmon_update_groups.patch",)
    assert mail.body.startswith("On 5/16/22 05:21, Guenter Roeck wrote:")


def test_html_only_mail_becomes_text():
    mail = mail_of(
        b"Subject: x\nContent-Type: text/html; charset=utf-8\n\n<p>Looks good &amp; fine</p><br>Thanks\n"
    )
    assert mail.body.strip() == "Looks good & fine\n\nThanks"


def test_plain_and_html_alternative_keeps_plain():
    mail = mail_of(
        b'Subject: x\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nplain words\n"
        b"--b\nContent-Type: text/html\n\n<p>html words</p>\n--b--\n"
    )
    assert mail.body == "plain words"


def test_octet_stream_text_attachment_with_a_diff_counts():
    mail = mail_of(
        b'Subject: x\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nsee attachment\n"
        b'--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="fix.diff"\n\n'
        b"--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-a\n+b\n"
        b'--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="blob.bin"\n\n'
        b"\x00\x01\x02\n--b--\n"
    )
    assert mail.attachments == ("fix.diff",)
    assert mail.body.startswith("see attachment\n--- a/f.c\n")


def test_broken_base64_does_not_raise():
    mail = mail_of(b"Subject: x\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ!!\n*\n")
    assert mail.body.startswith("hello world")


def test_headers_end_at_a_line_that_is_no_header():
    mail = mail_of(b"Subject: x\nthis is already the body\n")
    assert mail.subject == "x" and mail.body == "this is already the body\n"


@pytest.mark.parametrize("data", [b"", b"  \n", b"no headers here\n", b"\nbody only\n"])
def test_hopeless_input_raises_mail_error(data):
    with pytest.raises(MailError) as info:
        mail_of(data)
    assert "\n" not in str(info.value)
