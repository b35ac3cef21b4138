"""The data model: mail -> series -> patch -> file changes -> hunks -> lines.

Everything here is a frozen dataclass.  Data flows one way: the parsers in
``mailparse``, ``patchparse`` and ``series`` build these objects, the engine
walks them, rules read them, reporters print them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

C_SUFFIXES = (".c", ".h")


@dataclass(frozen=True)
class Mail:
    """One decoded message.

    ``body`` is the text of the message as a person reads it: MIME decoded,
    charset decoded, CRLF normalised to LF.  Text attachments that carry a
    diff are appended to ``body`` (``attachments`` keeps their names).
    """

    message_id: str  # without angle brackets; "" when the mail has none
    subject: str  # decoded, folded onto one line
    from_: str  # decoded "Name <addr>"
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: str  # the Date: header as sent ("" when missing)
    in_reply_to: str  # message-id without brackets, or ""
    references: tuple[str, ...]  # message-ids without brackets, oldest first
    body: str
    source: str  # where it came from: "file.mbox#12" or "file.patch"
    attachments: tuple[str, ...] = ()

    @property
    def parent_id(self) -> str:
        """The message this one answers: In-Reply-To, else the last reference."""
        if self.in_reply_to:
            return self.in_reply_to
        return self.references[-1] if self.references else ""


@dataclass(frozen=True)
class Subject:
    """A parsed ``[PATCH net-next v2 3/5] subsys: title`` subject line."""

    raw: str
    title: str  # what follows the bracketed tags
    prefixes: tuple[str, ...] = ()  # other words in the tags: "net-next", "RFC"
    version: int = 1
    counter: int | None = None  # 3 in 3/5
    total: int | None = None  # 5 in 3/5
    is_patch: bool = False  # the tags contain PATCH (or RFC alone)
    rfc: bool = False
    resend: bool = False
    is_reply: bool = False  # starts with Re: / Aw: / Fwd:


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a hunk.  ``kind`` is '+', '-' or ' '.

    ``old`` is the line number in the pre-image (None for added lines),
    ``new`` the one in the post-image (None for removed lines).
    """

    kind: str
    text: str  # without the diff prefix and without the newline
    old: int | None
    new: int | None

    @property
    def is_added(self) -> bool:
        return self.kind == "+"

    @property
    def is_removed(self) -> bool:
        return self.kind == "-"

    @property
    def is_context(self) -> bool:
        return self.kind == " "


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str  # the function context after the second @@ ("" if none)
    lines: tuple[Line, ...]

    @property
    def header(self) -> str:
        head = f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"
        return f"{head} {self.section}" if self.section else head

    @property
    def added(self) -> tuple[Line, ...]:
        return tuple(ln for ln in self.lines if ln.kind == "+")

    @property
    def removed(self) -> tuple[Line, ...]:
        return tuple(ln for ln in self.lines if ln.kind == "-")

    def post_image(self) -> tuple[Line, ...]:
        """Context and added lines, in post-image order."""
        return tuple(ln for ln in self.lines if ln.kind != "-")

    def contains_new(self, lineno: int) -> bool:
        return self.new_start <= lineno < self.new_start + max(self.new_len, 1)

    def __reduce__(self) -> tuple:
        """Pickled by columns, not as an object per line: ``check --stream``
        sends patches to its worker processes, and this halves the time."""
        lines = self.lines
        return _hunk, (self.old_start, self.old_len, self.new_start, self.new_len, self.section,
                       "".join([ln.kind for ln in lines]), tuple([ln.text for ln in lines]),
                       tuple([ln.old for ln in lines]), tuple([ln.new for ln in lines]))


def _hunk(old_start: int, old_len: int, new_start: int, new_len: int, section: str,
          kinds: str, texts: tuple[str, ...], olds: tuple, news: tuple) -> Hunk:
    """A pickled Hunk (see ``Hunk.__reduce__``), rebuilt as pickle rebuilds
    a dataclass: a bare object and its fields (a frozen ``__init__`` costs
    three times as much)."""
    lines = tuple(map(Line, kinds, texts, olds, news))
    hunk = object.__new__(Hunk)
    hunk.__dict__.update(old_start=old_start, old_len=old_len, new_start=new_start, new_len=new_len,
                         section=section, lines=lines)
    return hunk


@dataclass(frozen=True)
class FileChange:
    """The change of one file in a patch."""

    old_path: str | None  # None when the file is created (/dev/null)
    new_path: str | None  # None when the file is deleted
    hunks: tuple[Hunk, ...]
    header: tuple[str, ...] = ()  # "diff --git", "index", "---", "+++" as sent
    is_binary: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    @property
    def is_new(self) -> bool:
        return self.old_path is None

    @property
    def is_deleted(self) -> bool:
        return self.new_path is None

    @property
    def is_c(self) -> bool:
        return self.path.endswith(C_SUFFIXES)

    def added_lines(self) -> frozenset[int]:
        """New-side numbers of the lines this change adds."""
        return frozenset(
            ln.new for h in self.hunks for ln in h.lines if ln.kind == "+" and ln.new is not None
        )

    def hunk_at(self, new_line: int) -> Hunk | None:
        for h in self.hunks:
            if h.contains_new(new_line):
                return h
        return None


@dataclass(frozen=True)
class Patch:
    """A patch mail: its subject tags, commit message, trailers and diff."""

    mail: Mail
    subject: Subject
    message: str  # the commit message (before the first '---')
    notes: str  # what stands between '---' and the diff (changelog, diffstat)
    trailers: tuple[tuple[str, str], ...]  # ("Signed-off-by", "A <a@b>")
    files: tuple[FileChange, ...]

    @property
    def message_id(self) -> str:
        return self.mail.message_id

    def file(self, path: str) -> FileChange | None:
        for fc in self.files:
            if fc.path == path:
                return fc
        return None


@dataclass(frozen=True)
class Series:
    """One version of a patch series.

    ``items[0]`` is the cover letter (a Mail) or None; ``items[i]`` for
    ``1 <= i <= total`` is patch i or None when it did not arrive.
    """

    version: int
    total: int
    items: tuple[Mail | Patch | None, ...]
    title: str = ""
    extras: tuple[Patch, ...] = field(default=())  # duplicates or counters beyond total

    @property
    def cover(self) -> Mail | None:
        first = self.items[0] if self.items else None
        return first if isinstance(first, Mail) else None

    @property
    def patches(self) -> tuple[Patch, ...]:
        return tuple(p for p in self.items[1:] if isinstance(p, Patch))

    @property
    def missing(self) -> tuple[int, ...]:
        return tuple(i for i, p in enumerate(self.items) if i > 0 and p is None)

    @property
    def complete(self) -> bool:
        return not self.missing
