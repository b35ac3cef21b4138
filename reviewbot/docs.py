"""Rule documentation: sections and runnable examples.

A rule's module docstring has ``## What it does``, ``## Why is this bad?``,
``## Example`` and ``## Use instead`` sections (``## References``
optional).  Example and Use-instead hold one fenced code block each:

- ```` ```c ```` (optionally ```` ```c path=drivers/foo/bar.h ````): C code,
  reviewed as a new file that the patch creates;
- ```` ```diff ````: a unified diff (``diff --git`` headers and hunks),
  reviewed as the diff of a patch mail.

A rule about a whole series (RB402, RB403) shows several patches in one
```` ```diff ```` block, each introduced by a line ``# [PATCH 1/2] title``;
``example_series`` turns it into a Series.

The test suite reviews both: the Example must give a finding of the rule,
the Use-instead must not.  So the documentation cannot rot.
"""

from __future__ import annotations

import inspect
import re

from .model import Mail, Patch, Series

REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.M)
_FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.M | re.S)


def sections(doc: str) -> dict[str, str]:
    doc = inspect.cleandoc(doc or "")
    out: dict[str, str] = {}
    matches = list(_HEADING.finditer(doc))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(doc)
        out[m.group(1)] = doc[m.end() : end].strip("\n")
    return out


def code_block(section_text: str) -> tuple[str, dict[str, str], str] | None:
    """(language, options, code) of the first fenced block, or None."""
    m = _FENCE.search(section_text)
    if not m:
        return None
    opts = dict(kv.split("=", 1) for kv in m.group(2).split() if "=" in kv)
    return m.group(1), opts, m.group(3)


def _new_file_diff(path: str, code: str) -> str:
    lines = code.splitlines()
    body = "".join(f"+{ln}\n" for ln in lines)
    return (
        f"diff --git a/{path} b/{path}\n"
        "new file mode 100644\n"
        "index 0000000..1111111\n"
        "--- /dev/null\n"
        f"+++ b/{path}\n"
        f"@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def example_patch(lang: str, opts: dict[str, str], code: str, title: str = "example") -> Patch:
    """Wrap a doc example into a Patch, through the normal mail parser."""
    from .patchparse import parse_patch

    if lang == "diff":
        diff = code
    else:
        diff = _new_file_diff(opts.get("path", "drivers/misc/example.c"), code)
    patch = parse_patch(_doc_mail(diff, f"[PATCH] {title}", title, ""))
    if patch is None:
        raise ValueError(f"doc example {title!r} holds no diff")
    return patch


def _doc_mail(diff: str, subject: str, title: str, suffix: str) -> Mail:
    """The mail a doc example's diff is reviewed as."""
    body = f"Example for the rule documentation.\n\nSigned-off-by: A U Thor <author@example.org>\n---\n{diff}"
    return Mail(
        message_id=f"{title}{suffix and '-' + suffix}@reviewbot.invalid",
        subject=subject,
        from_="A U Thor <author@example.org>",
        to=(),
        cc=(),
        date="Mon, 27 Apr 2026 12:00:00 +0000",
        in_reply_to="",
        references=(),
        body=body,
        source=f"<doc:{title}{suffix and '#' + suffix}>",
    )


_PATCH_MARK = re.compile(r"^# (\[PATCH[^\]]*\] .+?)\s*$", re.M)


def is_series(code: str) -> bool:
    """A diff block that holds several patches (``# [PATCH 1/2] title`` lines)."""
    return bool(_PATCH_MARK.search(code))


def example_series(code: str, title: str = "example") -> Series:
    """Wrap a series doc example (``# [PATCH i/n] title`` before each diff)
    into a Series, each patch through the normal mail parser."""
    from .patchparse import parse_patch

    marks = list(_PATCH_MARK.finditer(code))
    patches = []
    for i, m in enumerate(marks):
        diff = code[m.end() : marks[i + 1].start() if i + 1 < len(marks) else len(code)].lstrip("\n")
        patch = parse_patch(_doc_mail(diff, m.group(1), title, str(i + 1)))
        if patch is None:
            raise ValueError(f"doc example {title!r}, patch {i + 1} holds no diff")
        patches.append(patch)
    return Series(version=1, total=len(patches), items=(None, *patches), title=title)
