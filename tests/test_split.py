"""reviewbot.split: the preparatory patch and the feature patch, applied with
real ``git apply`` (and ``git am``) to small trees built from the patch's
own pre-image lines."""

import pathlib
import shutil
import subprocess

import pytest

from reviewbot import docs
from reviewbot.cli import main
from reviewbot.loader import load
from reviewbot.split import MARK, SplitError, file_name, split

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "fixtures"
RB401 = FIX / "rules" / "rb401"
SPLIT = FIX / "split"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(cwd, *args, stdin=None):
    return subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True,
    )


def _tree(patch, root: pathlib.Path) -> pathlib.Path:
    """A git tree holding the pre-image of every file the patch changes:
    the hunks' old lines where the headers put them, unique filler lines
    everywhere else."""
    root.mkdir(parents=True)
    for fc in patch.files:
        if fc.is_new:
            continue
        rows: dict[int, str] = {}
        for h in fc.hunks:
            n = h.old_start
            for ln in h.lines:
                if ln.kind != "+":
                    rows[n] = ln.text
                    n += 1
        last = max(rows, default=0) + 4
        path = root / fc.old_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{rows.get(i, f'/* filler {fc.old_path} {i} */')}\n" for i in range(1, last + 1)))
    assert _git(root, "init", "-q").returncode == 0
    _git(root, "add", "-A")
    assert _git(root, "commit", "-q", "-m", "base").returncode == 0
    return root


def _snapshot(root: pathlib.Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): p.read_text()
        for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _apply(root: pathlib.Path, text: str) -> None:
    res = _git(root, "apply", "--whitespace=nowarn", "-", stdin=text)
    assert res.returncode == 0, res.stderr


def _check_split(patch, original_text: str, tmp_path: pathlib.Path):
    """Original vs. prep + feature on the same tree: the same files, byte for byte."""
    result = split(patch)
    a = _tree(patch, tmp_path / "whole")
    _apply(a, original_text)
    b = _tree(patch, tmp_path / "parts")
    _apply(b, result.prep.mail)
    middle = _snapshot(b)
    _apply(b, result.feature.mail)
    assert _snapshot(a) == _snapshot(b)
    # git am takes the two mails as they are, author and date kept
    c = _tree(patch, tmp_path / "am")
    for part in (result.prep, result.feature):
        res = _git(c, "am", "-q", "--whitespace=nowarn", stdin=part.mail)
        assert res.returncode == 0, res.stderr
    log = _git(c, "log", "--format=%an <%ae>|%aD|%s", "-2").stdout.splitlines()
    assert len(log) == 2
    assert all(line.split("|")[0] in patch.mail.from_ for line in log)
    assert _snapshot(c) == _snapshot(a)
    return result, middle


def _fixture(name: str, where: str = "fires"):
    text = (RB401 / where / f"{name}.diff").read_text()
    return docs.example_patch("diff", {}, text, title=f"drivers: split {name}"), text


def test_reference_patch_splits_into_the_moves_and_the_feature(tmp_path):
    path = ROOT.parent / "shared" / "reference" / "tdx-v8-16.patch"
    if not path.exists():
        path = FIX / "tdx-v8-16.patch"
    (patch,) = load([str(path)]).series[0].patches
    result, middle = _check_split(patch, path.read_text(), tmp_path)
    # the preparatory patch: exactly the two moves and the realignment
    prep_changes = [ln for ln in result.prep.diff.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert prep_changes == [
        "+#define TDX_SEAMCALL_STATUS_MASK\t\t0xFFFFFFFF00000000ULL",
        "+",
        "-#define TDX_SUCCESS\t\t0ULL",
        "-#define TDX_RND_NO_ENTROPY\t0x8000020300000000ULL",
        "+#define TDX_SUCCESS\t\t\t0ULL",
        "+#define TDX_RND_NO_ENTROPY\t\t0x8000020300000000ULL",
        "+",
        "+/* Bit definitions of TDX_FEATURES0 metadata field */",
        "+#define TDX_FEATURES0_NO_RBP_MOD\tBIT_ULL(18)",
        "-#define TDX_SEAMCALL_STATUS_MASK\t\t0xFFFFFFFF00000000ULL",
        "-",
        "-/* Bit definitions of TDX_FEATURES0 metadata field */",
        "-#define TDX_FEATURES0_NO_RBP_MOD\tBIT(18)",
        "-",
    ]
    assert [p.name for p in result.pieces] == [
        "TDX_SEAMCALL_STATUS_MASK", "TDX_SUCCESS, TDX_RND_NO_ENTROPY", "TDX_FEATURES0_NO_RBP_MOD",
    ]
    # the feature patch: the rest, and nothing of the refactoring
    feature = result.feature.diff
    assert "TDX_UPDATE_COMPAT_SENSITIVE" in feature and "-EBUSY" in feature
    assert "+#define TDX_FEATURES0_NO_RBP_MOD" not in feature and "tdx_errno.h" not in feature
    assert "TDX_SEAMCALL_STATUS_MASK\t\t0xFFFFFFFF00000000ULL" in middle["arch/x86/include/asm/tdx.h"]
    # mails: author and date kept, subjects and changelogs marked
    assert "From: Chao Gao <chao.gao@intel.com>" in result.prep.mail
    assert "Date: Mon, 27 Apr 2026 12:00:00 +0000" in result.feature.mail
    assert result.prep.subject.startswith(f"[PATCH 1/2] x86/virt/tdx: {MARK}:")
    assert result.feature.subject == "[PATCH 2/2] x86/virt/tdx: Reject updates during concurrent TD build"
    assert MARK in result.feature.mail.split("\n---\n")[0]
    assert "Acked-by" not in result.prep.mail and "Signed-off-by: Chao Gao" in result.prep.mail


@pytest.mark.parametrize("name", ["define-moved-to-header", "define-moved-and-changed", "defines-realigned-beside-new-define",
                                  "struct-moved-to-header"])
def test_fixtures_split_and_apply(name, tmp_path):
    patch, text = _fixture(name)
    result, _ = _check_split(patch, text, tmp_path)
    assert result.pieces


def test_rename_goes_first(tmp_path):
    text = (SPLIT / "rename-and-feature.diff").read_text()
    patch = docs.example_patch("diff", {}, text, title="hwmon: (foo) Add the fault attribute")
    result, middle = _check_split(patch, text, tmp_path)
    assert [p.kind.value for p in result.pieces] == ["renamed"]
    assert "foo_read_register" in middle["drivers/hwmon/foo.c"] and "fault" not in middle["drivers/hwmon/foo.c"]


def test_move_into_a_new_file(tmp_path):
    text = (SPLIT / "move-to-new-header.diff").read_text()
    patch = docs.example_patch("diff", {}, text, title="hwmon: (foo) Add alarms")
    result, middle = _check_split(patch, text, tmp_path)
    assert "new file mode" in result.prep.diff and "new file mode" not in result.feature.diff
    assert "FOO_REG_CONFIG" in middle["drivers/hwmon/foo.h"] and "FOO_ALARM" not in middle["drivers/hwmon/foo.h"]


def test_extracted_helper_cannot_be_split():
    patch, _ = _fixture("helper-extracted-and-extended")
    with pytest.raises(SplitError, match="function, block or #if that this patch adds"):
        split(patch)


def test_nothing_to_split():
    patch, _ = _fixture("pure-move-to-other-file", "quiet")
    with pytest.raises(SplitError, match="whole patch is refactoring"):
        split(patch)
    patch, _ = _fixture("reindent-into-new-block", "quiet")
    with pytest.raises(SplitError, match="nothing to split"):
        split(patch)


def test_file_names():
    assert file_name(1, "[PATCH 1/2] x86/virt/tdx: Reject updates, now!") == "0001-x86-virt-tdx-Reject-updates-now.patch"


def test_command_writes_two_patches(tmp_path, capsys):
    src = FIX / "tdx-v8-16.patch"
    out = tmp_path / "out"
    assert main(["split", str(src), "-o", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and names[0].startswith("0001-x86-virt-tdx-REWRITE-ME") and names[1].startswith("0002-")
    assert "REWRITE-ME" in capsys.readouterr().out


def test_command_says_why_it_cannot_split(tmp_path, capsys):
    src = tmp_path / "helper.patch"
    text = (RB401 / "fires" / "helper-extracted-and-extended.diff").read_text()
    src.write_text(
        "From: A U Thor <author@example.org>\nSubject: [PATCH] hwmon: (qux) Add a helper\n"
        "Date: Mon, 27 Apr 2026 12:00:00 +0000\nMessage-ID: <split-helper@example.org>\n\n"
        "Body.\n\nSigned-off-by: A U Thor <author@example.org>\n---\n" + text
    )
    assert main(["split", str(src), "-o", str(tmp_path / "out")]) == 1
    assert "cannot split" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
