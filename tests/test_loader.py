import io
import random

from reviewbot.loader import Loaded, load, load_message
from reviewbot.model import Mail, Patch
from reviewbot.sources import RawMessage

BROKEN = (
    b"From: A <a@x>\nSubject: [PATCH 1/1] hwmon: broken\nMessage-ID: <broken@x>\n\n"
    b"msg\n---\n--- a/drivers/hwmon/foo.c\n+++ b/drivers/hwmon/foo.c\n@@ -10,7 +10,8 @@\n a\n"
)


def test_tdx_series_mbox(fixtures):
    loaded = load([str(fixtures / "tdx-module-update-v8.mbox")])
    assert isinstance(loaded, Loaded)
    assert (loaded.messages, loaded.errors, loaded.others) == (22, (), ())
    (series,) = loaded.series
    assert (series.version, series.total) == (8, 21)
    assert series.cover is not None and series.cover.subject.startswith("[PATCH v8 00/21]")
    assert len(series.patches) == 21 and None not in series.items and series.complete
    assert series.title == "Runtime TDX module update support"


def test_tdx_single_patch(fixtures):
    loaded = load([str(fixtures / "tdx-v8-16.patch")])
    (series,) = loaded.series
    assert series.total == 21 and series.cover is None
    assert [i for i, item in enumerate(series.items) if item is not None] == [16]
    (patch,) = series.patches
    assert len(patch.files) == 5
    hunk = patch.file("arch/x86/virt/vmx/tdx/tdx.c").hunks[1]
    assert hunk.section == "int tdx_module_shutdown(void)"
    (line,) = [ln for ln in hunk.lines if "if ((err & TDX_SEAMCALL_STATUS_MASK)" in ln.text]
    assert line.new == 1268


def test_failures_are_errors_naming_message_and_the_rest_goes_on(tmp_path, fixtures):
    bad = tmp_path / "bad.eml"
    bad.write_bytes(BROKEN)
    loaded = load([str(tmp_path / "nope.mbox"), str(bad), str(fixtures / "tdx-v8-16.patch")])
    assert loaded.messages == 2
    assert [str(e) for e in loaded.errors] == [
        f"{tmp_path / 'nope.mbox'}: cannot read: No such file or directory",
        f"{bad} <broken@x>: diff does not parse: hunk @@ -10,7 +10,8 @@ in drivers/hwmon/foo.c is truncated",
    ]
    assert len(loaded.series) == 1 and loaded.others == ()


def test_skipped_file_is_reported_but_the_patch_kept(fixtures):
    loaded = load([str(fixtures / "mail" / "whitespace-damaged.eml")])
    (error,) = loaded.errors
    assert error.source.endswith("whitespace-damaged.eml <damaged-1@example.org>")
    assert "drivers/hwmon/qux.c" in error.message
    assert [f.path for f in loaded.series[0].patches[0].files] == ["drivers/hwmon/baz.c"]


def test_reply_with_a_broken_diff_is_just_a_reply():
    raw = RawMessage("r.eml", BROKEN.replace(b"Subject: [PATCH", b"Subject: Re: [PATCH"))
    item, errors = load_message(raw)
    assert isinstance(item, Mail) and errors == []


def test_reply_with_attachment_is_among_others(fixtures):
    loaded = load([str(fixtures / "mail" / "reply-with-attachment.eml")])
    assert loaded.series == () and len(loaded.others) == 1 and loaded.errors == ()


def test_stdin(fixtures):
    data = (fixtures / "tdx-module-update-v8.mbox").read_bytes()
    loaded = load(["-"], stdin=io.BytesIO(data))
    assert loaded.messages == 22 and len(loaded.series[0].patches) == 21
    assert loaded.series[0].patches[0].mail.source == "<stdin>#2"


def test_hopeless_message_is_an_error_not_an_exception():
    item, errors = load_message(RawMessage("x.mbox#3", b"\x00junk without headers"))
    assert item is None and errors[0].source == "x.mbox#3" and "\n" not in errors[0].message


INSERTS = [b"\n", b"=?utf-8?b?", b"?=", b"\n@@ -1,2 +1 @@\n", b"\ndiff --git a/x b/y\n", b"\n-- \n",
           b"\n--- a/x\n+++ b/x\n", b"Content-Type: multipart/mixed; boundary=x\n", b"\n--x\n", b"\x00",
           b"charset=", b"Content-Transfer-Encoding: base64\n", b'"', b"<", b"\\ No newline at end of file\n"]


def test_mangled_messages_never_raise(fixtures):
    bases = [(fixtures / name).read_bytes() for name in ("tdx-v8-16.patch", "mail/multipart-attachment.eml")]
    for case in range(300):
        rnd = random.Random(case)
        data = bytearray(rnd.choice(bases))
        for _ in range(rnd.randint(1, 20)):
            pos = rnd.randrange(len(data) or 1)
            action = rnd.randrange(3)
            if action == 0:
                data[pos:pos] = rnd.choice(INSERTS)
            elif action == 1:
                del data[pos : pos + rnd.randint(1, 40)]
            else:
                data[pos : pos + 1] = bytes([rnd.randrange(256)])
        item, errors = load_message(RawMessage(f"case#{case}", bytes(data)))
        assert isinstance(item, (Mail, Patch)) or errors, case
        assert not [e for e in errors if "internal error" in e.message], case


def test_in_body_author_is_not_taken_for_a_header(fixtures):
    (series,) = load([str(fixtures / "tdx-module-update-v8.mbox")]).series
    first = series.patches[0]
    assert first.mail.from_ == "Chao Gao <chao.gao@intel.com>"
    assert first.message.startswith("From: Kai Huang <kai.huang@intel.com>\n\n")
    assert first.subject.counter == 1
