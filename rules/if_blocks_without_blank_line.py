"""Two if statements in a row, at least one a block, with no blank line between.

## What it does
Finds two sibling ``if`` statements (consecutive statements of one block,
not an ``else if`` chain) with no blank line between the end of the first
and the start of the second, where the patch adds the first line of one
of them.  A comment directly between them does not separate them: the
blank line then goes before the comment.

It stays quiet where kernel code is commonly written without a blank line:

- neither ``if`` is a block: runs of one-statement guards such as
  ``if (!x) return -EINVAL;`` or ``if (ret) goto err;``, flag settings,
  and unbraced ``if``/``else`` pairs (a block is a branch with several
  statements or nested control flow, or a braced ``if``/``else``);
- the second ``if`` checks what the first one computed (``if (a) ret =
  f(); else ret = g(); if (ret) ...``, or a clamp ``if (v > max) v = max;``
  followed by a check of ``v``): that is one step and its error check;
- both ``if`` statements have the same body (``{ rc = -EIO; break; }``):
  a ladder that would rather be merged than spaced.

Profile option ``blank-line-after-block`` (``[profiles.NAME.options.RB101]``,
on in the ``tip`` profile): also ask for a blank line between the closing
brace of a block (``if``, ``for``, ``while``, ``switch``) and the next
statement of the same block, other than ``break;``, a label, a
preprocessor line or an ``if`` (two ``if`` statements follow the rules
above).  Some maintainers ask for
it ("Newline." under a loop's closing brace, Borislav Petkov
<20240903163519.GAZtc6x7o9Cy1MQAsb@fat_crate.local>; "Add an empty line."
<2f77c928-b16e-1666-5e65-8f62a84c93fc@linux.intel.com>); others do not.

## Why is this bad?
"Whitespace between the if()s please."  Each ``if`` is a check of its
own, with its own condition and its own way out.  Run together, a guard
and the block after it read as one statement, and the reader has to
find where one check ends and the next begins.  A blank line makes each
check a paragraph.

## Example
```diff
diff --git a/arch/x86/virt/vmx/tdx/tdx.c b/arch/x86/virt/vmx/tdx/tdx.c
--- a/arch/x86/virt/vmx/tdx/tdx.c
+++ b/arch/x86/virt/vmx/tdx/tdx.c
@@ -1250,6 +1250,10 @@ int tdx_module_shutdown(void)
 	args.rcx = handoff.module_hv;
-	ret = seamcall_prerr(TDH_SYS_SHUTDOWN, &args);
-	if (ret)
-		return ret;
+	err = seamcall(TDH_SYS_SHUTDOWN, &args);
+	if ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE)
+		return -EBUSY;
+	if (err) {
+		seamcall_err(TDH_SYS_SHUTDOWN, err, &args);
+		return -EIO;
+	}
 	return 0;
 }
```

## Use instead
```diff
diff --git a/arch/x86/virt/vmx/tdx/tdx.c b/arch/x86/virt/vmx/tdx/tdx.c
--- a/arch/x86/virt/vmx/tdx/tdx.c
+++ b/arch/x86/virt/vmx/tdx/tdx.c
@@ -1250,6 +1250,11 @@ int tdx_module_shutdown(void)
 	args.rcx = handoff.module_hv;
-	ret = seamcall_prerr(TDH_SYS_SHUTDOWN, &args);
-	if (ret)
-		return ret;
+	err = seamcall(TDH_SYS_SHUTDOWN, &args);
+	if ((err & TDX_SEAMCALL_STATUS_MASK) == TDX_UPDATE_COMPAT_SENSITIVE)
+		return -EBUSY;
+
+	if (err) {
+		seamcall_err(TDH_SYS_SHUTDOWN, err, &args);
+		return -EIO;
+	}
 	return 0;
 }
```

## References
- Dave Hansen's review of "[PATCH v8 16/21] x86/virt/tdx: Reject updates
  during concurrent TD build" (30 Apr 2026): "Whitespace between the
  if()s please." (``reference/review-tdx-v8-16.txt``); RB101 fires at
  tdx.c:1270-1273, the first if being at 1268.
- Corpus (``/work/shared/corpus``, ``reviewbot check --select RB101``):
  findings / distinct findings / patch mails with one, of patches read:
  linux-edac 34 / 20 / 20 of 488, linux-hwmon 56 / 55 / 25 of 658,
  linux-hyperv 21 / 19 / 15 of 501, platform-driver-x86 36 / 35 / 22 of
  651.  Without the quiet cases above there were 472 findings (296 runs of
  one-statement ifs, 22 computed-then-checked, 7 same-body ladders).
- Precision, every distinct pair read with its code (118 pairs, all 147
  findings): 111 true, 7 unsure, 0 false: 94% true, where true means a
  maintainer with the reference review's taste would plausibly ask.
  Unsure: ``a == &dev_attr_x.attr`` dispatch ladders, a run of bit-flag
  counters, loop bodies made of a ``continue`` guard and one block, a
  two-statement nested block.
- Taste differs between maintainers.  41 of the 118 are two checks of
  the result of the same call, the reference's own shape (``err = f();
  if (special(err)) ...; if (err) {...}``).  Ilpo Jarvinen
  (platform-driver-x86) once asked for the opposite on ``err = f(&result);
  if (err) {...}`` + blank + ``if (result > 1) {...}``: "Remove the empty
  line in between since this is still the error handling of the same
  call" <f3a7aa72-78fa-5f60-f4b5-2a38025c2936@linux.intel.com>.  Counting
  those as false, precision is about 60%: hence CHECK, not WARNING.
- No reply in the corpus asks for a blank line between two ifs.  Related:
  "Don't leave empty lines between call and its error handling"
  <3e99b429-835e-07e1-358f-f67128cb2e87@linux.intel.com> (RB101 never asks
  for one there).
- True positives: <20240530112307.3089696-6-naveenkrishna.chatradhi@amd.com>
  (sbrmi-core.c:190, two error blocks), <20260605005717.2059954-2-longli@microsoft.com>
  (qp.c:172), <20240906093630.2428329-2-bigfoot@classfun.cn>
  (photonicat-pmu.c:332), <20210602050149.6230-2-s.shravan@intel.com>
  (intel-sar.c:179), <20200926135514.26189-3-luka.kovacic@sartura.hr>
  (iei-wt61p803-puzzle.c:373: the same patch separates these very checks
  with a blank line in its buzzer function, quoted in review
  <20200926212810.3174301d@nic.cz>).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB101",
    name="if-blocks-without-blank-line",
    severity=Severity.CHECK,
    summary="two if statements in a row, one of them a block, with no blank line between",
)

# Where consecutive statements are siblings.  A hunk fragment may parse at
# the top level or inside an ERROR node; #ifdef bodies hold statements too.
_BLOCK_PARENTS = frozenset({
    "compound_statement", "case_statement", "translation_unit", "ERROR",
    "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef",
})
_JUMPS = frozenset({"return_statement", "goto_statement", "break_statement", "continue_statement"})
_CONTROL = frozenset({"if_statement", "for_statement", "while_statement", "do_statement", "switch_statement"})


@dataclass(frozen=True)
class Pair:
    """Two sibling if statements with no blank line between them."""

    unit: object  # CUnit
    first: object  # if_statement
    second: object  # if_statement
    between: tuple  # comment nodes between them


def _next_statement(node):
    """The next named sibling, skipping comments; (sibling, comments)."""
    comments = []
    sib = node.next_named_sibling
    while sib is not None and sib.type == "comment":
        comments.append(sib)
        sib = sib.next_named_sibling
    return sib, tuple(comments)


def _blank_between(unit, first_row: int, last_row: int) -> bool | None:
    """Whether a row in [first_row, last_row] is blank; None when a row
    there is synthetic (not a line of the patch)."""
    for row in range(first_row, last_row + 1):
        lineno = unit.rows[row] if row < len(unit.rows) else None
        if lineno is None:
            return None
        if not unit.line_text(lineno).strip():
            return True
    return False


def pairs(ctx: PatchContext) -> Iterator[Pair]:
    """Every two sibling ifs on real lines with no blank line between."""
    for unit, node in ctx.nodes("if_statement"):
        parent = node.parent
        if parent is None or parent.type not in _BLOCK_PARENTS:
            continue  # else if, or the body of a loop / another if
        second, comments = _next_statement(node)
        if second is None or second.type != "if_statement":
            continue
        end_row, start_row = node.end_point[0], second.start_point[0]
        if start_row <= end_row:
            continue  # on one line: another rule's business
        if unit.rows[end_row] is None or unit.rows[start_row] is None:
            continue
        if _blank_between(unit, end_row + 1, start_row - 1) is False:
            yield Pair(unit, node, second, comments)


def _branches(node):
    """The bodies of an if / else if / else chain."""
    while node is not None and node.type == "if_statement":
        cons = node.child_by_field_name("consequence")
        if cons is not None:
            yield cons
        alt = node.child_by_field_name("alternative")
        if alt is None:
            return
        inner = [c for c in alt.named_children if c.type != "comment"]
        node = inner[0] if inner else None
        if node is not None and node.type != "if_statement":
            yield node
            return


def _statements(block) -> list:
    return [c for c in block.named_children if c.type != "comment"]


def _is_light(stmt) -> bool:
    """One plain statement (``return x;``, ``ret = f();``), braced or not."""
    if stmt.type == "compound_statement":
        body = _statements(stmt)
        if len(body) != 1:
            return False
        stmt = body[0]
    return stmt.type not in _CONTROL and stmt.type != "compound_statement"


def _is_block(node) -> bool:
    """An if that reads as a block: a branch with several statements or
    nested control flow, or a braced if/else."""
    branches = list(_branches(node))
    if any(not _is_light(b) for b in branches):
        return True
    return len(branches) > 1 and any(b.type == "compound_statement" for b in branches)


def _ends_in_jump(stmt) -> bool:
    while stmt is not None and stmt.type == "compound_statement":
        body = _statements(stmt)
        stmt = body[-1] if body else None
    return stmt is not None and stmt.type in _JUMPS


def _names(unit, node) -> set[str]:
    """Variables an expression reads: identifiers and field chains
    (``a``, ``a->b``), not the names of called functions."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "field_expression":
            out.add("".join(unit.text(n).split()))
        elif n.type == "identifier":
            parent = n.parent
            if not (parent is not None and parent.type == "call_expression"
                    and parent.child_by_field_name("function") == n):
                out.add(unit.text(n))
        stack.extend(n.named_children)
    return out


def _written(unit, node) -> set[str]:
    """Variables a statement writes: assignment targets, ``++``/``--``,
    initialised declarations and ``&val`` arguments (out parameters)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        target = None
        if n.type == "assignment_expression":
            target = n.child_by_field_name("left")
        elif n.type == "update_expression":
            target = n.child_by_field_name("argument")
        elif n.type == "init_declarator":
            target = n.child_by_field_name("declarator")
        elif n.type == "pointer_expression" and n.parent is not None and n.parent.type == "argument_list":
            arg = n.child_by_field_name("argument")
            if unit.text(n).startswith("&") and arg is not None and arg.type == "identifier":
                target = arg
        if target is not None:
            out.add("".join(unit.text(target).split()))
        stack.extend(n.named_children)
    return out


def quiet_reason(p: Pair) -> str | None:
    """Why kernel style accepts this pair without a blank line, or None."""
    unit = p.unit
    if not (_is_block(p.first) or _is_block(p.second)):
        return "guards"
    ba, bb = list(_branches(p.first)), list(_branches(p.second))
    norm = lambda n: " ".join(unit.text(n).split())  # noqa: E731
    if len(ba) == len(bb) and all(norm(x) == norm(y) for x, y in zip(ba, bb)):
        return "ladder"
    cond = p.second.child_by_field_name("condition")
    if cond is not None:
        written: set[str] = set()
        for branch in ba:
            if not _ends_in_jump(branch):  # what falls through to the second if
                written |= _written(unit, branch)
        if written & _names(unit, cond):
            return "checks-first"
    return None


def _last_line(unit, node) -> int | None:
    """The last real line of a node (a fragment's synthetic closing
    braces map to no line)."""
    end = unit.end_line(node)
    row = node.end_point[0]
    while end is None and row > node.start_point[0]:
        row -= 1
        end = unit.rows[row]
    return end


def check(ctx: PatchContext) -> Iterator[Hit]:
    for p in pairs(ctx):
        unit = p.unit
        a_line, b_line, b_end = unit.line(p.first), unit.line(p.second), _last_line(unit, p.second)
        if a_line is None or b_line is None or b_end is None:
            continue
        if not (unit.is_added(a_line) or unit.is_added(b_line)):
            continue  # the patch did not put these two ifs together
        if quiet_reason(p) is not None:
            continue
        line = b_line
        if not any(unit.is_added(n) for n in range(b_line, b_end + 1)):
            line = a_line  # only the first if is new: quote both
        where = f"line {a_line} and line {b_line}"
        if p.between:
            msg = f"Add a blank line before the comment, between these two if statements ({where})."
        else:
            msg = f"Add a blank line between these two if statements: each is a check of its own ({where})."
        yield Hit(path=unit.path, line=line, end_line=b_end, message=msg)
    yield from after_blocks(ctx)


# --- profile option: a blank line after the closing brace of a block -----------

BLANK_LINE_AFTER_BLOCK = "blank-line-after-block"
_BLOCK_OWNERS = frozenset({"if_statement", "for_statement", "while_statement", "switch_statement",
                           "compound_statement"})
_NO_BLANK_BEFORE = frozenset({"break_statement", "labeled_statement", "if_statement"})


def _ends_with_block(node) -> bool:
    """Whether the statement ends with the closing brace of a block."""
    last = node
    while last is not None and last.type != "compound_statement":
        kids = [c for c in last.named_children if c.type != "comment"]
        last = kids[-1] if kids and last.type in ("if_statement", "else_clause", "for_statement",
                                                  "while_statement", "switch_statement") else None
    return last is not None and last.end_byte == node.end_byte


def after_blocks(ctx: PatchContext) -> Iterator[Hit]:
    """A statement right after a block's closing brace, where the profile
    of the file asks for a blank line there."""
    for unit, node in ctx.nodes(*_BLOCK_OWNERS):
        if not ctx.option(unit.path, BLANK_LINE_AFTER_BLOCK, False):
            continue
        parent = node.parent
        if parent is None or parent.type not in _BLOCK_PARENTS or not _ends_with_block(node):
            continue
        if node.type == "compound_statement" and parent.type not in ("compound_statement", "case_statement"):
            continue  # a function body a hunk shows alone: blank lines between functions are checkpatch's
        nxt, comments = _next_statement(node)
        if nxt is None or nxt.type in _NO_BLANK_BEFORE or nxt.type.startswith("preproc"):
            continue
        if unit.rows[node.end_point[0]] is None or unit.line_text(unit.rows[node.end_point[0]]).strip() != "}":
            continue  # '} else {', '} while (x);': the block does not end the line
        if node.type == "if_statement" and nxt.type == "if_statement":
            continue
        end_row, start_row = node.end_point[0], nxt.start_point[0]
        if start_row <= end_row or unit.rows[end_row] is None or unit.rows[start_row] is None:
            continue
        if _blank_between(unit, end_row + 1, start_row - 1) is not False:
            continue
        brace, line = unit.rows[end_row], unit.rows[start_row]
        if not (unit.is_added(brace) or unit.is_added(line)):
            continue
        where = "before the comment" if comments else "before the next statement"
        yield Hit(path=unit.path, line=brace, end_line=line,
                  message=f"Add a blank line after the closing brace of this block, {where} (line {line}).")
