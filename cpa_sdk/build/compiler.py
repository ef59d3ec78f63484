"""Drives gcc: compiles the C shim (``abi_bridge/cpa_bridge.c``) into ``<id>.so``.

The shim is compiled against this interpreter's headers and linked against its shared libpython,
with an rpath to libpython's directory, so the ``.so`` needs nothing from the environment at run
time. Offline: only gcc and the files of the running Python are used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import as_file
from pathlib import Path
from typing import Final

import abi_bridge
from cpa_sdk.build.spec import BuildError, BuildSpec, c_string
from cpa_sdk.build.target import Target

__all__ = [
    "CFLAGS",
    "PythonLink",
    "compile_bundle_loader",
    "compile_bundle_shim",
    "compile_plugin",
    "find_gcc",
    "python_link",
    "system_libpython",
]

CFLAGS: Final = (
    "-std=gnu11",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-fPIC",
    "-fvisibility=hidden",
)
"""Warnings are errors: the shim must stay clean on every supported Python."""

LDFLAGS: Final = (
    "-shared",
    "-Wl,-z,nodelete",  # never unmapped by dlclose: Python keeps pointers into it
    "-Wl,-z,defs",  # every symbol resolved at link time, not in CPA's process
    "-Wl,--as-needed",
    "-ldl",
    "-lpthread",
)


@dataclass(frozen=True)
class PythonLink:
    """How to compile against and link with the running interpreter."""

    include_dirs: tuple[str, ...]
    library: Path
    """The shared libpython file the ``.so`` links (its SONAME becomes DT_NEEDED)."""


def _config(name: str) -> str:
    value = sysconfig.get_config_var(name)
    return str(value) if value else ""


def _missing_libpython(searched: list[str]) -> BuildError:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return BuildError(
        f"this Python ({sys.executable}, {version}) has no shared libpython: sysconfig reports"
        f" Py_ENABLE_SHARED={_config('Py_ENABLE_SHARED') or 0} and no libpython{_config('LDVERSION') or version}.so*"
        f" was found in {', '.join(searched) or 'any library directory'}.\n"
        "CPA loads plugins as shared libraries, so the plugin must link libpython dynamically. Use a Python"
        " built with --enable-shared, for example:\n"
        f"  pyenv:          PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install {version}\n"
        f"  Debian/Ubuntu:  apt install libpython{version}-dev   (or python{version}-dev)\n"
        f"  Fedora/RHEL:    dnf install python{version.replace('.', '')}-devel   (or python3-devel)\n"
        "  Docker:         the official python:<version> images and python-build-standalone ship libpython"
    )


def python_link() -> PythonLink:
    """Locate ``Python.h`` and the shared libpython of the running interpreter."""
    include = _config("INCLUDEPY")
    if not include or not (Path(include) / "Python.h").is_file():
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        raise BuildError(
            f"Python.h not found (sysconfig INCLUDEPY={include or '<unset>'}): install the development headers"
            f" of Python {version} (Debian/Ubuntu: apt install python{version}-dev; Fedora: python3-devel)"
        )
    include_dirs = [include]
    platinclude = sysconfig.get_path("platinclude")
    if platinclude and platinclude != include and Path(platinclude).is_dir():
        include_dirs.append(platinclude)

    ldversion = _config("LDVERSION") or f"{sys.version_info.major}.{sys.version_info.minor}"
    names = [n for n in (_config("LDLIBRARY"), _config("INSTSONAME")) if n.endswith(".so") or ".so." in n]
    names += [f"libpython{ldversion}.so", f"libpython{ldversion}.so.1.0"]
    multiarch = _config("MULTIARCH")
    dirs = [_config("LIBDIR"), _config("LIBPL")]
    if multiarch:
        dirs += [os.path.join(_config("LIBDIR"), multiarch), f"/usr/lib/{multiarch}"]
    dirs += [os.path.join(sys.base_prefix, "lib"), "/usr/lib64", "/usr/lib", "/usr/local/lib"]
    searched = [d for d in dict.fromkeys(dirs) if d]
    for directory in searched:
        for name in dict.fromkeys(names):
            candidate = Path(directory) / name
            if candidate.is_file():
                return PythonLink(tuple(include_dirs), candidate)
    raise _missing_libpython(searched)


def find_gcc() -> str:
    gcc = shutil.which("gcc")
    if gcc is None:
        raise BuildError("gcc not found on PATH: install a C compiler (Debian/Ubuntu: apt install gcc)")
    return gcc


def compile_plugin(spec: BuildSpec, out_dir: Path, *, log: Callable[[str], None] = lambda _: None) -> Path:
    """Compile ``spec`` into ``<out_dir>/<plugin_id>.so``, atomically; returns the path."""
    gcc = find_gcc()
    link = python_link()
    log(
        f"python {spec.python_version[0]}.{spec.python_version[1]}: headers {link.include_dirs[0]}, library {link.library}"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{spec.plugin_id}.so"
    with tempfile.TemporaryDirectory(prefix="cpa-sdk-build-") as tmp, as_file(abi_bridge.source()) as source:
        header = Path(tmp) / "cpa_bridge_config.h"
        header.write_text(spec.render_header(), encoding="utf-8")
        partial = out_dir / f".{spec.plugin_id}.so.{os.getpid()}.tmp"
        command = [
            gcc,
            *CFLAGS,
            f"-I{tmp}",
            *(f"-I{d}" for d in link.include_dirs),
            str(source),
            "-o",
            str(partial),
            str(link.library),
            f"-Wl,-rpath,{link.library.parent}",
            *LDFLAGS,
        ]
        log("compiling: " + " ".join(command))
        try:
            proc = subprocess.run(command, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise BuildError(f"gcc failed (exit {proc.returncode}):\n{proc.stderr.strip() or proc.stdout.strip()}")
            os.replace(partial, final)  # a running CPA keeps the old inode; never half a file
        finally:
            partial.unlink(missing_ok=True)
    return final


# ---- bundles (cpa_sdk.build.bundle): the shim inside the payload, and the loader CPA loads ----
# Compiled with zig for the bundle's target (cpa_sdk.build.target): another architecture and the
# target's oldest glibc, whatever this machine runs.

BUNDLE_CFLAGS: Final = ("-DNDEBUG",)
"""No assert(): its __FILE__ strings would record this machine's paths in the bundle."""

BUNDLE_SHIM_LDFLAGS: Final = (
    "-shared",
    "-s",  # no symbol table: nothing of this machine in the file
    "-Wl,-z,nodelete",
    # No libpython on the link line: the loader puts one in global scope before opening the shim,
    # and the shim's Python symbols bind to it (cpa_bundle.c, rule B8).
    "-ldl",
    "-lpthread",
)

BUNDLE_LOADER_LDFLAGS: Final = ("-shared", "-s", "-Wl,-z,nodelete", "-Wl,-z,defs", "-ldl", "-lpthread")


def _compile(command: list[str], log: Callable[[str], None]) -> None:
    log("compiling: " + " ".join(command))
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise BuildError(
            f"the C compiler failed (exit {proc.returncode}):\n{proc.stderr.strip() or proc.stdout.strip()}"
        )


def compile_bundle_shim(
    spec: BuildSpec, target: Target, include_dirs: Sequence[str | Path], *, log: Callable[[str], None] = lambda _: None
) -> bytes:
    """The shim of a bundle (``bridge.so`` in its payload), compiled from ``spec``'s bundle header
    against the headers of the Python it will run on (``include_dirs``)."""
    with tempfile.TemporaryDirectory(prefix="cpa-sdk-bundle-") as tmp, as_file(abi_bridge.source()) as source:
        (Path(tmp) / "cpa_bridge_config.h").write_text(spec.render_bundle_header(), encoding="utf-8")
        out = Path(tmp) / "bridge.so"
        _compile(
            [
                *target.cc(),
                *CFLAGS,
                *BUNDLE_CFLAGS,
                f"-I{tmp}",
                *(f"-I{d}" for d in include_dirs),
                str(source),
                "-o",
                str(out),
                *BUNDLE_SHIM_LDFLAGS,
            ],
            log,
        )
        return out.read_bytes()


def system_libpython() -> tuple[str, str]:
    """The soname of this interpreter's libpython, and its file in LIBDIR: what a bundle without a
    runtime looks for on the target (docs/shipping.md)."""
    library = python_link().library
    soname = _config("INSTSONAME") or library.name
    fallback = library.parent / soname if (library.parent / soname).exists() else library
    return soname, str(fallback)


def compile_bundle_loader(
    spec: BuildSpec, target: Target, *, runtime_libpython: str | None, log: Callable[[str], None] = lambda _: None
) -> bytes:
    """The loader of a bundle (``abi_bridge/cpa_bundle.c``): the ELF part of ``<id>.so``.

    With ``runtime_libpython`` (its path inside the payload) it loads the bundle's own CPython;
    without, it records the soname of this interpreter's libpython and, as the last fallback when
    the dynamic loader finds none, the file in LIBDIR.
    """
    lines = [
        f"/* Generated by cpa_sdk.build (bundle loader) for plugin {spec.plugin_id!r}; do not edit. */",
        f"#define CPA_BUNDLE_PLUGIN_ID {c_string(spec.plugin_id)}",
        f"#define CPA_BUNDLE_PY_MAJOR {spec.python_version[0]}",
        f"#define CPA_BUNDLE_PY_MINOR {spec.python_version[1]}",
    ]
    if runtime_libpython is not None:
        lines.append(f"#define CPA_BUNDLE_RUNTIME_LIBPYTHON {c_string(runtime_libpython)}")
    else:
        soname, fallback = system_libpython()
        lines += [
            f"#define CPA_BUNDLE_LIBPYTHON {c_string(soname)}",
            f"#define CPA_BUNDLE_LIBPYTHON_FALLBACK {c_string(fallback)}",
        ]
    with tempfile.TemporaryDirectory(prefix="cpa-sdk-bundle-") as tmp, as_file(abi_bridge.loader_source()) as source:
        (Path(tmp) / "cpa_bundle_config.h").write_text("\n".join([*lines, ""]), encoding="utf-8")
        out = Path(tmp) / "loader.so"
        _compile(
            [*target.cc(), *CFLAGS, *BUNDLE_CFLAGS, f"-I{tmp}", str(source), "-o", str(out), *BUNDLE_LOADER_LDFLAGS],
            log,
        )
        return out.read_bytes()
