"""Parse ``[PATCH net-next v2 3/5] subsys: title`` subject lines.

The tags are the bracket groups at the start of the subject (after any
``Re:``/``Aw:``/``Fwd:`` prefixes).  Their words are read one by one:
``PATCH`` (also ``PATCHv2``), ``RFC``, ``RESEND``, ``vN``, ``N/M``; every
other word is kept in ``prefixes`` in the order written, and so are
``RFC`` and ``RESEND`` (which also set their flags).
"""

from __future__ import annotations

import functools
import re

from .model import Subject

_REPLY = re.compile(
    r"(?:re|aw|sv|antw|fwd?|答复|回复|转发)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)
_GROUP = re.compile(r"\[([^\[\]]*)\]\s*")
_WORD_SPLIT = re.compile(r"[\s,]+")
_VERSION = re.compile(r"v(\d+)(?:\.\d+)?", re.IGNORECASE)
_PATCH_VERSION = re.compile(r"(patch|rfc)(?:-|_)?v?(\d+)?", re.IGNORECASE)
_COUNTER = re.compile(r"(\d+)/(\d+)")


@functools.lru_cache(maxsize=4096)  # a reply repeats the subject of its patch: a third of an archive
def parse_subject(raw: str) -> Subject:
    """Read the tags of a subject; a subject without tags is just a title."""
    text = " ".join(raw.split())
    is_reply = False
    tagged = False  # "[ext] Re: [PATCH] ..." is a reply; "[PATCH] fwd: ..." is a title.
    words: list[str] = []
    pos = 0
    while True:
        reply = None if tagged else _REPLY.match(text, pos)
        if reply:
            is_reply = True
            pos = reply.end()
            continue
        group = _GROUP.match(text, pos)
        if not group:
            break
        group_words = [w for w in _WORD_SPLIT.split(group.group(1)) if w]
        tagged = tagged or any(_PATCH_VERSION.fullmatch(w) for w in group_words)
        words.extend(group_words)
        pos = group.end()
    return _from_words(raw, text[pos:].strip(), words, is_reply)


def _from_words(raw: str, title: str, words: list[str], is_reply: bool) -> Subject:
    prefixes: list[str] = []
    version = 1
    counter = total = None
    is_patch = rfc = resend = False
    for word in words:
        upper = word.upper()
        tagged = _PATCH_VERSION.fullmatch(word)
        numbered = _COUNTER.fullmatch(word)
        if tagged:
            is_patch = True
            if tagged.group(2):
                version = int(tagged.group(2))
            if tagged.group(1).upper() == "RFC":
                rfc = True
                prefixes.append(word)
        elif versioned := _VERSION.fullmatch(word):
            version = int(versioned.group(1))
        elif numbered and counter is None:
            counter, total = int(numbered.group(1)), int(numbered.group(2))
        elif numbered and (int(numbered.group(1)), int(numbered.group(2))) == (counter, total):
            continue  # "[PATCH v2 0/3] [PATCH v2 0/3] ..." repeats its tags
        else:
            if upper.startswith("RESEND"):
                resend = True
            prefixes.append(word)
    return Subject(
        raw=raw,
        title=title,
        prefixes=tuple(prefixes),
        version=max(version, 1),
        counter=counter,
        total=total,
        is_patch=is_patch,
        rfc=rfc,
        resend=resend,
        is_reply=is_reply,
    )
