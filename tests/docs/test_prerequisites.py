"""The README names what the machine must have, and ``scripts/test`` says so at once when it lacks it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def preflight_tools() -> list[str]:
    script = (REPO / "scripts" / "test").read_text()
    match = re.search(r'for tool in "\$python" (.+?); do', script)
    assert match, "scripts/test has no prerequisite check"
    return match.group(1).split()


def test_the_readme_names_every_tool_the_test_command_needs() -> None:
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    for tool in preflight_tools():
        assert re.search(rf"\b{tool}\b", section, re.IGNORECASE), f"README's 'Two commands' does not name {tool}"
    assert "No Rust" in section  # the free-threaded leg takes wheels only (scripts/free-threaded-python)


def test_a_missing_tool_fails_the_test_command_before_it_builds_anything(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "python3"):  # what runs before the check, and no gcc or go
        os.symlink(shutil.which(tool) or tool, bin_dir / tool)
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "test")], env={"PATH": str(bin_dir)}, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 1
    assert f"scripts/test needs {' '.join(preflight_tools())} on PATH" in proc.stderr
    assert "== mypy" not in proc.stdout
