from reviewbot.model import Mail, Patch
from reviewbot.series import assemble
from reviewbot.subject import parse_subject

ALICE = "Alice <alice@example.org>"
BOB = "Bob <bob@example.org>"


def mail(subject, mid="", irt="", refs=(), sender=ALICE):
    if irt and not refs:
        refs = (irt,)
    return Mail(mid, subject, sender, (), (), "", irt, tuple(refs), "", mid or subject)


def patch(subject, mid="", irt="", refs=(), sender=ALICE):
    m = mail(subject, mid, irt, refs, sender)
    return Patch(m, parse_subject(subject), "", "", (), ())


def ids(series):
    return [None if i is None else i.mail.message_id if isinstance(i, Patch) else i.message_id for i in series.items]


def test_cover_and_patches_threaded_to_it():
    items = [
        mail("[PATCH v2 0/3] hwmon: cover", "c"),
        patch("[PATCH v2 1/3] one", "p1", "c"),
        patch("[PATCH v2 3/3] three", "p3", "c"),
        mail("Re: [PATCH v2 1/3] one", "r1", "p1", ("c", "p1"), BOB),
    ]
    (series,), others = assemble(items)
    assert (series.version, series.total, series.title) == (2, 3, "hwmon: cover")
    assert ids(series) == ["c", "p1", None, "p3"]
    assert series.missing == (2,) and not series.complete
    assert [m.message_id for m in others] == ["r1"]


def test_patches_without_a_counter_are_series_of_one():
    (one, two), others = assemble([patch("[PATCH] a", "a"), patch("[PATCH v3] b", "b")])
    assert (one.total, one.version, ids(one)) == (1, 1, [None, "a"])
    assert (two.total, two.version, two.title) == (1, 3, "b")
    assert others == []


def test_missing_cover_groups_by_thread_root_sender_and_tags():
    items = [
        patch("[PATCH 2/3] two", "p2", "p1", ("p1",)),
        patch("[PATCH 1/3] one", "p1"),
        patch("[PATCH 3/3] three", "p3", "p1", ("p1",)),
        patch("[PATCH 1/2] other series by Bob", "q1", sender=BOB),
    ]
    first, second = assemble(items)[0]
    assert ids(first) == [None, "p1", "p2", "p3"] and first.title == "one"
    assert ids(second) == [None, "q1", None]


def test_patch_whose_cover_is_absent_still_forms_a_series():
    (series,), _ = assemble([patch("[PATCH v8 16/21] x86/virt/tdx: x", "p16", "c0")])
    assert series.total == 21 and series.cover is None
    assert [i for i, item in enumerate(series.items) if item is not None] == [16]


def test_two_versions_in_one_thread_are_two_series():
    items = [
        mail("[PATCH 0/2] cover", "c1"),
        patch("[PATCH 1/2] a", "a1", "c1"),
        patch("[PATCH 2/2] b", "b1", "c1"),
        mail("[PATCH v2 0/2] cover", "c2", "c1"),
        patch("[PATCH v2 1/2] a", "a2", "c2", ("c1", "c2")),
        patch("[PATCH v2 2/2] b", "b2", "c2", ("c1", "c2")),
    ]
    v1, v2 = assemble(items)[0]
    assert ids(v1) == ["c1", "a1", "b1"] and ids(v2) == ["c2", "a2", "b2"]
    assert (v1.version, v2.version) == (1, 2)


def test_duplicate_counter_keeps_the_later_and_extras_hold_the_rest():
    items = [
        mail("[PATCH 0/2] cover", "c"),
        patch("[PATCH 1/2] a", "a", "c"),
        patch("[PATCH RESEND 1/2] a", "a-again", "c"),
        patch("[PATCH 2/2] b", "b", "c"),
        patch("[PATCH 3/2] beyond the total", "z", "c"),
    ]
    (series,), _ = assemble(items)
    assert ids(series) == ["c", "a-again", "b"]
    assert [p.message_id for p in series.extras] == ["a", "z"]


def test_replies_and_non_patches_are_others():
    items = [
        patch("Re: [PATCH] reviewer's counter-proposal", "r1", "x"),
        mail("[GIT PULL] hwmon fixes", "pull"),
        mail("[PATCH 2/3] a reply that kept the subject and has no diff", "kept", "p2"),
        mail("Re: [PATCH 0/3] thanks", "r2", "c"),
    ]
    series, others = assemble(items)
    assert series == []
    assert [m.message_id for m in others] == ["r1", "pull", "kept", "r2"]


def test_reply_in_disguise_is_not_a_second_patch_or_cover():
    items = [
        mail("[PATCH 0/1] cover", "c"),
        patch("[PATCH 1/1] fix", "p", "c"),
        patch("[PATCH 1/1] fix", "outlook", "p", ("c", "p"), BOB),  # quotes the whole diff, no '>'
        mail("[PATCH 0/1] cover", "cover-reply", "c", sender=BOB),
    ]
    (series,), others = assemble(items)
    assert ids(series) == ["c", "p"] and series.extras == ()
    assert [m.message_id for m in others] == ["outlook", "cover-reply"]


def test_resend_in_reply_by_the_author_is_not_a_disguised_reply():
    items = [patch("[PATCH] fix", "p"), patch("[PATCH] fix", "p-again", "p")]
    series, others = assemble(items)
    assert len(series) == 2 and others == []


def test_threadless_format_patch_files_group_by_adjacency():
    items = [
        mail("[PATCH v2 0/2] cover"),
        patch("[PATCH v2 1/2] a"),
        patch("[PATCH v2 2/2] b"),
        patch("[PATCH v2 1/2] a, sent again"),
        patch("[PATCH 1/1] someone else's", sender=BOB),
    ]
    first, second, third = assemble(items)[0]
    assert [type(i).__name__ for i in first.items] == ["Mail", "Patch", "Patch"]
    assert first.patches[1].subject.title == "b"
    assert [p.subject.title for p in second.patches] == ["a, sent again"]
    assert third.total == 1


def test_same_message_id_twice_is_one_mail():
    items = [mail("[PATCH 0/1] c", "c"), patch("[PATCH 1/1] a", "a", "c"), patch("[PATCH 1/1] a", "a", "c")]
    (series,), others = assemble(items)
    assert ids(series) == ["c", "a"] and series.extras == () and others == []


def test_a_cover_that_carries_a_diff_is_still_the_cover():
    items = [patch("[PATCH 0/1] cover with interdiff", "c"), patch("[PATCH 1/1] a", "a", "c")]
    (series,), _ = assemble(items)
    assert isinstance(series.items[0], Mail) and ids(series) == ["c", "a"]


def test_order_is_first_appearance_and_deterministic():
    items = [
        patch("[PATCH 2/2] late b", "b2", "b1", ("b1",)),
        patch("[PATCH] single", "s"),
        patch("[PATCH 1/2] late a", "b1"),
        mail("[PATCH 0/1] cover", "c"),
        patch("[PATCH 1/1] x", "x", "c"),
    ]
    titles = [s.title for s in assemble(items)[0]]
    assert titles == ["late a", "single", "cover"]
    assert titles == [s.title for s in assemble(items)[0]]


def test_cover_alone_is_a_series_with_every_patch_missing():
    (series,), _ = assemble([mail("[PATCH 0/2] only the cover", "c")])
    assert series.missing == (1, 2) and series.cover.message_id == "c"


def test_untagged_diff_is_a_series_but_other_tags_are_not():
    items = [patch("foo.diff", "bare"), patch("[tip: ras/core] x86/mce: fix", "tip"), patch("[GIT PULL] hwmon", "pull")]
    (series,), others = assemble(items)
    assert ids(series) == [None, "bare"] and series.title == "foo.diff"
    assert [m.message_id for m in others] == ["tip", "pull"]
