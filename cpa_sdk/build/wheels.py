"""Compiled dependencies for another architecture: the target's wheels, from the package index.

A bundle for arm64 packaged on amd64 keeps every pure-Python file of the build venv, but the
extension modules there (pydantic-core's, PyYAML's) are amd64 code. pip can fetch the wheel of
the same version for another platform (``pip download --platform --only-binary``); its files
replace the distribution's. Only manylinux tags the target's glibc satisfies are accepted, so the
wheels load where CPA runs. Downloads are cached in the user cache (``wheels/``).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from cpa_sdk.build.cache import user_cache
from cpa_sdk.build.spec import BuildError
from cpa_sdk.build.target import Target

__all__ = ["manylinux_tags", "target_wheel", "wheel_files"]


def manylinux_tags(target: Target) -> list[str]:
    """Platform tags, newest first, of wheels that run on ``target``'s glibc and architecture."""
    major, newest = target.glibc
    tags = [f"manylinux_{major}_{minor}_{target.machine}" for minor in range(newest, 16, -1)]
    return [*tags, f"manylinux2014_{target.machine}"]


def _cached(directory: Path, name: str, version: str, target: Target) -> Path | None:
    wanted = name.replace("-", "_").lower()
    for wheel in sorted(directory.glob("*.whl")):
        parts = wheel.stem.split("-")
        if parts[0].lower() == wanted and parts[1] == version and target.machine in parts[-1]:
            return wheel
    return None


def target_wheel(name: str, version: str, target: Target, *, log: Callable[[str], None] = lambda _: None) -> Path:
    """The wheel of ``name==version`` for ``target`` and this interpreter's Python, downloaded once."""
    directory = user_cache("wheels") / target.name
    minor = f"{sys.version_info[0]}{sys.version_info[1]}"
    cached = _cached(directory, name, version, target)
    if cached is not None:
        return cached
    log(f"downloading {name} {version} for {target.machine} (glibc {target.glibc_text})")
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        minor,
        "--abi",
        f"cp{minor}",
        "--abi",
        "abi3",
        "--abi",
        "none",
        *(f"--platform={tag}" for tag in manylinux_tags(target)),
        "-d",
        str(directory),
        f"{name}=={version}",
    ]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BuildError(
            f"no wheel of {name} {version} for linux/{target.goarch} with glibc <= {target.glibc_text} and Python "
            f"{sys.version_info[0]}.{sys.version_info[1]} could be downloaded (pip download --platform "
            f"{manylinux_tags(target)[-1]}):\n{(proc.stderr or proc.stdout).strip()[-2000:]}"
        )
    cached = _cached(directory, name, version, target)
    if cached is not None:
        return cached
    raise BuildError(f"pip downloaded no {target.machine} wheel of {name} {version} into {directory}")


def wheel_files(wheel: Path) -> Iterator[tuple[str, bytes, bool]]:
    """The installed files of ``wheel`` (name, bytes, executable), without its ``.dist-info``."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            top = info.filename.partition("/")[0]
            if info.is_dir() or top.endswith((".dist-info", ".data")):
                continue
            executable = bool((info.external_attr >> 16) & 0o111) or info.filename.endswith(".so")
            yield info.filename, archive.read(info), executable
