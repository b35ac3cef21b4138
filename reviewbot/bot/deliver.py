"""Mail delivery: an outbox Maildir (the dry-run default) or SMTP.

Order, so that a crash at any point neither loses nor duplicates a mail
(the post row was planned, and committed, before we get here):

- outbox: if a file for this Message-ID is already in ``new/`` or ``cur/``,
  the mail was delivered; else write ``tmp/NAME`` and rename it to
  ``new/NAME`` (atomic), then mark the post sent.  A crash between rename
  and mark is repaired by the check on the next run.
- SMTP: MAIL FROM and RCPT TO first; then the post is marked ``sending``
  (committed); then DATA; then ``sent``.  A post found ``sending`` after a
  crash may or may not have gone out: it is never sent again.  If the
  reply's Message-ID shows up in an archive the bot reads, it is marked
  sent; otherwise ``unconfirmed``, logged for a human.
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import parseaddr

from ..report.review import FILE_POLICY
from .config import Smtp


class DeliveryError(RuntimeError):
    """Delivery failed; ``final`` when retrying cannot help.  One line, no secrets."""

    def __init__(self, message: str, final: bool = False, ambiguous: bool = False) -> None:
        super().__init__(message)
        self.final = final
        self.ambiguous = ambiguous  # the server may have the mail: never retry


def file_name(message_id: str) -> str:
    return "reviewbot-" + hashlib.sha256(message_id.encode()).hexdigest()[:32]


class Outbox:
    def __init__(self, path: str) -> None:
        self.path = path
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)

    def has(self, message_id: str) -> bool:
        name = file_name(message_id)
        if os.path.exists(os.path.join(self.path, "new", name)):
            return True
        try:
            return any(n == name or n.startswith(name + ":") for n in os.listdir(os.path.join(self.path, "cur")))
        except OSError:
            return False

    def deliver(self, message_id: str, data: bytes) -> str:
        name = file_name(message_id)
        if self.has(message_id):
            return "already in the outbox"
        tmp = os.path.join(self.path, "tmp", f"{name}.{os.getpid()}")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, os.path.join(self.path, "new", name))
        return os.path.join(self.path, "new", name)


class SmtpSender:
    """One connection per pass, opened on the first mail."""

    def __init__(self, cfg: Smtp) -> None:
        self.cfg = cfg
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.cfg
        try:
            if c.tls == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout,
                                                      context=ssl.create_default_context())
            else:
                conn = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
                if c.tls == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if c.user:
                conn.login(c.user, c.password)
        except smtplib.SMTPAuthenticationError:
            raise DeliveryError(f"SMTP login to {c.host}:{c.port} as {c.user} refused", final=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {c.host}:{c.port}: {_short(exc)}") from None
        return conn

    def prepare(self, msg: EmailMessage, rcpts: tuple[str, ...]) -> None:
        """MAIL FROM and RCPT TO: nothing is delivered until ``commit``."""
        if self.conn is None:
            self.conn = self._connect()
        sender = parseaddr(str(msg["From"]))[1]
        try:
            self.conn.ehlo_or_helo_if_needed()
            self.conn.rset()
            code, resp = self.conn.mail(sender)
            if code != 250:
                raise DeliveryError(f"SMTP MAIL FROM refused: {code} {_text(resp)}", final=code >= 500)
            accepted = 0
            for r in rcpts:
                code, resp = self.conn.rcpt(r)
                accepted += code in (250, 251)
            if not accepted:
                raise DeliveryError(f"SMTP refused every recipient: {code} {_text(resp)}", final=code >= 500)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError(f"SMTP: {_short(exc)}") from None

    def commit(self, msg: EmailMessage) -> None:
        assert self.conn is not None
        try:
            code, resp = self.conn.data(msg.as_bytes(policy=FILE_POLICY))
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError(f"SMTP DATA: {_short(exc)}", final=True, ambiguous=True) from None
        if code != 250:
            raise DeliveryError(f"SMTP DATA refused: {code} {_text(resp)}", final=code >= 500)

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self.conn = None


def _text(resp: bytes | str) -> str:
    return (resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)).splitlines()[0][:200] if resp else ""


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def backoff(attempts: int, base: float = 300.0, cap: float = 6 * 3600.0) -> float:
    return time.time() + min(base * (2 ** max(attempts - 1, 0)), cap)
