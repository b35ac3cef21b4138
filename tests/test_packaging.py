"""The wheel carries the engine and every rule module."""

import pathlib
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_wheel_contains_every_rule(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheels = list(tmp_path.glob("reviewbot-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    rules = sorted(p.name for p in (ROOT / "rules").glob("*.py"))
    assert rules, "no rule modules found"
    for name in rules:
        assert f"reviewbot/rules/{name}" in names, f"{name} missing from the wheel"
    for mod in ("cli.py", "engine.py", "model.py", "report/__init__.py"):
        assert f"reviewbot/{mod}" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_rules_import_as_reviewbot_rules():
    import reviewbot.rules

    assert pathlib.Path(reviewbot.rules.__path__[0]).resolve() == (ROOT / "rules").resolve()
