"""The pieces of ``cpa-sdk dev`` that need no CPA: its config, its CPA lookup, its log view, its errors.

The loop itself, against the real CPA, is tests/conformance/test_dev_loop.py.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cpa_sdk.cli import main
from cpa_sdk.devloop import DevLoopError
from cpa_sdk.devloop.config import client_key, dev_config
from cpa_sdk.devloop.cpa import cached_cpa, find_cpa
from cpa_sdk.devloop.logview import LogView

CODEX = "reference_plugins.codex_service_tier:CodexServiceTier"


# -- config --------------------------------------------------------------------------------------


def test_dev_config_keeps_the_base_and_owns_what_the_loop_needs(tmp_path: Path) -> None:
    base = b"""
host: 0.0.0.0
port: 9999
debug: false
api-keys: [user-key]
codex-api-key:
  - api-key: sk-upstream
plugins:
  dir: /elsewhere
  configs:
    dev-plugin: {mode: yes}
"""
    config = yaml.safe_load(dev_config(port=8400, workdir=tmp_path, plugin_id="dev-plugin", key="k", base=base))
    assert (config["host"], config["port"], config["debug"], config["logging-to-file"]) == (
        "127.0.0.1",
        8400,
        True,
        False,
    )
    assert config["api-keys"] == ["user-key", "k"]
    assert config["codex-api-key"] == [{"api-key": "sk-upstream"}]
    assert config["remote-management"]["allow-remote"] is False
    assert config["auth-dir"] == str(tmp_path / "auths")
    assert config["plugins"]["dir"] == str(tmp_path / "plugins")
    assert config["plugins"]["enabled"] is True
    # ``yes`` reaches CPA as the text the user wrote, not as a boolean a round trip made of it.
    assert "mode: yes" in dev_config(port=8400, workdir=tmp_path, plugin_id="dev-plugin", key="k", base=base)
    assert config["plugins"]["configs"]["dev-plugin"]["enabled"] is True


def test_the_plugin_block_of_minus_c_replaces_the_base_one_and_the_key_is_added_once(tmp_path: Path) -> None:
    base = b"api-keys: [k]\nplugins: {configs: {dev-plugin: {old: 1}}}\n"
    text = dev_config(port=1, workdir=tmp_path, plugin_id="dev-plugin", key="k", base=base, plugin_block=b"prefix: x\n")
    config = yaml.safe_load(text)
    assert config["plugins"]["configs"]["dev-plugin"] == {"prefix": "x", "enabled": True}
    assert config["api-keys"] == ["k"]


@pytest.mark.parametrize("base", [b"[1, 2]\n", b"key: [unclosed\n"])
def test_a_base_config_that_is_no_yaml_mapping_is_refused(tmp_path: Path, base: bytes) -> None:
    with pytest.raises(DevLoopError, match="the CPA config"):
        dev_config(port=1, workdir=tmp_path, plugin_id="p", key="k", base=base)


def test_the_client_key_is_made_once_per_work_directory(tmp_path: Path) -> None:
    key = client_key(tmp_path / "work")
    assert key.startswith("dev-") and client_key(tmp_path / "work") == key
    assert stat.S_IMODE((tmp_path / "work" / "client-key").stat().st_mode) == 0o600
    assert client_key(tmp_path / "other") != key


# -- the CPA binary ------------------------------------------------------------------------------


def test_find_cpa_takes_an_executable_or_the_cached_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPA_SDK_CPA_CACHE", str(tmp_path / "cache"))
    given = tmp_path / "cpa"
    given.write_text("#!/bin/sh\n")
    with pytest.raises(DevLoopError, match="not an executable file"):
        find_cpa(given, "v7.2.140", log=print)
    given.chmod(0o755)
    assert find_cpa(given, "v7.2.140", log=print) == given

    cached = cached_cpa("v7.2.140")
    assert cached == tmp_path / "cache" / "v7.2.140" / "cpa"
    cached.parent.mkdir(parents=True)
    cached.write_text("#!/bin/sh\n")
    cached.chmod(0o755)
    assert find_cpa(None, "v7.2.140", log=print) == cached


def test_without_cpa_or_go_the_error_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPA_SDK_CPA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DevLoopError, match="pass --cpa PATH .* or install Go"):
        find_cpa(None, "v7.2.140", log=print)
    with pytest.raises(DevLoopError, match="not a CPA v7 release"):
        find_cpa(None, "latest", log=print)


# -- the log view --------------------------------------------------------------------------------


def test_the_log_view_picks_the_plugins_records_and_their_continuation_lines() -> None:
    view = LogView("dev-plugin")
    lines = {
        "                 CLIProxyAPI Version: dev": False,  # before any record
        "[2026-01-02 15:04:05] [--------] [info ] [host.go:338] pluginhost: plugin registered plugin_id=dev-plugin "
        "plugin_name=dev-plugin version=0.1.0": True,
        "[2026-01-02 15:04:05] [--------] [info ] [host.go:338] pluginhost: plugin registered plugin_id=dev-plugin2": False,
        "[2026-01-02 15:04:05] [--------] [warn ] [host.go:798] pluginhost: plugin dev-plugin plugin.register failed: x": True,
        "[2026-01-02 15:04:05] [--------] [warn ] [host.go:287] pluginhost: failed to load plugin dev-plugin.old from y": False,
        "[2026-01-02 15:04:06] [5cf8504b] [error] [host_callbacks.go:351] reloading failed: SyntaxError": True,
        '  File "plugin.py", line 1': True,  # the same record goes on
        "SyntaxError: invalid syntax plugin_id=dev-plugin": True,
        "[2026-01-02 15:04:06] [5cf8504b] [debug] [server.go:302] Starting API server on 127.0.0.1:8317": False,
        "API server started successfully on: 127.0.0.1:8317": False,
    }
    assert {line: view.is_plugin(line) for line in lines} == lines


# -- the command's errors (before anything is built or started) ------------------------------------


def test_dev_refuses_a_cpa_that_is_not_executable(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["dev", CODEX, "--cpa", str(tmp_path / "missing"), "--workdir", str(tmp_path / "w")]
    )
    assert result.exit_code == 1
    assert f"--cpa {tmp_path / 'missing'}: not an executable file" in result.output
    assert not (tmp_path / "w").exists()


def test_dev_refuses_a_cpa_config_without_the_plugins_block(tmp_path: Path) -> None:
    cpa = tmp_path / "cpa"
    cpa.write_text("#!/bin/sh\n")
    cpa.chmod(0o755)
    config = tmp_path / "config.yaml"
    config.write_text("plugins:\n  configs:\n    other: {}\n")
    result = CliRunner().invoke(
        main, ["dev", CODEX, "--cpa", str(cpa), "-c", str(config), "--workdir", str(tmp_path / "w")]
    )
    assert result.exit_code == 1
    assert "has no plugins.configs.codex-service-tier block (it has: other)" in result.output
