import gzip
import io

from reviewbot.sources import InputError, RawMessage, read_inputs

ONE_MAIL = b"From: a@example.org\nSubject: [PATCH] x\nMessage-ID: <1@x>\n\nbody\n"


def read(*paths, stdin=None):
    return list(read_inputs([str(p) for p in paths], stdin=stdin))


def test_format_patch_file_is_one_message_named_by_its_path(fixtures):
    path = fixtures / "tdx-v8-16.patch"
    (message,) = read(path)
    assert isinstance(message, RawMessage)
    assert message.source == str(path)
    assert message.data.startswith(b"From: Chao Gao <chao.gao@intel.com>\n")


def test_mbox_is_split_and_numbered_from_one(fixtures):
    path = fixtures / "tdx-module-update-v8.mbox"
    messages = read(path)
    assert len(messages) == 22
    assert [m.source for m in messages[:2]] == [f"{path}#1", f"{path}#2"]
    assert all(m.data.startswith(b"From: ") for m in messages)
    # the in-body "From: Kai Huang" of patch 1 does not start a message
    assert b"\n\nFrom: Kai Huang <kai.huang@intel.com>\n" in messages[1].data


def test_gzip_is_detected_by_magic_bytes_not_by_name(fixtures, tmp_path):
    plain = (fixtures / "tdx-module-update-v8.mbox").read_bytes()
    packed = tmp_path / "series.mbox"  # no .gz suffix
    packed.write_bytes(gzip.compress(plain))
    messages = read(packed)
    assert len(messages) == 22
    assert messages[0].source == f"{packed}#1"


def test_mboxrd_from_quoting_is_undone(tmp_path):
    path = tmp_path / "rd.mbox"
    path.write_bytes(
        b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + ONE_MAIL + b">From the start\n>>From deeper\n\n"
        b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + ONE_MAIL + b"\n"
    )
    first, second = read(path)
    assert first.data == ONE_MAIL + b"From the start\n>From deeper\n"
    assert second.data == ONE_MAIL


def test_git_format_patch_output_is_not_unquoted(tmp_path):
    path = tmp_path / "0001-x.patch"
    text = b"From 1234abcd Mon Sep 17 00:00:00 2001\n" + ONE_MAIL + b">From a quote\n"
    path.write_bytes(text)
    (message,) = read(path)
    assert message.data.endswith(b">From a quote\n")


def test_from_line_in_a_commit_message_does_not_split(tmp_path):
    path = tmp_path / "0001-x.patch"
    path.write_bytes(
        b"From 1234abcd Mon Sep 17 00:00:00 2001\n" + ONE_MAIL + b"\nFrom the spec, this is right.\n"
    )
    assert len(read(path)) == 1


def test_plain_mbox_separators_with_any_sender(tmp_path):
    path = tmp_path / "o.mbox"
    path.write_bytes(
        b"From someone@example.org Mon Apr 27 12:00:00 2026\n" + ONE_MAIL + b"\n"
        b"From - Tue Apr 28 12:00:00 2026\n" + ONE_MAIL
    )
    assert len(read(path)) == 2


def test_eml_is_one_message(fixtures):
    (message,) = read(fixtures / "mail" / "qp-patch.eml")
    assert isinstance(message, RawMessage)


def test_bare_diff_gets_a_subject_naming_the_file(fixtures):
    (message,) = read(fixtures / "mail" / "bare.diff")
    assert message.data.startswith(b"Subject: bare.diff\n\ndiff --git ")


def test_text_with_a_diff_after_some_prose_is_wrapped_too(tmp_path):
    path = tmp_path / "show.txt"
    path.write_bytes(b"commit 1234\nAuthor: x\n\n    msg\n\ndiff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n")
    (message,) = read(path)
    assert message.data.startswith(b"Subject: show.txt\n")


def test_problems_are_errors_and_reading_goes_on(tmp_path, fixtures):
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"\n\n")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    broken = tmp_path / "broken.mbox.gz"
    broken.write_bytes(gzip.compress(ONE_MAIL)[:-12])
    prose = tmp_path / "notes.txt"
    prose.write_bytes(b"just some words\nand more\n")
    plain_dir = tmp_path / "dir"
    plain_dir.mkdir()
    results = read(tmp_path / "missing.patch", empty, junk, broken, prose, plain_dir, fixtures / "tdx-v8-16.patch")
    errors = [r for r in results if isinstance(r, InputError)]
    assert [e.source for e in errors] == [
        str(tmp_path / "missing.patch"), str(empty), str(junk), str(broken), str(prose), str(plain_dir)
    ]
    assert errors[0].message == "cannot read: No such file or directory"
    assert errors[1].message == "empty file"
    assert "binary" in errors[2].message
    assert "gzip" in errors[3].message
    assert all("\n" not in e.message for e in errors)
    assert isinstance(results[-1], RawMessage)


def test_maildir_reads_cur_and_new(tmp_path):
    for sub, name in (("cur", "1700000002.M1.host:2,S"), ("new", "1700000001.M1.host"), ("tmp", "x")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / name).write_bytes(ONE_MAIL)
    messages = read(tmp_path)
    assert [m.source for m in messages] == [
        str(tmp_path / "new" / "1700000001.M1.host"),
        str(tmp_path / "cur" / "1700000002.M1.host:2,S"),
    ]


def test_stdin_for_dash_and_for_no_paths(fixtures):
    data = (fixtures / "tdx-module-update-v8.mbox").read_bytes()
    messages = list(read_inputs([], stdin=io.BytesIO(data)))
    assert len(messages) == 22 and messages[2].source == "<stdin>#3"
    (one,) = read("-", stdin=io.BytesIO(ONE_MAIL))
    assert one == RawMessage("<stdin>", ONE_MAIL)


def test_crlf_mbox_splits(tmp_path):
    path = tmp_path / "crlf.mbox"
    mail = ONE_MAIL.replace(b"\n", b"\r\n")
    path.write_bytes(b"From x@y Mon Apr 27 12:00:00 2026\r\n" + mail + b"\r\n" + b"From x@y Mon Apr 27 12:00:00 2026\r\n" + mail)
    first, second = read(path)
    assert first.data == mail and second.data == mail
