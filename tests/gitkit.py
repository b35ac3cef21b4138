"""Real git repositories for the tests: a small kernel tree and its commits.

``fixtures/kernel-tree`` is the pre-image of ``fixtures/tdx-v8-16.patch``
(the lines the patch shows at their real line numbers, the rest written
for the fixture); ``kernel_repo`` commits it and applies the patch with
``git am``, so the tree has the commit a maintainer reviewed.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
TDX_PATCH = FIXTURES / "tdx-v8-16.patch"
AUTHOR = ("A U Thor", "author@example.org")


def isolate(monkeypatch, home: pathlib.Path) -> None:
    """No user or system git config; a fixed author and committer."""
    home.mkdir(parents=True, exist_ok=True)
    for key, value in {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": AUTHOR[0],
        "GIT_AUTHOR_EMAIL": AUTHOR[1],
        "GIT_COMMITTER_NAME": AUTHOR[0],
        "GIT_COMMITTER_EMAIL": AUTHOR[1],
        "GIT_AUTHOR_DATE": "2026-04-27T12:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-04-27T12:00:00+00:00",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_SENDEMAIL_FILE_COUNTER", "GIT_SENDEMAIL_FILE_TOTAL"):
        monkeypatch.delenv(key, raising=False)


def git(cwd, *args: str, input: bytes | None = None, check: bool = True) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode("utf-8", "replace")


def commit_all(repo, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def kernel_repo(path: pathlib.Path) -> pathlib.Path:
    """A repository: the fixture tree as commit "base", then the tdx patch
    applied by ``git am``.  The branch ``base`` points at the first."""
    shutil.copytree(FIXTURES / "kernel-tree", path)
    git(path, "init", "-q", "-b", "master")
    commit_all(path, "base: the kernel tree before the series")
    git(path, "branch", "base")
    git(path, "am", "-q", str(TDX_PATCH))
    return path


def edit(repo: pathlib.Path, rel: str, old: str, new: str) -> None:
    p = repo / rel
    text = p.read_text()
    assert old in text, (rel, old)
    p.write_text(text.replace(old, new, 1))


HOST_C = "drivers/virt/coco/tdx-host/tdx-host.c"
CHECK_SIZE = """static int tdx_check_size(u32 size, u32 max)
{
\tif (!size)
\t\treturn -EINVAL;
\tif (size > max) {
\t\tpr_err("update too large: %u > %u\\n", size, max);
\t\treturn -EFBIG;
\t}

\treturn 0;
}
"""


def move_check_size(repo: pathlib.Path) -> str:
    """Commit: move tdx_check_size() (which has two ifs without a blank
    line since the base) down, next to tdx_fw_write()."""
    edit(repo, HOST_C, CHECK_SIZE, "")
    edit(repo, HOST_C, "static enum fw_upload_err tdx_fw_write(", CHECK_SIZE + "\nstatic enum fw_upload_err tdx_fw_write(")
    return commit_all(repo, "virt: tdx-host: Move tdx_check_size() next to its user")


def add_clean_comment(repo: pathlib.Path) -> str:
    """Commit: a change no rule has anything to say about."""
    edit(repo, HOST_C, "\tret = tdx_module_update(data, size);", "\t/* The module checks the image itself. */\n\tret = tdx_module_update(data, size);")
    return commit_all(repo, "virt: tdx-host: Say who checks the image")



def add_masked_compare_bug(repo: pathlib.Path) -> str:
    """Commit: ``err & MASK == VAL`` (an ERROR of RB201)."""
    edit(
        repo, HOST_C, "static enum fw_upload_err tdx_fw_write(",
        "static bool tdx_update_busy(u64 err)\n{\n"
        "\treturn err & TDX_SEAMCALL_STATUS_MASK == TDX_UPDATE_COMPAT_SENSITIVE;\n}\n\n"
        "static enum fw_upload_err tdx_fw_write(",
    )
    return commit_all(repo, "virt: tdx-host: Tell a busy module from a failed update")


def format_patch(repo: pathlib.Path, rev: str, out: pathlib.Path) -> pathlib.Path:
    """``git format-patch -1 REV`` into ``out``: the mail file."""
    out.mkdir(parents=True, exist_ok=True)
    name = git(repo, "format-patch", "--thread", "-1", rev, "-o", str(out)).strip()
    return pathlib.Path(name)


def series_repo(tmp_path: pathlib.Path, monkeypatch) -> pathlib.Path:
    """The kernel repository with two commits on ``base`` (the tdx patch and
    the move of tdx_check_size()), as the current directory."""
    isolate(monkeypatch, tmp_path / "home")
    repo = kernel_repo(tmp_path / "linux")
    move_check_size(repo)
    monkeypatch.chdir(repo)
    return repo
