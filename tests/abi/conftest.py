"""Builds the C test host and the plugin ``.so`` files once per session, and runs the host.

The host (``host/cpa_test_host.c``) loads plugins as CPA does and never links libpython. The
plugins are built with ``cpa_sdk.build`` from the stand-in entry ``echo_entry:load`` and the
endpoints in ``standins.py``, plus a few deliberately broken ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cpa_sdk.build import build_plugin

HERE = Path(__file__).resolve().parent
HOST_SOURCE = HERE / "host" / "cpa_test_host.c"
ENTRY = "echo_entry:load"
TIMEOUT = 300  # seconds; a deadlock fails the test instead of hanging the suite


@dataclass
class HostRun:
    returncode: int
    events: list[dict[str, Any]]
    stderr: str

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e.get("event") == kind]

    def calls(self) -> list[dict[str, Any]]:
        return self.of("call")

    def out(self, index: int) -> bytes:
        """The response bytes of the ``index``-th call event."""
        value = self.calls()[index]["out"]
        return b"" if value is None else value.encode("latin-1")

    def result(self, index: int) -> Any:
        return json.loads(self.out(index))


class Host:
    def __init__(self, binary: Path, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self._scripts = 0

    def run(self, *args: str, timeout: float = TIMEOUT) -> HostRun:
        proc = subprocess.run([str(self.binary), *args], capture_output=True, text=True, timeout=timeout,
                              encoding="utf-8", errors="surrogateescape")
        events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        return HostRun(proc.returncode, events, proc.stderr)

    def script(self, text: str, repeat: int = 1, timeout: float = TIMEOUT) -> HostRun:
        self._scripts += 1
        path = self.workdir / f"script-{self._scripts}.txt"
        path.write_text(text.strip() + "\n", encoding="utf-8")
        return self.run("script", str(path), str(repeat), timeout=timeout)


@dataclass
class Plugins:
    echo: Path
    other: Path
    load_raises: Path
    wrong_python: Path
    entry_missing: Path
    vanished: Path
    import_raises: Path
    shutdown_raises: Path


@pytest.fixture(scope="session")
def abi_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("abi")


@pytest.fixture(scope="session")
def host(abi_dir: Path) -> Host:
    binary = abi_dir / "cpa_test_host"
    subprocess.run(
        ["gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-o", str(binary), str(HOST_SOURCE), "-ldl", "-lpthread"],
        check=True, capture_output=True, text=True,
    )
    return Host(binary, abi_dir)


@pytest.fixture(scope="session")
def plugins(abi_dir: Path) -> Plugins:
    out = abi_dir / "plugins"
    here = [HERE]

    def build(target: str, **kwargs: Any) -> Path:
        kwargs.setdefault("entry", ENTRY)
        return build_plugin(target, out, extra_paths=kwargs.pop("extra_paths", here), **kwargs)

    # Plugins whose code is fine at build time and broken when CPA loads them.
    fragile = abi_dir / "fragile"
    fragile.mkdir()
    vanishing = fragile / "vanishing_plugin.py"
    breaking = fragile / "breaking_plugin.py"
    endpoint = "from standins import Echo\n\nclass Plugin(Echo):\n    plugin_id = {!r}\n"
    vanishing.write_text(endpoint.format("vanished"))
    breaking.write_text(endpoint.format("import-raises"))
    built = Plugins(
        echo=build("standins:Echo"),
        other=build("standins:Other"),
        load_raises=build("standins:LoadRaises"),
        wrong_python=build("standins:Echo", plugin_id="wrong-python", python_version=(3, sys.version_info.minor - 1)),
        entry_missing=build("standins:Echo", plugin_id="entry-missing", entry="echo_entry:no_such_function"),
        vanished=build("vanishing_plugin:Plugin", extra_paths=[HERE, fragile]),
        import_raises=build("breaking_plugin:Plugin", extra_paths=[HERE, fragile]),
        shutdown_raises=build("standins:ShutdownRaises"),
    )
    vanishing.unlink()
    breaking.write_text('raise ImportError("breaking_plugin needs the module nonexistent_dependency")\n')
    for cache in fragile.glob("__pycache__"):
        for pyc in cache.iterdir():
            pyc.unlink()
    return built
