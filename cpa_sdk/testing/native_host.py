"""The native test host: a C program that loads plugin libraries the way CPA does, with no Python.

``host/cpa_test_host.c`` (its header comment documents its modes, script lines and output)
dlopens a plugin ``.so`` as CPA's loader does and never links libpython, so whatever Python a
plugin needs, the plugin must bring along, as inside CPA. The tests drive it; ``cpa-sdk verify``
runs a built plugin in it to see the plugin work where no Python of this machine helps.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Final

from cpa_sdk.build.cache import user_cache
from cpa_sdk.build.spec import BuildError

__all__ = ["HOST_SOURCE", "cached_host", "compile_host"]

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


def _compiler() -> list[str]:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc:
        return [gcc]
    if importlib.util.find_spec("ziglang") is None:
        raise BuildError("no C compiler: install gcc, or cpa-sdk[ship] (zig's C compiler)")
    return [sys.executable, "-m", "ziglang", "cc"]
