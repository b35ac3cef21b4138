"""A kernel errno returned without its minus sign.

## What it does

Flags an added ``return EIO;``, ``return ERR_PTR(EINVAL);`` or
``ERR_PTR(ENOMEM)`` whose value is a positive kernel errno name, and
``return FOO_ERR;`` where ``FOO_ERR`` is a ``#define`` of the patch that
expands to a bare errno name.  The errno names are the real list of
``include/uapi/asm-generic/errno-base.h``, ``errno.h`` and
``include/linux/errno.h`` (``EPERM`` .. ``EHWPOISON``, ``ERESTARTSYS`` ..
``ENOGRACE``, ``ENOTSUPP``, ``EPROBE_DEFER``); other E-names (``EOF``,
enum members) are left alone.

Quiet where positive errnos are a convention: files under ``tools/``,
``scripts/``, ``usr/``, ``samples/`` and selftests (userspace), and
functions whose unchanged lines already return positive errnos, negate a
variable (``return -ret``) or are negated by their callers in the patch.

## Why is this bad?

Kernel functions report failure as a negative errno.  ``return EIO;``
returns +5, which every caller reads as success (``if (ret < 0)``) or as a
count, and ``ERR_PTR(EINVAL)`` is a pointer that ``IS_ERR()`` does not
recognise, so the caller dereferences it.

## Example

```c
static int foo_probe(struct platform_device *pdev)
{
	if (!pdev->dev.of_node)
		return ENODEV;
	return 0;
}
```

## Use instead

```c
static int foo_probe(struct platform_device *pdev)
{
	if (!pdev->dev.of_node)
		return -ENODEV;
	return 0;
}
```

Severity WARNING, as checkpatch's: the rare deliberate cases exist.

## References

- checkpatch.pl ``USE_NEGATIVE_ERRNO``; include/linux/err.h
  (``IS_ERR_VALUE`` only knows ``-MAX_ERRNO .. -1``).
- Precision, mail corpus (4 lists, 2,296 patch mails reviewed) and the TDX v8
  series: 0 findings.  The one positive-errno function in it,
  ``hv_status_to_errno()`` (linux-hyperv), is negated by its callers in
  the same patch and stays quiet.
- Precision, Linux 6.1 source, the 525 files with ``return E...;`` or
  ``ERR_PTR(E...)`` each reviewed as if added: 1 finding, true
  (``arch/x86/hyperv/irqdomain.c``: ``hv_map_interrupt()`` returns
  ``EINVAL`` among hypercall status values).  The first draft gave 75, all
  conventions now recognised: the BSD-shared aic7xxx driver, ``bt_to_errno()``
  (a switch of positive errnos), cdns3's commented positive return, xenbus
  ``get_error()`` whose caller returns ``ERR_PTR(-err)``.
"""

from __future__ import annotations

import re
from typing import Iterator

from reviewbot.rule import Hit, PatchContext, Rule, Severity

RULE = Rule(
    code="RB303",
    name="positive-errno",
    severity=Severity.WARNING,
    summary="an errno returned or wrapped in ERR_PTR() without its minus sign",
)

# include/uapi/asm-generic/errno-base.h
_ERRNO_BASE = """
EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM
EACCES EFAULT ENOTBLK EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE
EMFILE ENOTTY ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ERANGE
"""
# include/uapi/asm-generic/errno.h
_ERRNO = """
EDEADLK ENAMETOOLONG ENOLCK ENOSYS ENOTEMPTY ELOOP EWOULDBLOCK ENOMSG EIDRM
ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH ENOCSI EL2HLT EBADE EBADR EXFULL
ENOANO EBADRQC EBADSLT EDEADLOCK EBFONT ENOSTR ENODATA ETIME ENOSR ENONET
ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG
EOVERFLOW ENOTUNIQ EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC
EILSEQ ERESTART ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE
ENOPROTOOPT EPROTONOSUPPORT ESOCKTNOSUPPORT EOPNOTSUPP EPFNOSUPPORT
EAFNOSUPPORT EADDRINUSE EADDRNOTAVAIL ENETDOWN ENETUNREACH ENETRESET
ECONNABORTED ECONNRESET ENOBUFS EISCONN ENOTCONN ESHUTDOWN ETOOMANYREFS
ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY EINPROGRESS ESTALE
EUCLEAN ENOTNAM ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM EMEDIUMTYPE
ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED EOWNERDEAD
ENOTRECOVERABLE ERFKILL EHWPOISON
"""
# include/linux/errno.h (kernel internal)
_ERRNO_KERNEL = """
ERESTARTSYS ERESTARTNOINTR ERESTARTNOHAND ENOIOCTLCMD ERESTART_RESTARTBLOCK
EPROBE_DEFER EOPENSTALE ENOPARAM EBADHANDLE ENOTSYNC EBADCOOKIE ENOTSUPP
ETOOSMALL ESERVERFAULT EBADTYPE EJUKEBOX EIOCBQUEUED ERECALLCONFLICT ENOGRACE
"""
ERRNO_NAMES = frozenset((_ERRNO_BASE + _ERRNO + _ERRNO_KERNEL).split())

# userspace or build tooling: positive errno values are normal there
_USERSPACE = re.compile(r"^(tools|scripts|usr|samples)/|/selftests/|^Documentation/")
# drivers shared with BSD that use positive errnos throughout
_POSITIVE_DIRS = ("drivers/scsi/aic7xxx/",)
_ERR_PTR = frozenset({"ERR_PTR", "ERR_CAST_PTR"})
_MAX_ALIAS = 8


def _strip_parens(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            return False
    return depth == 0


def errno_of(text: str, macros: dict[str, str]) -> tuple[str, tuple[str, ...]] | None:
    """(errno name, macro chain) when ``text`` is a bare errno name, maybe
    through object-like macros of the patch; None otherwise."""
    chain: list[str] = []
    name = _strip_parens(text)
    for _ in range(_MAX_ALIAS):
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            return None
        if name in ERRNO_NAMES and name not in macros:
            return name, tuple(chain)
        if name not in macros:
            return None
        chain.append(name)
        name = _strip_parens(macros[name])
    return None


class _Macros(dict):
    """The patch's object-like macros, then those of its series and the
    kernel tree (``ctx.macros``): ``return FOO_ERR;`` where a header the
    patch does not show says ``#define FOO_ERR EIO``.  Errno names
    themselves are never looked up beyond the patch (the tree defines
    ``EIO`` as 5)."""

    def __init__(self, base: dict[str, str], beyond) -> None:
        super().__init__(base)
        self.beyond = beyond
        self._seen: dict[str, str | None] = {}

    def _outside(self, name: str) -> str | None:
        if self.beyond is None or name in ERRNO_NAMES or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
            return None
        if name not in self._seen:
            d = self.beyond.define(name)
            self._seen[name] = d.value if d is not None and d.params is None else None
        return self._seen[name]

    def __contains__(self, name) -> bool:
        return dict.__contains__(self, name) or self._outside(name) is not None

    def __getitem__(self, name):
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        value = self._outside(name)
        if value is None:
            raise KeyError(name)
        return value


def _expr(node):
    """The returned expression of a return_statement (None for ``return;``)."""
    for child in node.named_children:
        if child.type != "comment":
            return child
    return None


def _function(node):
    while node is not None and node.type != "function_definition":
        node = node.parent
    return node


def _function_name(fn, unit) -> str | None:
    decl = fn.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    if decl is None:
        return None
    ident = decl.child_by_field_name("declarator")
    return unit.text(ident) if ident is not None else None


def _descendants(node, types: frozenset[str]):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in types:
            yield n
        stack.extend(reversed(n.named_children))


def _positive(unit, node, macros) -> tuple[str, tuple[str, ...]] | None:
    """The errno when ``node`` (an expression) is a positive errno value:
    ``EIO``, ``(EIO)``, ``FOO_ERR`` -> ``EIO``, ``ERR_PTR(EIO)``."""
    if node is None:
        return None
    while node.type == "parenthesized_expression" and node.named_child_count == 1:
        node = node.named_children[0]
    if node.type == "identifier":
        return errno_of(unit.text(node), macros)
    if node.type == "call_expression":
        return _err_ptr_arg(unit, node, macros)
    return None


def _err_ptr_arg(unit, call, macros):
    fn = call.child_by_field_name("function")
    if fn is None or not unit.source.startswith(b"ERR_", fn.start_byte):
        return None  # cheap first: most calls are not ERR_PTR()
    args = call.child_by_field_name("arguments")
    if args is None or unit.text(fn) not in _ERR_PTR:
        return None
    real = [a for a in args.named_children if a.type != "comment"]
    if len(real) != 1 or real[0].type not in ("identifier", "parenthesized_expression"):
        return None
    return errno_of(unit.text(real[0]), macros)


_NEGATED = re.compile(r"(?:\breturn|[=(,?:])\s*-\s*([A-Za-z_]\w*)\s*\(")
_MAPPER_NAME = re.compile(r"errno|to_err|_err(or)?$|^err(or)?_", re.I)
_CONSTANT = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _negated_variable(unit, expr) -> bool:
    """``-err`` / ``(-err)``: a variable holding a positive errno, negated."""
    while expr is not None and expr.type == "parenthesized_expression" and expr.named_child_count == 1:
        expr = expr.named_children[0]
    if expr is None or expr.type != "unary_expression" or not unit.text(expr).lstrip().startswith("-"):
        return False
    arg = expr.child_by_field_name("argument")
    while arg is not None and arg.type == "parenthesized_expression" and arg.named_child_count == 1:
        arg = arg.named_children[0]
    return arg is not None and arg.type in ("identifier", "field_expression") and not _CONSTANT.match(unit.text(arg))


def _unit_convention(unit) -> bool:
    """The code around works with positive errnos: it returns ``-err`` or
    ``ERR_PTR(-err)`` of a variable somewhere in this fragment."""
    for node in unit.walk():
        if node.type == "return_statement" and _negated_variable(unit, _expr(node)):
            return True
        if node.type == "call_expression":
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if fn is not None and args is not None and unit.text(fn) in _ERR_PTR:
                real = [a for a in args.named_children if a.type != "comment"]
                if len(real) == 1 and _negated_variable(unit, real[0]):
                    return True
    return False


def _negative_errno(unit, expr) -> bool:
    while expr is not None and expr.type == "parenthesized_expression" and expr.named_child_count == 1:
        expr = expr.named_children[0]
    if expr is None or expr.type != "unary_expression":
        return False
    arg = expr.child_by_field_name("argument")
    return arg is not None and unit.text(arg) in ERRNO_NAMES


def _function_convention(unit, fn, macros, callers_negated: set[str]) -> bool:
    """The function works with positive errnos on purpose: an unchanged
    line of it returns one, the patch calls it as ``-fn(...)``, or it maps
    codes to errnos (``bt_to_errno()``: named so, or a switch whose cases
    all return positive errnos)."""
    if fn is None:
        # a hunk of statements parsed without its function: the fragment is
        # the function, named by the hunk header
        fn = unit.root
        m = re.search(r"(\w+)\s*\(", unit.hunk.section) if unit.hunk is not None else None
        name = m.group(1) if m else ""
    else:
        name = _function_name(fn, unit) or ""
    if name in callers_negated:
        return True
    positive = in_case = negative = 0
    for ret in _descendants(fn, frozenset({"return_statement"})):
        expr = _expr(ret)
        if expr is None:
            continue
        if _positive(unit, expr, macros):
            if not unit.is_added(unit.line(ret)):
                return True
            positive += 1
            parent = ret.parent
            in_case += parent is not None and parent.type == "case_statement"
        elif _negative_errno(unit, expr):
            negative += 1
    if negative:
        return False
    return bool(_MAPPER_NAME.search(name)) or in_case >= 3


def _said_on_purpose(unit, node) -> bool:
    """A comment just above says the positive value is intended."""
    row = node.start_point[0]
    lines = unit.source.split(b"\n")
    above = b" ".join(lines[max(0, row - 4) : row]).lower()
    return b"positive" in above


def check(ctx: PatchContext) -> Iterator[Hit]:
    macros = _Macros({d.name: d.value for d in ctx.visible_defines().values() if d.params is None}, ctx.macros)
    negated: set[str] | None = None  # the functions called as -fn(...): read when first needed
    seen: set[tuple[int, int]] = set()
    conventions: dict[int, bool] = {}
    userspace: dict[str, bool] = {}
    for unit, node in ctx.nodes("return_statement", "call_expression"):
        if unit.path not in userspace:
            userspace[unit.path] = bool(_USERSPACE.search(unit.path))
        if userspace[unit.path]:
            continue
        if node.type == "return_statement":
            line = unit.line(node)
            if not unit.is_added(line):
                continue
            found = _positive(unit, _expr(node), macros)
            what = "return"
        else:
            found = _err_ptr_arg(unit, node, macros)  # cheap first for a call: None for most
            if found is None:
                continue
            line = unit.line(node)
            if not unit.is_added(line):
                continue
            if node.parent is not None and node.parent.type == "return_statement":
                continue  # reported as a return
            what = "ERR_PTR"
        if found is None or (id(unit), node.start_byte) in seen:
            continue
        seen.add((id(unit), node.start_byte))
        if unit.path.startswith(_POSITIVE_DIRS) or _said_on_purpose(unit, node):
            continue
        if negated is None:
            negated = set()
            for u in ctx.units:
                negated.update(_NEGATED.findall(u.source.decode("utf-8", "replace")))
        if _function_convention(unit, _function(node), macros, negated):
            continue
        if id(unit) not in conventions:
            conventions[id(unit)] = _unit_convention(unit)
        if conventions[id(unit)]:
            continue
        errno, chain = found
        via = f" ({' -> '.join(chain)} expands to {errno})" if chain else ""
        if what == "return":
            msg = f"returns positive {errno}{via}: kernel functions return a negative errno, -{errno}"
        else:
            msg = f"ERR_PTR() of positive {errno}{via}: IS_ERR() does not see it; use ERR_PTR(-{errno})"
        yield Hit(unit.path, line, msg, end_line=unit.end_line(node))
