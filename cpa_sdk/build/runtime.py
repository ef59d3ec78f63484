"""The CPython a bundle carries: where it comes from and what it must look like.

CPA's Docker image and release machines have no Python, so by default a bundle embeds one:
libpython and the part of the standard library the plugin needs (``cpa_sdk.build.stdlib``),
taken from a *relocatable runtime*, a CPython installation that runs from any directory and
needs nothing of the machine but glibc. Three ways to name it (``--runtime``):

* ``embedded`` (the default): the runtime cpa-sdk builds itself for the target, from CPython's
  source, with zig's compiler for glibc 2.17 (``cpa-sdk runtime build``,
  ``cpa_sdk.build.runtime_build``), cached per version and target in the user cache;
* a directory: an existing relocatable CPython (python-build-standalone's layout:
  ``bin/``, ``lib/libpython3.X.so.1.0``, ``lib/python3.X/``, ``include/python3.X/``; its
  ``python/`` or ``python/install/`` parent is accepted too);
* ``system``: no runtime in the bundle; the machine running CPA provides libpython (the
  behaviour before runtimes existed).

The runtime's ``major.minor`` must be the build interpreter's: the bundle's ``.pyc`` files and
its compiled dependencies are made for that version.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cpa_sdk.build.elf import read_elf
from cpa_sdk.build.spec import BuildError
from cpa_sdk.build.target import DEFAULT_GLIBC, Target, host_goarch

__all__ = [
    "EMBEDDED",
    "SOURCE_ENV",
    "SYSTEM",
    "BundleOptions",
    "Runtime",
    "open_runtime",
    "resolve_runtime",
    "runtime_summary",
]

SYSTEM: Final = "system"
EMBEDDED: Final = "embedded"
SOURCE_ENV: Final = "CPA_SDK_CPYTHON_SOURCE"
"""A CPython source tarball to build the embedded runtime from when none is cached."""

_PY_VERSION: Final = re.compile(rb'#define\s+PY_VERSION\s+"(\d+)\.(\d+)\.(\d+)[^"]*"')


@dataclass(frozen=True)
class Runtime:
    """A relocatable CPython installation, checked."""

    prefix: Path
    version: str
    """``X.Y.Z``, from the headers (so a runtime of another architecture needs not run)."""
    machine: str
    """libpython's ELF machine: ``x86_64`` or ``aarch64``."""

    @property
    def minor(self) -> tuple[int, int]:
        major, minor, _ = self.version.split(".")
        return int(major), int(minor)

    @property
    def ldversion(self) -> str:
        return f"{self.minor[0]}.{self.minor[1]}"

    @property
    def libpython(self) -> Path:
        return self.prefix / "lib" / f"libpython{self.ldversion}.so.1.0"

    @property
    def stdlib(self) -> Path:
        return self.prefix / "lib" / f"python{self.ldversion}"

    @property
    def dynload(self) -> Path:
        return self.stdlib / "lib-dynload"

    @property
    def include(self) -> Path:
        return self.prefix / "include" / f"python{self.ldversion}"

    @property
    def soabi(self) -> str:
        """The extension-module tag of its lib-dynload files (``cpython-311-x86_64-linux-gnu``)."""
        tags = {
            name.split(".")[1] for name in os.listdir(self.dynload) if name.count(".") >= 2 and name.endswith(".so")
        }
        return sorted(tags)[0] if tags else f"cpython-{self.minor[0]}{self.minor[1]}-{self.machine}-linux-gnu"


def _prefix_of(directory: Path) -> Path:
    for candidate in (directory, directory / "install", directory / "python", directory / "python" / "install"):
        if any(candidate.glob("lib/libpython3.*.so*")):
            return candidate
    raise BuildError(
        f"{directory} is not a relocatable CPython: no lib/libpython3.X.so.1.0 in it (expected python-build-standalone's"
        " layout: bin/, lib/libpython3.X.so.1.0, lib/python3.X/, include/python3.X/)"
    )


def open_runtime(directory: str | os.PathLike[str], target: Target | None = None) -> Runtime:
    """Check ``directory`` as the runtime of ``target`` for this interpreter's ``major.minor``."""
    prefix = _prefix_of(Path(directory).resolve())
    headers = sorted(prefix.glob("include/python3.*/patchlevel.h"))
    match = _PY_VERSION.search(headers[0].read_bytes()) if headers else None
    if match is None:
        raise BuildError(
            f"{prefix}: no include/python3.X/patchlevel.h naming the version; the runtime needs its headers"
        )
    runtime = Runtime(prefix, ".".join(m.decode() for m in match.groups()), "")
    wanted = sys.version_info[:2]
    if runtime.minor != wanted:
        raise BuildError(
            f"the runtime {prefix} is CPython {runtime.version}, but this build runs Python {wanted[0]}.{wanted[1]}: "
            f"the minor versions must be equal (the bundle's .pyc files and compiled dependencies are made for "
            f"{wanted[0]}.{wanted[1]}). Use a {wanted[0]}.{wanted[1]} runtime, or build from a venv of Python "
            f"{runtime.ldversion}"
        )
    for needed in (runtime.libpython, runtime.stdlib / "os.py", runtime.dynload, runtime.include / "Python.h"):
        if not needed.exists():
            raise BuildError(f"the runtime {prefix} is incomplete: {needed} is missing")
    machine = read_elf(runtime.libpython.read_bytes()).machine
    if target is not None and machine != target.machine:
        raise BuildError(f"the runtime {prefix} is for {machine}, the target is {target.machine} ({target.goarch})")
    return Runtime(prefix, runtime.version, machine)


def resolve_runtime(
    choice: str, target: Target, *, source: str | None = None, log: Callable[[str], None] = lambda _: None
) -> Runtime | None:
    """The runtime ``--runtime choice`` names for ``target`` (None for ``system``), built if needed."""
    if choice == SYSTEM:
        return None
    if choice != EMBEDDED:
        return open_runtime(choice, target)
    from cpa_sdk.build import runtime_build  # the builder is only needed for the embedded runtime

    cached = runtime_build.find_cached_runtime(target, sys.version_info[:2])
    if cached is not None:
        return open_runtime(cached, target)
    tarball = source or os.environ.get(SOURCE_ENV)
    if not tarball:
        minor = f"{sys.version_info[0]}.{sys.version_info[1]}"
        raise BuildError(
            f"no CPython {minor} runtime for {target.name} in {runtime_build.runtime_cache_root()}. Build one once with\n"
            f"  cpa-sdk runtime build --source Python-{minor}.N.tar.xz --goarch {target.goarch}\n"
            f"(source tarballs: https://www.python.org/downloads/source/), or pass --cpython-source (or set {SOURCE_ENV}),"
            " --runtime DIR (a python-build-standalone install), or --runtime system (the target then needs its own "
            f"libpython{minor})"
        )
    log(f"building the CPython runtime for {target.name} from {tarball} (once; cached)")
    return open_runtime(runtime_build.build_runtime(Path(tarball), target, log=log), target)


def runtime_summary(runtime: Runtime) -> dict[str, object]:
    """What the manifest records of the runtime (no path of this machine)."""
    info: dict[str, object] = {"python": runtime.version, "machine": runtime.machine, "soabi": runtime.soabi}
    stamp = runtime.prefix / "cpa-runtime.json"
    if stamp.is_file():
        built = json.loads(stamp.read_text(encoding="utf-8"))
        info["glibc"] = built.get("glibc")
        info["missing_modules"] = built.get("missing_modules", [])
    return info


@dataclass(frozen=True)
class BundleOptions:
    """How a bundle is built for CPA's machine (``cpa-sdk build --bundle``, ``cpa-sdk package``)."""

    goarch: str | None = None
    """Go's name of the target architecture; default this machine's."""
    glibc: tuple[int, int] = DEFAULT_GLIBC
    runtime: str = EMBEDDED
    """``embedded``, ``system`` or a runtime directory (module docstring)."""
    cpython_source: str | None = None
    """A CPython source tarball to build the embedded runtime from, when none is cached."""
    full_stdlib: bool = False
    """Carry the whole standard library (but tests and tools), not only what the plugin needs."""

    @property
    def target(self) -> Target:
        return Target(self.goarch or host_goarch(), self.glibc)

    def resolve(self, log: Callable[[str], None] = lambda _: None) -> tuple[Target, Runtime | None]:
        target = self.target
        if self.runtime == SYSTEM and not target.is_host:
            raise BuildError(
                f"--runtime system cannot target {target.goarch} from {host_goarch()}: the bundle would be "
                "compiled against this machine's Python; use the embedded runtime (the default)"
            )
        return target, resolve_runtime(self.runtime, target, source=self.cpython_source, log=log)
