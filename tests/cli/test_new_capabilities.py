"""``cpa-sdk new --capability``: each template is a plugin whose own tests pass, that ``check
--strict`` accepts with the capability it is named after, configured as its README says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cpa_sdk.cli import main
from cpa_sdk.cli.new import CAPABILITIES

ROOT = Path(__file__).resolve().parents[2]
REGISTRATION_KEYS = {
    "normalizer": {"request_normalizer"},
    "interceptor": {"request_interceptor"},
    "scheduler": {"scheduler"},
    "executor": {"executor", "model_registrar", "model_router"},
    "stream-interceptor": {"response_stream_interceptor", "request_lifecycle_plugin"},
}


def test_every_choice_is_tested_and_named_in_the_tutorial() -> None:
    assert set(REGISTRATION_KEYS) == set(CAPABILITIES)
    tutorial = (ROOT / "docs" / "getting-started.md").read_text()
    assert all(f"| `{name}`" in tutorial for name in CAPABILITIES)


@pytest.mark.parametrize("capability", list(CAPABILITIES))
def test_the_template_passes_its_tests_and_check(
    capability: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin_id = f"my-{capability}"
    target = tmp_path / plugin_id
    runner = CliRunner()
    created = runner.invoke(main, ["new", plugin_id, "-d", str(target), "--capability", capability])
    assert created.exit_code == 0, created.output

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout and "failed" not in tests.stdout and "skipped" not in tests.stdout

    # The README's commands and its CPA config: check --strict reads the plugin's section of it.
    readme = (target / "README.md").read_text()
    check_target = re.search(r"cpa-sdk check (\S+)", readme)
    config_block = re.search(r"```yaml\n(.*?)```", readme, flags=re.S)
    assert check_target and config_block
    config = target / "config.yaml"
    config.write_text(config_block.group(1))
    monkeypatch.chdir(target)  # check finds the project's package in the current directory
    checked = runner.invoke(main, ["check", "--strict", check_target.group(1), "-c", str(config)])
    assert checked.exit_code == 0, checked.output
    assert "ok: CPA will accept this plugin" in checked.output
    listed = re.search(r"^capabilities: (.+)$", checked.output, flags=re.M)
    assert listed and set(listed.group(1).split(", ")) == REGISTRATION_KEYS[capability]


def test_an_unknown_capability_is_refused_with_the_choices(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["new", "x", "-d", str(tmp_path / "x"), "--capability", "router"])
    assert result.exit_code == 2
    assert all(name in result.output for name in CAPABILITIES)
