"""Maintainer profiles: which profile reviews a file, configuration files,
MAINTAINERS P: entries, and what the engine and the reporters make of them."""

import json
import pathlib

import pytest

from reviewbot import docs, profiles
from reviewbot.cli import main
from reviewbot.engine import Engine, all_rules, select_rules
from reviewbot.rule import Severity

HERE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "profiles"
RULES = all_rules()
CATALOGUE = [lr.rule for lr in RULES]

# A function whose declarations break reverse xmas tree order and whose
# loop is followed by a statement without a blank line.
BODY = [
    "static int foo_count(struct foo *foo)",
    "{",
    "\tint i;",
    "\tstruct foo_entry *entry;",
    "",
    "\tfor (i = 0; i < foo->n; i++) {",
    "\t\tentry = &foo->entries[i];",
    "\t\tentry->seen = true;",
    "\t}",
    "\treturn i;",
    "}",
]


def new_file(path: str, lines=BODY) -> str:
    plus = "".join(f"+{ln}\n" for ln in lines)
    return (f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
            f"@@ -0,0 +1,{len(lines)} @@\n{plus}")


def patch_of(*paths: str):
    return docs.example_patch("diff", {}, "".join(new_file(p) for p in paths), title="profiles")


def review(patch, resolver):
    engine = Engine(select_rules(RULES, with_off=True))
    engine.profiles = resolver
    findings, problems = engine.review(patch)
    assert not problems
    return findings


def by_path(findings, code):
    return {f.path: f for f in findings if f.rule.code == code}


# --- which profile ------------------------------------------------------------------

@pytest.mark.parametrize("path,name", [
    ("arch/x86/virt/vmx/tdx/tdx.c", "tip"),
    ("arch/x86/kernel/cpu/mce/core.c", "tip"),
    ("kernel/sched/fair.c", "tip"),
    ("include/linux/rcupdate.h", "tip"),
    ("arch/x86/kvm/vmx/tdx.c", "kvm-x86"),
    ("arch/x86/include/asm/kvm_host.h", "kvm-x86"),
    ("arch/x86/xen/enlighten.c", "default"),
    ("drivers/net/ethernet/intel/e1000/e1000_main.c", "netdev"),
    ("net/core/dev.c", "netdev"),
    ("drivers/platform/x86/dell/dell-laptop.c", "platform-x86"),
    ("drivers/hwmon/lm75.c", "default"),
])
def test_builtin_paths(path, name):
    assert profiles.builtin(CATALOGUE).profile_for(path)[0] == name


def test_patterns():
    score = profiles.match_score
    assert score(["drivers/net/"], "drivers/net/a/b.c") is not None
    assert score(["drivers/net/*"], "drivers/net/a/b.c") is None
    assert score(["drivers/net/*"], "drivers/net/b.c") is not None
    assert score(["*/net/*"], "drivers/net/b.c") is not None
    assert score(["include/linux/rcu*.h"], "include/linux/rcupdate.h") is not None
    assert score(["kernel/cpu.c"], "kernel/cpu.c") is not None
    assert score(["kernel/cpu.c"], "kernel/cpu.cc") is None
    assert score(["drivers/**/x.c"], "drivers/a/b/x.c") is not None
    # the deeper pattern is the more specific one
    assert score(["arch/x86/kvm/"], "arch/x86/kvm/x.c") > score(["arch/x86/"], "arch/x86/kvm/x.c")


def test_builtin_resolution():
    p = profiles.builtin(CATALOGUE)
    tip, kvm, net, default = (p.resolved[n] for n in ("tip", "kvm-x86", "netdev", "default"))
    assert "RB503" not in default.rules and "RB101" in default.rules
    assert tip.rules["RB503"].severity is Severity.WARNING
    assert kvm.rules["RB503"].severity is Severity.CHECK  # "preferred" only
    assert net.rules["RB503"].severity is Severity.WARNING and "RB505" not in net.rules
    assert tip.options["RB101"] == {"blank-line-after-block": True}
    assert kvm.options["RB101"] == {"blank-line-after-block": True}  # kvm-x86 follows tip
    assert "RB506" in p.resolved["platform-x86"].rules


# --- MAINTAINERS -----------------------------------------------------------------------

def test_parse_maintainers():
    entries = {e.name: e for e in profiles.parse_maintainers((HERE / "MAINTAINERS").read_text())}
    assert "Descriptions of section entries and preferred order" not in entries
    kvm = entries["KERNEL VIRTUAL MACHINE FOR X86 (KVM/x86)"]
    assert kvm.files == ("arch/x86/include/asm/kvm*", "arch/x86/kvm/")
    assert kvm.excludes == ("arch/x86/kvm/xen.*",)
    assert kvm.profile_docs == ("Documentation/process/maintainer-kvm-x86.rst",)
    assert entries["NETWORKING DRIVERS"].regexes == ("[^a-z]phy",)


@pytest.mark.parametrize("path,name,why", [
    ("arch/x86/kvm/x86.c", "kvm-x86", "KERNEL VIRTUAL MACHINE FOR X86"),
    ("arch/x86/kvm/xen.c", "default", "no profile"),  # X: in both entries; MAINTAINERS names both documents
    ("arch/x86/kernel/cpu/mce/core.c", "tip", "X86 ARCHITECTURE"),  # MCE has no P: of its own
    ("drivers/edac/amd64_edac.c", "tip", "EDAC-CORE"),  # P: beats the built-in paths
    ("drivers/net/wireless/foo.c", "default", "no profile"),  # X: (the built-in drivers/net/ does not apply)
    ("drivers/base/phy_thing.c", "netdev", "NETWORKING DRIVERS"),  # N:
    ("drivers/foo/bar.c", "default", "no profile"),  # a P: document no profile names
    ("drivers/hwmon/lm75.c", "default", "no profile"),
])
def test_maintainers_pick_profiles(path, name, why):
    tree = profiles.Maintainers.from_tree(str(HERE))
    p = profiles.Profiles({q.name: q for q in profiles.BUILTIN}, CATALOGUE, tree)
    got, reason = p.profile_for(path)
    assert got == name and why in reason


def test_no_maintainers_file(tmp_path):
    assert profiles.Maintainers.from_tree(str(tmp_path)) is None


# --- configuration ---------------------------------------------------------------------

def test_config_file(tmp_path):
    p, files = profiles.load(CATALOGUE, cwd=str(tmp_path), config=str(HERE / "reviewbot.toml"))
    assert files == [str(HERE / "reviewbot.toml")]
    hwmon = p.resolved["hwmon"]
    assert {"RB503", "RB506"} <= set(hwmon.rules) and "RB502" not in hwmon.rules
    assert hwmon.rules["RB509"].severity is Severity.WARNING
    assert hwmon.rules["RB503"].severity is Severity.CHECK  # the rule's own
    assert p.resolved["tip"].rules["RB503"].severity is Severity.CHECK
    assert "RB505" in p.resolved["tip"].rules  # the built-in selection stays
    # options of default reach every profile that extends it
    assert p.resolved["hwmon"].options["RB101"] == {"blank-line-after-block": True}
    assert p.profile_for("drivers/hwmon/lm75.c") == ("hwmon", f"paths of profiles.hwmon in {HERE / 'reviewbot.toml'}")


def test_config_docs_name_a_maintainers_profile(tmp_path):
    p, _ = profiles.load(CATALOGUE, cwd=str(tmp_path), tree=str(HERE))  # the tree's reviewbot.toml
    assert p.profile_for("drivers/foo/bar.c")[0] == "foo"
    assert p.resolved["foo"].rules["RB505"].severity is Severity.WARNING  # extends tip


def test_discovery_order(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.reviewbot.profiles.tip]\nseverity = { RB503 = "error" }\n')
    explicit = tmp_path / "other.toml"
    explicit.write_text('[profiles.tip]\nseverity = { RB504 = "error" }\n')
    p, files = profiles.load(CATALOGUE, cwd=str(tmp_path), tree=str(HERE), config=str(explicit))
    assert files == [str(tmp_path / "pyproject.toml"), str(HERE / "reviewbot.toml"), str(explicit)]
    tip = p.resolved["tip"]
    assert tip.rules["RB503"].severity is Severity.CHECK  # the tree's file came later
    assert tip.rules["RB504"].severity is Severity.ERROR


def test_pyproject_without_table_is_not_a_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert profiles.discover(str(tmp_path)) == []


@pytest.mark.parametrize("text,error", [
    ('[profiles.x]\npaths = "a/"\nwat = 1\n', "unknown key(s) wat"),
    ('[profiles.x]\nselect = ["RB999"]\n', "unknown rule code or name: RB999"),
    ('[profiles.x]\nseverity = { RB503 = "fatal" }\n', "unknown severity 'fatal'"),
    ('[profiles.x]\nextends = "nope"\n', "no profile 'nope'"),
    ('[profiles.a]\nextends = "b"\n[profiles.b]\nextends = "a"\n', "cannot extend itself"),
    ('[profiles.default]\nextends = "tip"\n', "the default profile extends nothing"),
    ('[profiles.x]\noptions = { RB101 = 1 }\n', "one table per rule"),
    ('rules = 1\n', "unknown key(s) rules"),
    ('[profiles\n', "not valid TOML"),
])
def test_config_errors(tmp_path, text, error):
    (tmp_path / "reviewbot.toml").write_text(text)
    with pytest.raises(profiles.ConfigError) as exc:
        profiles.load(CATALOGUE, cwd=str(tmp_path))
    assert error in str(exc.value) and "reviewbot.toml" in str(exc.value)


# --- the engine ------------------------------------------------------------------------

def test_engine_asks_each_file_its_profile():
    patch = patch_of("arch/x86/kernel/foo.c", "arch/x86/kvm/foo.c", "drivers/net/foo.c", "drivers/hwmon/foo.c")
    findings = review(patch, profiles.builtin(CATALOGUE))
    xmas = by_path(findings, "RB503")
    assert {p: (f.severity, f.profile) for p, f in xmas.items()} == {
        "arch/x86/kernel/foo.c": (Severity.WARNING, "tip"),
        "arch/x86/kvm/foo.c": (Severity.CHECK, "kvm-x86"),
        "drivers/net/foo.c": (Severity.WARNING, "netdev"),
    }
    # the blank-line option of RB101: tip and kvm-x86 ask for it, the others not
    blank = by_path(findings, "RB101")
    assert set(blank) == {"arch/x86/kernel/foo.c", "arch/x86/kvm/foo.c"}
    assert blank["arch/x86/kernel/foo.c"].line == 9 and blank["arch/x86/kernel/foo.c"].end_line == 10
    assert "closing brace" in blank["arch/x86/kernel/foo.c"].message
    # every finding says which profile asked for it
    assert {f.profile for f in findings if f.path == "drivers/hwmon/foo.c"} <= {"default"}


def test_blank_line_after_block_leaves_functions_else_and_preprocessor_alone():
    text = (
        "diff --git a/arch/x86/kernel/foo.c b/arch/x86/kernel/foo.c\n"
        "--- a/arch/x86/kernel/foo.c\n+++ b/arch/x86/kernel/foo.c\n"
        "@@ -10,4 +10,14 @@ static void foo(int a)\n"
        " {\n"
        "+\tif (a) {\n+\t\tbar();\n+\t\tbaz();\n+\t} else {\n+\t\tqux();\n+\t}\n"
        "+#ifdef CONFIG_FOO\n+\tfoo_more();\n+#endif\n"
        " }\n"
        "+static void next(void)\n"
        " {\n"
        " }\n"
    )
    patch = docs.example_patch("diff", {}, text, title="blank")
    findings = review(patch, profiles.builtin(CATALOGUE))
    assert not [f for f in findings if f.rule.code == "RB101"], [(f.line, f.message) for f in findings]


def test_rules_off_by_default_do_not_run_without_a_profile_asking():
    patch = patch_of("drivers/hwmon/foo.c")
    assert not [f for f in review(patch, profiles.builtin(CATALOGUE)) if f.rule.code in ("RB503", "RB101")]


def test_selected_on_the_command_line_runs_everywhere():
    patch = patch_of("arch/x86/kernel/foo.c", "drivers/hwmon/foo.c")
    findings = review(patch, profiles.builtin(CATALOGUE, forced=["RB503"]))
    xmas = by_path(findings, "RB503")
    assert xmas["drivers/hwmon/foo.c"].severity is Severity.CHECK
    assert xmas["drivers/hwmon/foo.c"].profile == "default"
    assert xmas["arch/x86/kernel/foo.c"].severity is Severity.WARNING  # the profile's severity


def test_engine_without_profiles_runs_what_it_is_given():
    patch = patch_of("drivers/hwmon/foo.c")
    findings, _ = Engine([lr for lr in RULES if lr.rule.code == "RB503"]).review(patch)
    assert [(f.rule.code, f.profile) for f in findings] == [("RB503", None)]


def test_engine_given_the_whole_catalogue_keeps_its_defaults():
    """Engine(all_rules()) without profiles (the send-email hook) reviews
    as before profiles existed: rules that are off by default stay off."""
    patch = patch_of("drivers/hwmon/foo.c")
    findings, _ = Engine(RULES).review(patch)
    assert not [f for f in findings if not f.rule.default]
    findings, _ = Engine([lr for lr in RULES if lr.rule.code in ("RB503", "RB101")]).review(patch)
    assert "RB503" in {f.rule.code for f in findings}  # a selection runs as given


def test_select_rules_keeps_rules_off_by_default_out():
    codes = {lr.rule.code for lr in select_rules(RULES)}
    assert "RB503" not in codes and "RB101" in codes
    assert "RB503" in {lr.rule.code for lr in select_rules(RULES, ["RB503"])}
    assert "RB503" in {lr.rule.code for lr in select_rules(RULES, with_off=True)}


# --- reporters and the command line ---------------------------------------------------------

@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """Run the CLI from an empty directory (no reviewbot.toml around)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _write_patch(tmp_path, *paths):
    body = "".join(new_file(p) for p in paths)
    mail = ("From: A U Thor <author@example.org>\nSubject: [PATCH] foo: count\n"
            "Message-ID: <profiles@example.org>\nDate: Mon, 27 Apr 2026 12:00:00 +0000\n\n"
            f"Count.\n\nSigned-off-by: A U Thor <author@example.org>\n---\n{body}")
    out = tmp_path / "foo.patch"
    out.write_text(mail)
    return str(out)


def test_check_text_names_the_profile(nowhere, capsys):
    path = _write_patch(nowhere, "arch/x86/kernel/foo.c", "drivers/hwmon/foo.c")
    assert main(["check", "--fail-on", "never", path]) == 0
    out = capsys.readouterr().out
    assert "arch/x86/kernel/foo.c:3: WARNING: Order the declarations" in out
    assert "[RB503 reverse-xmas-tree, profile tip]" in out
    assert "drivers/hwmon/foo.c" not in out  # nothing there by default


def test_check_json_has_the_profile(nowhere, capsys):
    path = _write_patch(nowhere, "arch/x86/kernel/foo.c", "drivers/hwmon/foo.c")
    main(["check", "--format", "json", "--fail-on", "never", "--select", "RB503", path])
    doc = json.loads(capsys.readouterr().out)
    assert {(f["path"], f["severity"], f["profile"]) for f in doc["findings"]} == {
        ("arch/x86/kernel/foo.c", "warning", "tip"),
        ("drivers/hwmon/foo.c", "check", "default"),
    }


def test_check_with_config_and_tree(nowhere, capsys):
    tree = nowhere / "linux"
    tree.mkdir()
    (tree / "MAINTAINERS").write_text((HERE / "MAINTAINERS").read_text())
    path = _write_patch(nowhere, "drivers/edac/foo_edac.c", "drivers/hwmon/foo.c")
    main(["check", "--format", "json", "--fail-on", "never", "--tree", str(tree),
          "--config", str(HERE / "reviewbot.toml"), path])
    doc = json.loads(capsys.readouterr().out)
    xmas = {f["path"]: (f["severity"], f["profile"]) for f in doc["findings"] if f["rule"] == "RB503"}
    # EDAC-CORE's P: is maintainer-tip.rst (softened to CHECK by the config); hwmon by its paths
    assert xmas == {"drivers/edac/foo_edac.c": ("check", "tip"), "drivers/hwmon/foo.c": ("check", "hwmon")}


def test_check_config_error_is_a_usage_error(nowhere, capsys):
    (nowhere / "reviewbot.toml").write_text('[profiles.x]\nselect = ["RB999"]\n')
    path = _write_patch(nowhere, "drivers/hwmon/foo.c")
    assert main(["check", path]) == 2
    assert "unknown rule code or name: RB999" in capsys.readouterr().err


def test_profiles_command(nowhere, capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    for name in ("default", "tip", "kvm-x86", "netdev", "platform-x86"):
        assert f"\n{name}  (built-in" in "\n" + out
    assert "asks for: RB503 reverse-xmas-tree (warning)" in out
    assert "MAINTAINERS P: Documentation/process/maintainer-tip.rst" in out
    assert "options: RB101 blank-line-after-block=true" in out


def test_profiles_command_for_paths(nowhere, capsys):
    assert main(["profiles", "--tree", str(HERE), "arch/x86/kvm/x86.c", "drivers/foo/x.c", "drivers/hwmon/x.c"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("arch/x86/kvm/x86.c: kvm-x86 (MAINTAINERS: KERNEL VIRTUAL MACHINE FOR X86")
    assert lines[1].startswith("drivers/foo/x.c: foo (MAINTAINERS: FOO DRIVERS")  # the tree's reviewbot.toml
    assert lines[2].startswith("drivers/hwmon/x.c: hwmon (paths of profiles.hwmon")


def test_text_reporter_leaves_default_out():
    from dataclasses import replace

    from reviewbot.report.text import format_finding

    patch = patch_of("arch/x86/kernel/foo.c")
    (f,) = [f for f in review(patch, profiles.builtin(CATALOGUE)) if f.rule.code == "RB503"]
    assert format_finding(f).endswith("[RB503 reverse-xmas-tree, profile tip]")
    assert format_finding(replace(f, profile="default")).endswith("[RB503 reverse-xmas-tree]")
    assert format_finding(replace(f, profile=None)).endswith("[RB503 reverse-xmas-tree]")
