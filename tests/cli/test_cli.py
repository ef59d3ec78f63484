"""Every cpa-sdk command, with good and bad input, through click's runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from cpa_sdk.cli import main

CODEX = "reference_plugins.codex_service_tier:CodexServiceTier"
NORMALIZE = '{"ToFormat":"codex","Model":"gpt-5.5","Body":"e30="}'


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_call_prints_the_answer(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("fast: true\n")
    result = runner.invoke(main, ["call", CODEX, "request.normalize", NORMALIZE, "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"ok": True, "result": {"Body": "eyJzZXJ2aWNlX3RpZXIiOiJwcmlvcml0eSJ9"}}


def test_call_reads_stdin_and_files(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["call", CODEX, "request.normalize"], input=NORMALIZE).exit_code == 0
    request = tmp_path / "request.json"
    request.write_text(NORMALIZE)
    assert runner.invoke(main, ["call", CODEX, "request.normalize", "-f", str(request)]).exit_code == 0


def test_call_unknown_method_exits_1_with_the_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["call", CODEX, "no.such.method", "{}"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["error"]["code"] == "unknown_method"


def test_call_missing_module_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["call", "no_such_module:Plugin", "request.normalize", "{}"])
    assert result.exit_code == 1
    assert "cannot import plugin module 'no_such_module'" in result.output


def test_a_module_that_fails_to_import_is_a_clear_error_with_where(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_plugin.py").write_text("SETTINGS = {}\nTIMEOUT = SETTINGS['timeout']\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["check", "broken_plugin:Plugin"])
    assert result.exit_code == 1
    assert "importing plugin module 'broken_plugin' failed: KeyError: 'timeout' at broken_plugin.py:2" in result.output
    assert "Traceback" in result.output and "click" not in result.output


def test_a_missing_class_is_named_with_the_classes_there_are(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "reference_plugins.codex_service_tier:CodexServiceTeir"])
    assert result.exit_code == 1
    assert (
        "module 'reference_plugins.codex_service_tier' has no 'CodexServiceTeir'; its plugin classes: CodexServiceTier"
        in result.output
    )


def test_build_finds_the_plugin_in_the_current_directory(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(main, ["new", "here-plugin", "-d", str(tmp_path / "proj")]).exit_code == 0
    monkeypatch.chdir(tmp_path / "proj")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", os.getcwd())])
    result = runner.invoke(main, ["build", "here_plugin.plugin:HerePlugin", "-o", str(tmp_path / "dist"), "-q"])
    assert result.exit_code == 0, result.output
    assert Path(result.stdout.strip()) == (tmp_path / "dist" / "here-plugin.so").resolve()


def test_call_bad_json_and_broken_yaml(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["call", CODEX, "request.normalize", "{not json"])
    assert result.exit_code == 1 and "request is not valid JSON" in result.output
    config = tmp_path / "broken.yaml"
    config.write_text("fast: [unclosed\n")
    result = runner.invoke(main, ["call", CODEX, "request.normalize", NORMALIZE, "-c", str(config)])
    assert result.exit_code == 1 and "plugin.register failed" in result.output and "YAML" in result.output


def test_check_accepts_a_good_plugin(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", CODEX])
    assert result.exit_code == 0, result.output
    assert "capabilities: request_normalizer" in result.output
    assert "ok: CPA will accept this plugin" in result.output


def test_check_rejects_bad_config_and_old_hosts(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("fast: 3\n")
    result = runner.invoke(main, ["check", CODEX, "-c", str(config)])
    assert result.exit_code == 1 and "fast" in result.output
    result = runner.invoke(main, ["check", "reference_plugins.scheduler:SchedulerExample", "--host-schema", "2"])
    assert result.exit_code == 0 and "schema_version: 2" in result.output


def test_check_warns_about_a_misspelt_config_key_and_strict_fails(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("fsat: true\n")
    result = runner.invoke(main, ["check", CODEX, "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "warning: config key 'fsat' is not read by this plugin; did you mean 'fast'?" in result.output
    result = runner.invoke(main, ["check", CODEX, "-c", str(config), "--strict"])
    assert result.exit_code == 1 and "problem: config key 'fsat'" in result.output


CPA_CONFIG = """\
port: 8317
plugins:
  enabled: true
  configs:
    example-usage-python:
      enabled: true
    codex-service-tier:
      enabled: true
      priority: 10
      fast: {fast}
"""


def test_check_takes_cpas_whole_config_and_validates_the_plugins_block(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CPA_CONFIG.format(fast="yes"))
    result = runner.invoke(main, ["check", CODEX, "-c", str(config), "--strict"])
    assert result.exit_code == 0, result.output
    assert f"config {config} (plugins.configs.codex-service-tier): accepted" in result.output
    config.write_text(CPA_CONFIG.format(fast="[1]"))
    result = runner.invoke(main, ["check", CODEX, "-c", str(config)])
    assert result.exit_code == 1 and "fast" in result.output
    result = runner.invoke(main, ["check", CODEX, "-c", str(config), "--id", "not-configured"])
    assert result.exit_code == 1
    assert "no plugins.configs.not-configured block (it has: example-usage-python, codex-service-tier)" in result.output


def test_check_flags_a_version_looking_id(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", CODEX, "--id", "codex-v2"])
    assert result.exit_code == 0 and "reads the tail as a version" in result.output


def test_schema_of_models_and_methods(runner: CliRunner) -> None:
    result = runner.invoke(main, ["schema", "scheduler.pick", "--response"])
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)["properties"]) == {"AuthID", "DelegateBuiltin", "Handled"}
    result = runner.invoke(main, ["schema", "SchedulerPickRequest"])
    assert "Candidates" in json.loads(result.stdout)["properties"]
    listing = runner.invoke(main, ["schema", "--list"])
    assert "executor.execute_stream" in listing.stdout and "HostAuthFileEntry" in listing.stdout
    unknown = runner.invoke(main, ["schema", "NoSuchModel"])
    assert unknown.exit_code == 1 and "unknown model or method" in unknown.output


@pytest.mark.parametrize(
    ("plugin_id", "package"), [("my-plugin", "my_plugin"), ("class", "class_plugin"), ("json", "json_plugin")]
)
def test_new_scaffolds_a_project_whose_tests_pass(
    runner: CliRunner, tmp_path: Path, plugin_id: str, package: str
) -> None:
    # "class" is a keyword and "json" a standard module: neither can be the package's name.
    target = tmp_path / plugin_id
    result = runner.invoke(main, ["new", plugin_id, "-d", str(target), "--author", "alice"])
    assert result.exit_code == 0, result.output
    assert (target / package / "plugin.py").is_file()
    assert "pip install -e '.[test]'" in result.output
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(Path(__file__).resolve().parents[2])])}
    # The scaffold's tests use the cpa_plugin fixture, which the installed cpa-sdk registers
    # through the pytest11 entry point: no -p flag, exactly as in a user's project.
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", str(target / "tests")],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout


def test_the_scaffold_and_the_sdk_declare_pytest(runner: CliRunner, tmp_path: Path) -> None:
    # `pip install -e '.[test]'` must bring pytest, or a global pytest runs without cpa_sdk.
    assert runner.invoke(main, ["new", "x", "-d", str(tmp_path / "x")]).exit_code == 0
    project = tomllib.loads((tmp_path / "x" / "pyproject.toml").read_text())["project"]
    assert project["optional-dependencies"]["test"] == ["cpa-sdk[testing]"]
    sdk = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]
    assert any(req.startswith("pytest") for req in sdk["optional-dependencies"]["testing"])


def test_new_refuses_an_id_cpa_would_read_as_versioned(runner: CliRunner) -> None:
    result = runner.invoke(main, ["new", "foo-v2"])
    assert result.exit_code == 2 and "would load as 'foo'" in result.output


def test_new_refuses_invalid_ids_and_non_empty_directories(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["new", "bad id"]).exit_code == 2
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("")
    result = runner.invoke(main, ["new", "ok-id", "-d", str(tmp_path / "x")])
    assert result.exit_code == 1 and "not empty" in result.output
