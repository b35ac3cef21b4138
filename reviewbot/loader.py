"""From command-line inputs to series: read, decode, parse, assemble.

Every failure is about one message and is recorded as an
:class:`~reviewbot.sources.InputError` naming it (``file.mbox#17 <id>``);
the other messages go on.  Nothing here lets an exception escape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Sequence

from .limits import DEFAULT as DEFAULT_LIMITS
from .limits import Limits, diff_problem, message_problem, patch_problem
from .mailparse import MailError, parse_mail
from .model import Mail, Patch, Series
from .patchparse import PatchError, parse_patch_checked
from .series import assemble
from .sources import InputError, RawMessage, read_inputs
from .subject import parse_subject


@dataclass(frozen=True)
class Loaded:
    series: tuple[Series, ...]
    errors: tuple[InputError, ...]
    messages: int  # raw messages read (each one became a Mail or an error)
    others: tuple[Mail, ...]  # replies, pull requests, anything not a patch or cover


def load(paths: Sequence[str], stdin: BinaryIO | None = None, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Read ``paths`` (``-`` or none: ``stdin``) and assemble what they hold.

    A message over one of ``limits`` is an error and is skipped.
    """
    errors: list[InputError] = []
    items: list[Mail | Patch] = []
    messages = 0
    for raw in read_inputs(paths, stdin):
        messages += not isinstance(raw, InputError)
        item, problems = load_input(raw, limits)
        errors.extend(problems)
        if item is not None:
            items.append(item)
    try:
        series, others = assemble(items)
    except Exception as exc:  # a bug must not cost the user every message
        errors.append(InputError("<series>", f"cannot group into series: {_describe(exc)}"))
        series, others = [], [i.mail if isinstance(i, Patch) else i for i in items]
    return Loaded(tuple(series), tuple(errors), messages, tuple(others))


def load_input(
    raw: RawMessage | InputError, limits: Limits = DEFAULT_LIMITS
) -> tuple[Mail | Patch | None, list[InputError]]:
    """What ``read_inputs`` gave, loaded (``load`` and ``stream`` both read
    this way): a read error stays one, a message over ``limits`` is an
    error and is skipped, any other goes through :func:`load_message`."""
    if isinstance(raw, InputError):
        return None, [raw]
    too_big = message_problem(len(raw.data), limits)
    if too_big:
        return None, [InputError(raw.source, too_big)]
    return load_message(raw, limits)


def load_message(raw: RawMessage, limits: Limits = DEFAULT_LIMITS) -> tuple[Mail | Patch | None, list[InputError]]:
    """One message as a Patch (it carries a diff) or a Mail, and its problems.

    A patch mail whose diff does not parse is an error and yields None.  A
    reply or cover letter whose diff does not parse (a reviewer's sketch, an
    interdiff) is just a Mail.
    """
    try:
        mail = parse_mail(raw)
    except Exception as exc:
        return None, [InputError(raw.source, _describe(exc))]
    where = f"{raw.source} <{mail.message_id}>" if mail.message_id else raw.source
    over = diff_problem(mail.body, limits)  # before parsing: a huge diff costs memory
    if over:
        subject = parse_subject(mail.subject)
        return (mail, []) if subject.is_reply or subject.counter == 0 else (None, [InputError(where, over)])
    try:
        patch, problems = parse_patch_checked(mail)
    except PatchError as exc:
        subject = parse_subject(mail.subject)
        if subject.is_reply or subject.counter == 0:
            return mail, []
        return None, [InputError(where, _describe(exc))]
    except Exception as exc:
        return None, [InputError(where, _describe(exc))]
    if patch is None:
        return mail, []
    over = patch_problem(patch, limits)
    if over:
        return (mail, []) if patch.subject.is_reply else (None, [InputError(where, over)])
    if patch.subject.is_reply:
        return patch, []
    return patch, [InputError(where, problem) for problem in problems]


def _describe(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, (MailError, PatchError)):
        return text or type(exc).__name__
    return f"internal error ({type(exc).__name__}): {text}"[:300]
