"""The shim inside a process where Python already runs (plugin test scripts using ctypes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import HERE, TIMEOUT, Plugins


def test_joins_a_running_interpreter_and_refuses_another_version(plugins: Plugins) -> None:
    proc = subprocess.run(
        [sys.executable, str(HERE / "ctypes_host.py"), str(plugins.echo), str(plugins.wrong_python)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["init_rc"] == [0, 0]
    info = report["info"]
    assert info["flags"]["isolated"] == 0  # the host's own interpreter, not one the shim started
    assert info["version"] == list(sys.version_info[:3])
    assert str(HERE) in info["sys_path"]  # the plugin's recorded paths were added
    assert report["wrong"] == []
    assert report["host_logs"] == 4 * 20  # "log" (host.log inside the call) every 100th call
    rc, envelope = report["wrong_python"]
    assert rc == 1
    assert json.loads(envelope)["error"]["code"] == "python_version_mismatch"
    assert json.loads(report["after_shutdown"])["error"]["code"] == "plugin_closed"


def test_host_binary_does_not_link_libpython(abi_dir: Path, host: object) -> None:
    binary = abi_dir / "cpa_test_host"
    needed = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True, check=True).stdout
    assert "libpython" not in needed
