"""Group patch mails into series.

Rules, in the order they are tried for a numbered patch (``[PATCH v2 3/5]``):

1. **Cover letter.**  A non-reply ``0/N`` mail is a cover letter.  A patch
   whose In-Reply-To/References name a cover of the same version and total
   belongs to that cover's series.
2. **Thread root.**  Otherwise patches with the same version, total, sender
   and thread root (the first References entry, else In-Reply-To, else their
   own Message-ID) form a series with its cover missing.
3. **Adjacency.**  Mails with no threading headers at all (``git
   format-patch`` files) join the series of the mail just before them when
   sender, version and total match and the slot is free.

A patch without a counter (``[PATCH v2] foo``, or a bare diff with no tags
at all) is a series of total 1; a diff under other tags (``[tip: x]``
commit notices, ``[GIT PULL]``) is not a submission and goes with replies.
Duplicates of a slot (a resend into the same thread) keep the *later* mail
in the slot and move the earlier to ``Series.extras``, as do counters beyond
the total.  Two mails with the same Message-ID are one mail: the first is
kept.  Replies that kept the patch subject without ``Re:`` are recognised by
their parent (see ``_disguised_reply``) and returned with the replies.
Series come out in the order of their first mail in the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .model import Mail, Patch, Series, Subject
from .subject import parse_subject


@dataclass(frozen=True)
class _Entry:
    index: int
    mail: Mail
    subject: Subject
    patch: Patch | None

    @property
    def tags(self) -> tuple[int, int | None, int | None]:
        return (self.subject.version, self.subject.total, self.subject.counter)

    @property
    def ancestors(self) -> tuple[str, ...]:
        """Message-IDs this mail answers, nearest first."""
        ids = (self.mail.in_reply_to, *reversed(self.mail.references))
        return tuple(dict.fromkeys(i for i in ids if i))

    @property
    def sender(self) -> str:
        text = self.mail.from_
        if "<" in text and text.endswith(">"):
            text = text[text.rfind("<") + 1 : -1]
        return text.strip().lower()


@dataclass
class _Group:
    version: int
    total: int
    cover: _Entry | None = None
    members: list[_Entry] = field(default_factory=list)

    @property
    def first(self) -> int:
        indexes = [e.index for e in self.members]
        if self.cover:
            indexes.append(self.cover.index)
        return min(indexes)

    def has(self, counter: int | None) -> bool:
        return any(e.subject.counter == counter for e in self.members)


def assemble(items: Iterable[Mail | Patch]) -> tuple[list[Series], list[Mail]]:
    """The series among ``items`` and the mails that are neither patch nor cover."""
    entries = _entries(items)
    by_id = {e.mail.message_id: e for e in entries if e.mail.message_id}
    covers: list[_Entry] = []
    patches: list[_Entry] = []
    others: list[Mail] = []
    for entry in entries:
        if _is_cover(entry) and not _disguised_reply(entry, by_id):
            covers.append(entry)
        elif entry.patch and _is_submission(entry.subject) and entry.subject.counter != 0:
            if not _disguised_reply(entry, by_id):
                patches.append(entry)
                continue
            others.append(entry.mail)
        else:
            others.append(entry.mail)
    return _group(covers, patches), others


def _entries(items: Iterable[Mail | Patch]) -> list[_Entry]:
    entries: list[_Entry] = []
    seen: set[str] = set()
    for item in items:
        patch = item if isinstance(item, Patch) else None
        mail = item.mail if isinstance(item, Patch) else item
        if mail.message_id:
            if mail.message_id in seen:
                continue  # the same mail twice (cross-posted, or named twice)
            seen.add(mail.message_id)
        subject = patch.subject if patch else parse_subject(mail.subject)
        entries.append(_Entry(len(entries), mail, subject, patch))
    return entries


def _is_submission(subject: Subject) -> bool:
    """Not a reply, and tagged [PATCH]/[RFC] or not tagged at all (a bare diff).

    A diff under other tags (``[tip: ras/core]`` commit notices, ``[GIT
    PULL]``) is not something sent for review.
    """
    return not subject.is_reply and (subject.is_patch or not subject.prefixes)


def _is_cover(entry: _Entry) -> bool:
    s = entry.subject
    return s.is_patch and not s.is_reply and s.counter == 0 and bool(s.total)


def _disguised_reply(entry: _Entry, by_id: dict[str, _Entry]) -> bool:
    """A reply that kept the subject of its parent without adding ``Re:``.

    For a cover: its parent is a cover with the same tags.  For a patch (an
    Outlook-style reply quoting the whole diff without ``>``): its parent
    has the same subject and another sender.
    """
    parent = by_id.get(entry.mail.parent_id)
    if parent is None or parent is entry or parent.subject.is_reply:
        return False
    same = parent.tags == entry.tags and parent.subject.resend == entry.subject.resend
    if entry.subject.counter == 0:
        return same and _is_cover(parent)
    return same and parent.subject.title == entry.subject.title and parent.sender != entry.sender


def _group(covers: list[_Entry], patches: list[_Entry]) -> list[Series]:
    groups: dict[tuple[object, ...], _Group] = {}
    cover_of: dict[str, _Group] = {}
    loose: list[_Entry] = []  # no threading headers at all
    for cover in covers:
        if cover.mail.message_id:
            group = _Group(cover.subject.version, cover.subject.total or 1, cover)
            groups[("cover", cover.mail.message_id)] = group
            cover_of[cover.mail.message_id] = group
        else:
            loose.append(cover)
    for entry in patches:
        version, total, counter = entry.tags
        if counter is None or not total:
            groups[("single", entry.index)] = _Group(version, 1, None, [entry])
            continue
        group = next(
            (
                cover_of[i]
                for i in entry.ancestors
                if i in cover_of and (cover_of[i].version, cover_of[i].total) == (version, total)
            ),
            None,
        )
        if group is None:
            refs = entry.mail.references
            root = refs[0] if refs else entry.mail.in_reply_to or entry.mail.message_id
            if not root:
                loose.append(entry)
                continue
            key = ("root", root, version, total, entry.sender)
            group = groups.setdefault(key, _Group(version, total))
        group.members.append(entry)
    for number, group in enumerate(_adjacent(sorted(loose, key=lambda e: e.index))):
        groups[("loose", number)] = group
    ordered = sorted(groups.values(), key=lambda g: g.first)
    return [_series(g) for g in ordered]


def _adjacent(entries: list[_Entry]) -> list[_Group]:
    out: list[_Group] = []
    last_key: tuple[object, ...] | None = None
    for entry in entries:
        version, total, counter = entry.tags
        key = (entry.sender, version, total)
        if counter == 0:
            out.append(_Group(version, total or 1, entry))
        elif out and key == last_key and not out[-1].has(counter):
            out[-1].members.append(entry)
        else:
            out.append(_Group(version, total or 1, None, [entry]))
        last_key = key
    return out


def _series(group: _Group) -> Series:
    slots: dict[int, _Entry] = {}
    extras: list[_Entry] = []
    for entry in sorted(group.members, key=lambda e: e.index):
        counter = entry.subject.counter or 1
        if counter > group.total:
            extras.append(entry)
            continue
        if counter in slots:
            extras.append(slots[counter])  # the later mail wins the slot
        slots[counter] = entry
    items: list[Mail | Patch | None] = [group.cover.mail if group.cover else None]
    items.extend(_patch(slots.get(i)) for i in range(1, group.total + 1))
    if group.cover:
        title = group.cover.subject.title
    else:
        title = slots[min(slots)].subject.title if slots else ""
    return Series(
        version=group.version,
        total=group.total,
        items=tuple(items),
        title=title,
        extras=tuple(e.patch for e in sorted(extras, key=lambda e: e.index) if e.patch),
    )


def _patch(entry: _Entry | None) -> Patch | None:
    return entry.patch if entry else None
