"""The native test host: a C program that loads plugin libraries the way CPA does, with no Python.

``host/cpa_test_host.c`` (its header comment documents its modes, script lines and output)
dlopens a plugin ``.so`` as CPA's loader does and never links libpython, so whatever Python a
plugin needs, the plugin must bring along, as inside CPA. The tests drive it; ``cpa-sdk verify``
runs a built plugin in it to see the plugin work where no Python of this machine helps.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from cpa_sdk.build.cache import user_cache
from cpa_sdk.build.spec import BuildError

__all__ = ["HOST_SOURCE", "IsolatedRun", "cached_host", "compile_host", "run_isolated", "script_text"]

HOST_SOURCE: Final = Path(str(resources.files("cpa_sdk.testing") / "host" / "cpa_test_host.c"))
FLAGS: Final = ("-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror")
LIBRARIES: Final = ("-ldl", "-lpthread")


def compile_host(binary: Path) -> Path:
    """Compile the host into ``binary`` with gcc, or zig's C compiler (the ``ship`` extra)."""
    command = [*_compiler(), *FLAGS, "-o", str(binary), str(HOST_SOURCE), *LIBRARIES]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BuildError(f"compiling the test host failed: {' '.join(command)}\n{proc.stderr}")
    return binary


def cached_host() -> Path:
    """The host, compiled once per version of its source into the user cache."""
    digest = hashlib.sha256(HOST_SOURCE.read_bytes()).hexdigest()[:16]
    binary = user_cache("host") / digest / "cpa_test_host"
    if not binary.is_file():
        binary.parent.mkdir(parents=True, exist_ok=True)
        partial = binary.with_suffix(f".tmp{os.getpid()}")
        compile_host(partial)
        partial.replace(binary)  # atomic: a concurrent compile leaves one complete binary
    return binary


def script_text(data: bytes) -> str:
    """``data`` as a script TEXT field: printable ASCII as is, every other byte, ``\\`` and ``@``
    (so no field reads as ``@null``, ``@empty`` or ``@rc1``) as ``\\xHH``."""
    return "".join(chr(b) if 0x20 <= b < 0x7F and b not in b"\\@" else f"\\x{b:02x}" for b in data)


@dataclass(frozen=True)
class IsolatedRun:
    """What the host printed: its events, the shim's ``CPA_SDK_DEBUG`` reports, and stderr."""

    returncode: int
    events: list[dict[str, Any]]
    debug: list[dict[str, Any]]
    stderr: str

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("event") == kind]


def run_isolated(script_lines: list[str], *, timeout: float = 120) -> IsolatedRun:
    """Run the host on ``script_lines`` where this machine's Python cannot help a plugin.

    A fresh directory stands in for CPA's machine: its own HOME and bundle cache, a PATH of the
    system's directories only, PYTHONPATH and PYTHONHOME pointing at nothing (the shim ignores
    them; a plugin that leaned on them would fail here as it would in CPA).
    """
    host = cached_host()
    with tempfile.TemporaryDirectory(prefix="cpa-sdk-verify-") as tmp:
        root = Path(tmp)
        (root / "home").mkdir()
        script = root / "script.txt"
        script.write_text("\n".join(script_lines) + "\n")
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(root / "home"),
            "LANG": "C",
            "PYTHONPATH": str(root / "no-pythonpath"),
            "PYTHONHOME": str(root / "no-pythonhome"),
            "CPA_SDK_CACHE_DIR": str(root / "cache"),
            "CPA_SDK_DEBUG": "1",
        }
        proc = subprocess.run(
            [str(host), "script", str(script)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=timeout,
        )
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    debug = [
        json.loads(line.split(" ", 1)[1]) for line in proc.stderr.splitlines() if line.startswith("cpa-sdk-debug ")
    ]
    return IsolatedRun(proc.returncode, events, debug, proc.stderr)


def _compiler() -> list[str]:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc:
        return [gcc]
    if importlib.util.find_spec("ziglang") is None:
        raise BuildError("no C compiler: install gcc, or cpa-sdk[ship] (zig's C compiler)")
    return [sys.executable, "-m", "ziglang", "cc"]
