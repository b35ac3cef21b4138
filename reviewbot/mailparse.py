"""Decode one raw message into a :class:`~reviewbot.model.Mail`.

Archive mail carries dozens of delivery headers (Received, ARC, DKIM) that
reviewbot never reads, and the stdlib parser spends most of its time on
them.  So the header block is scanned for the few fields we use, each one
decoded here (raw 8-bit bytes, RFC 2047 words, any charset with fallback),
and the stdlib ``email`` package (compat32, which never raises on a bad
header) is only asked to parse parameters and multipart bodies.
"""

from __future__ import annotations

import binascii
import re
from typing import TYPE_CHECKING

from .model import Mail
from .sources import RawMessage

if TYPE_CHECKING:  # pragma: no cover
    import email.message

# The lookahead drops most other fields (X-*, ARC-*, List-*) at their first letter.
_WANTED = re.compile(
    rb"\n(?=[SsFfTtCcDdMmIiRr])(subject|from|to|cc|date|message-id|in-reply-to|references|"
    rb"content-type|content-transfer-encoding)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)",
    re.IGNORECASE,
)
_NOT_A_FIELD = re.compile(rb"\n(?![ \t]|[!-9;-~]+[ \t]*:)")
_FIELD = re.compile(rb"[!-9;-~]+[ \t]*:")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_LF_FOLD = re.compile(r"\n(?=[ \t])")  # _FOLD where there is no \r: its search is much faster
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_ADDRESS = re.compile(r'(?:"(?:[^"\\]|\\.)*"?|<[^>]*>?|\([^)]*\)?|[^,"<(])+')
_NAME_ADDR = re.compile(r"(?s)(?P<name>.*?)<(?P<addr>[^<>]*)>\s*(?:\(.*\))?")
_ADDR_COMMENT = re.compile(r"(?s)(?P<addr>[^\s()]+)\s*\((?P<name>.*)\)")
# Possessive quantifiers (*+, ++): nothing here needs backtracking, and
# without it a name is read in one step; it keeps its trailing whitespace,
# which _addresses drops.
_PLAIN_ADDRESS = re.compile(
    r'\s*+(?:(?:"([^"\\]*+)"|([^",<>()\\]*+))\s*+<([^<>()\s",]*+)>|([^\s,"<>()\\:;]++))\s*+(?:,|$)'
)
_CHARSET = re.compile(r'(?i);\s*charset\*?\s*=\s*(?:"([^"]*)"|([^\s;]*))')
_MSGID = re.compile(r"<([^<>\s]+)>")
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_HAS_DIFF = re.compile(r"(?m)^(?:diff --git |--- \S[^\n]*\n\+\+\+ \S)")
_PATCH_TYPES = frozenset(
    {"text/x-patch", "text/x-diff", "text/x-c", "text/x-csrc", "application/x-patch"}
)
_MAYBE_TEXT = frozenset({"application/octet-stream", "application/x-patch"})
_HTML_BREAK = re.compile(r"(?i)<br\s*/?>|</(?:p|div|tr|li|pre|h\d)\s*>")
_HTML_DROP = re.compile(r"(?is)<(script|style|head)\b.*?</\1\s*>|<[^>]*>")
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f\v\x1b") + b"\x7f"


class MailError(ValueError):
    """The input cannot be read as a mail at all.  The message is one line."""


def parse_mail(raw: RawMessage) -> Mail:
    """Decode headers and body of ``raw``; raise MailError only when hopeless."""
    data = raw.data
    if not data.strip():
        raise MailError("empty message")
    if data.startswith(b"From ") and not _FIELD.match(data):
        data = data[data.find(b"\n") + 1 :]  # a stray mbox separator line
    head, body = _split_head(data)
    if not head:
        raise MailError("no mail headers")
    fields: dict[str, list[str]] = {}
    for name, value in _WANTED.findall(b"\n" + head):
        fields.setdefault(name.decode("ascii").lower(), []).append(_header_text(value))

    def first(name: str) -> str:
        return fields.get(name, [""])[0]

    text, attachments = _body_text(first("content-type"), first("content-transfer-encoding"), body)
    message_ids = _msgids(first("message-id"))
    reply_ids = _msgids(first("in-reply-to"))
    return Mail(
        message_id=message_ids[0] if message_ids else "",
        subject=" ".join(decode_words(first("subject")).split()),
        from_=", ".join(_addresses(fields.get("from", []))),
        to=_addresses(fields.get("to", [])),
        cc=_addresses(fields.get("cc", [])),
        date=" ".join(first("date").split()),
        in_reply_to=reply_ids[0] if reply_ids else "",
        references=tuple(dict.fromkeys(_msgids(" ".join(fields.get("references", []))))),
        body=text,
        source=raw.source,
        attachments=attachments,
    )


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words; whitespace between two words vanishes.

    Adjacent words in one charset are joined before decoding, since mailers
    split a multi-byte character across two words.
    """
    if "=?" not in text:
        return text
    out: list[str] = []
    run: list[bytes] = []
    run_charset = ""
    pos = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[pos : match.start()]
        charset = match.group(1).split("*", 1)[0].lower()
        adjacent = bool(run) and not between.strip()
        if run and not (adjacent and charset == run_charset):
            out.append(decode_bytes(b"".join(run), run_charset))
            run = []
        if not adjacent:
            out.append(between)
        raw = match.group(3).encode("ascii", "replace")
        if match.group(2) in "bB":
            run.append(_b64decode(raw))
        else:
            run.append(binascii.a2b_qp(raw, header=True))
        run_charset = charset
        pos = match.end()
    if run:
        out.append(decode_bytes(b"".join(run), run_charset))
    out.append(text[pos:])
    return "".join(out)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, else UTF-8, else Latin-1; never raise."""
    for name in (charset, "utf-8"):
        if not name:
            continue
        try:
            return data.decode(name)
        except (LookupError, UnicodeError, ValueError, TypeError):
            continue
    return data.decode("latin-1")


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    """The header block (with its final newline) and the body."""
    blank = data.find(b"\n\n")
    crlf = data.find(b"\n\r\n", 0, len(data) if blank < 0 else blank + 2)  # only one before it
    blank = crlf if crlf >= 0 else blank
    end = blank + 1 if blank >= 0 else len(data)
    if data[:1] in (b"\n", b"\r") or not _FIELD.match(data):
        return b"", data
    stray = _NOT_A_FIELD.search(data, 0, end - 1 if end < len(data) else end)
    if stray:  # a line that is no header field ends the headers early
        return data[: stray.start() + 1], data[stray.start() + 1 :]
    if end == len(data):
        return data, b""
    return data[:end], data[data.find(b"\n", end) + 1 :]  # past the blank line


def _header_text(value: bytes) -> str:
    """Unfold a raw header value and decode its raw 8-bit bytes."""
    text = value.decode("ascii") if value.isascii() else decode_bytes(value, "utf-8")
    if "\n" in text:
        text = (_FOLD if "\r" in text else _LF_FOLD).sub("", text)
    return text.strip()


def _msgids(value: str) -> list[str]:
    found = _MSGID.findall(value)
    if found:
        return found
    return [word.strip("<>,") for word in value.split() if "@" in word]


def _addresses(values: list[str]) -> tuple[str, ...]:
    """Split address fields into decoded "Name <addr>" strings.

    Regexes do what ``email.utils.getaddresses`` does, which walks the text
    one character at a time and costs seconds on archive Cc lists.  Plain
    ``Name <addr>``, ``"Name" <addr>`` and ``addr`` take the fast path; the
    rest of a field is split token by token once something odd shows up.
    """
    out: list[str] = []
    for value in values:
        pos, end = 0, len(value)
        while pos < end:
            match = _PLAIN_ADDRESS.match(value, pos)
            if match is None:
                out.extend(a for a in map(_one_address, _ADDRESS.findall(value, pos)) if a)
                break
            quoted, plain, addr, bare = match.groups()
            name = quoted if quoted is not None else plain or ""
            if "=?" in name:
                name = decode_words(name)
            name = " ".join(name.split())
            addr = addr if addr is not None else bare
            if name or addr:
                out.append(f"{name} <{addr}>" if name and addr else addr or name)
            pos = match.end()
    return tuple(out)


def _one_address(token: str) -> str:
    token = token.strip()
    match = _NAME_ADDR.fullmatch(token) or _ADDR_COMMENT.fullmatch(token)
    if match:
        name, addr = match.group("name").strip(), match.group("addr").strip()
    else:
        name, addr = "", token
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = re.sub(r"\\(.)", r"\1", name[1:-1])
    name = " ".join(decode_words(name).split())
    addr = " ".join(decode_words(addr).split())
    if addr.endswith(":;"):  # an empty group such as undisclosed-recipients:;
        return ""
    return f"{name} <{addr}>" if name and addr else addr or name


def _b64decode(data: bytes) -> bytes:
    chars = _B64_JUNK.sub(b"", data.split(b"=", 1)[0] if b"=" in data else data)
    chars = chars[: len(chars) - (len(chars) % 4 == 1)]
    try:
        return binascii.a2b_base64(chars + b"=" * (-len(chars) % 4))
    except binascii.Error:
        return b""


def _transfer_decode(payload: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "base64":
        return _b64decode(payload)
    if encoding == "quoted-printable":
        return binascii.a2b_qp(payload.replace(b"\r\n", b"\n"))
    return payload


def _body_text(content_type: str, encoding: str, body: bytes) -> tuple[str, tuple[str, ...]]:
    ctype, charset = _type_and_charset(content_type)
    if not ctype.startswith("multipart/"):
        payload = _transfer_decode(body, encoding)
        if ctype == "text/html":
            return _html_text(decode_bytes(payload, charset)), ()
        if ctype.startswith("text/") or _is_text(payload):
            return _lf(decode_bytes(payload, charset)), ()
        return "", ()
    import email  # only multipart mail needs the stdlib parser: it costs start-up time
    import email.policy

    head = f"MIME-Version: 1.0\nContent-Type: {content_type}\n\n".encode("utf-8", "replace")
    try:
        message = email.message_from_bytes(head + body, policy=email.policy.compat32)
        return _multipart_text(message)
    except Exception:  # a broken MIME structure: show the raw text
        return _lf(decode_bytes(body, None)), ()


def _type_and_charset(value: str) -> tuple[str, str | None]:
    """Content type and charset of a single part, as the stdlib would read them."""
    ctype = value.split(";", 1)[0].strip().lower()
    if ctype.count("/") != 1:
        ctype = "text/plain"
    match = _CHARSET.search(value)
    if not match:
        return ctype, None
    charset = match.group(1) if match.group(1) is not None else match.group(2)
    charset = charset.split("'", 1)[0].strip().lower()  # RFC 2231: utf-8''...
    return ctype, charset or None


def _multipart_text(message: email.message.Message) -> tuple[str, tuple[str, ...]]:
    texts: list[str] = []
    html_texts: list[str] = []
    attached: list[str] = []
    names: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        try:
            disposition = part.get_content_disposition()
            filename = part.get_filename()
        except Exception:
            disposition, filename = None, None
        filename = decode_words(str(filename)) if filename else None
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:
            payload = b""
        if not isinstance(payload, bytes):
            continue
        inline_text = ctype == "text/plain" and disposition != "attachment"
        wanted = inline_text or ctype == "text/html" or ctype in _PATCH_TYPES
        if not wanted and not (filename or disposition == "attachment"):
            continue
        if not (ctype.startswith("text/") or ctype in _MAYBE_TEXT) or not _is_text(payload):
            continue
        text = _lf(decode_bytes(payload, _charset(part)))
        if inline_text and not filename:
            texts.append(text)
        elif ctype == "text/html" and disposition != "attachment":
            html_texts.append(_html_text(text))
        elif ctype in _PATCH_TYPES or _HAS_DIFF.search(text):
            attached.append(text)
            names.append(filename or ctype)
        elif inline_text:
            texts.append(text)
    body = ""
    for text in (texts or html_texts) + attached:
        if body and not body.endswith("\n"):
            body += "\n"
        body += text
    return body, tuple(names)


def _charset(message: email.message.Message) -> str | None:
    try:
        return message.get_content_charset()
    except Exception:
        return None


def _is_text(payload: bytes) -> bool:
    sample = payload[:65536]
    if b"\x00" in sample:
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    return controls * 20 <= len(sample)


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def _html_text(text: str) -> str:
    import html

    text = _HTML_BREAK.sub("\n", _lf(text))
    return html.unescape(_HTML_DROP.sub("", text))


