"""The C test host, for ``tests/abi`` and ``tests/reference`` alike: compiled, and run on scripts.

The host (``cpa_sdk/testing/host/cpa_test_host.c``, shipped with the SDK for ``cpa-sdk verify``;
its header comment documents the script lines and the output) loads plugin ``.so`` files as CPA
does and never links libpython. A conftest makes
the session fixture ``c_host`` visible with ``from tests.c_host import c_host``.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from cpa_sdk.testing.native_host import HOST_SOURCE, compile_host, script_text  # noqa: F401  (re-exported for the tests)

TIMEOUT: Final = 300  # seconds; a deadlock fails the test instead of hanging the suite


def host_bytes(text: str | None) -> bytes:
    """A string of the host's output as the bytes it stands for (code points U+0000-U+00FF)."""
    return b"" if text is None else text.encode("latin-1")


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
        return host_bytes(self.calls()[index]["out"])

    def result(self, index: int) -> Any:
        return json.loads(self.out(index))

    def assert_clean(self) -> None:
        """Every load succeeded, no host callback came late, no script line failed."""
        loads = self.of("load")
        assert loads and all(load["error"] is None for load in loads), loads
        assert self.of("late_host_call") == [], self.of("late_host_call")
        assert self.returncode == 0 and self.of("done") == [{"event": "done", "failures": 0, "late_host_calls": 0}], (
            f"host exited {self.returncode}: {self.stderr}\n{self.events[-3:]}"
        )


class Host:
    """The compiled host; ``script`` writes a script into ``workdir`` and runs it."""

    def __init__(self, binary: Path, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self._scripts = 0

    def run(self, *args: str, timeout: float = TIMEOUT) -> HostRun:
        proc = subprocess.run(
            [str(self.binary), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            encoding="utf-8",
            errors="surrogateescape",
        )
        events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
        return HostRun(proc.returncode, events, proc.stderr)

    def script(self, text: str, repeat: int = 1, timeout: float = TIMEOUT) -> HostRun:
        self._scripts += 1
        path = self.workdir / f"script-{self._scripts}.txt"
        path.write_text(text.strip() + "\n", encoding="utf-8")
        return self.run("script", str(path), str(repeat), timeout=timeout)


@pytest.fixture(scope="session")
def c_host(tmp_path_factory: pytest.TempPathFactory) -> Host:
    """The C test host, compiled once per session."""
    workdir = tmp_path_factory.mktemp("c-host")
    return Host(compile_host(workdir / "cpa_test_host"), workdir)
