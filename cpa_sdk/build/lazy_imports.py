"""Imports inside functions that a bundle cannot satisfy.

A bundle carries what importing the plugin imports (a probe runs the import) and what the
requirements of cpa-sdk and the plugin name. An ``import`` inside a function runs only when that
code does: if it names a module the bundle has neither in ``site/`` nor in its runtime's
standard library, the plugin fails in CPA at that moment, long after it loaded fine. This reads
the plugin's own sources in the payload and names each such import, with its file and line.
"""

from __future__ import annotations

import ast
import io
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from cpa_sdk.build.bundle import BundleInfo

__all__ = ["LazyImport", "unbundled_lazy_imports"]

_FALLS_BACK = frozenset({"uuid", "hashlib", "dbm"})


@dataclass(frozen=True)
class LazyImport:
    """An import statement inside a function whose module the bundle does not carry."""

    file: str  # the source's path inside the payload, ``site/<package>/...``
    line: int
    module: str

    def __str__(self) -> str:
        return (
            f"{self.file.removeprefix('site/')}:{self.line} imports {self.module!r} inside a function, and the "
            f"bundle has no {self.module.partition('.')[0]!r}: that code fails in CPA when it runs "
            f"(import it at module level, or build with --include {self.module.partition('.')[0]})"
        )


def unbundled_lazy_imports(info: BundleInfo) -> list[LazyImport]:
    """Every function-level import of the plugin's own packages that the bundle cannot satisfy."""
    available = _available_top_levels(info)
    own = tuple(f"site/{package}/" for package in info.manifest.get("own_packages", ())) + tuple(
        f"site/{package}.py" for package in info.manifest.get("own_packages", ())
    )
    found = []
    with zipfile.ZipFile(io.BytesIO(_payload(info))) as zipped:
        for name in info.names:
            if name.endswith(".py") and name.startswith(own):
                for line, module in sorted(set(_nested_imports(zipped.read(name)))):
                    if module.partition(".")[0] not in available:
                        found.append(LazyImport(name, line, module))
    return found


def _payload(info: BundleInfo) -> bytes:
    with open(info.path, "rb") as file:
        file.seek(info.payload_offset)
        return file.read(info.payload_size)


def _available_top_levels(info: BundleInfo) -> set[str]:
    """Top-level names the bundled plugin can import: ``site/``, then the standard library."""
    names = set(sys.builtin_module_names)
    stdlib = f"runtime/lib/python{info.manifest.get('python', '')}/"
    has_runtime = any(name.startswith(stdlib) for name in info.names)
    if not has_runtime:  # the system's runtime: its whole standard library, this Python's names
        names |= set(sys.stdlib_module_names)
    for name in info.names:
        for prefix in ("site/", stdlib, f"{stdlib}lib-dynload/"):
            if name.startswith(prefix):
                head = name[len(prefix) :].partition("/")
                if head[1] or head[0].endswith(".py"):  # a package directory, or a module file
                    names.add(head[0].removesuffix(".py"))
                elif head[0].endswith(".so"):
                    names.add(head[0].partition(".")[0])
    # A standard module whose C half the runtime could not build (no libssl on the build machine,
    # for one) is present as a file and still fails to import; these three fall back instead.
    runtime = info.manifest.get("runtime")
    missing = set(runtime.get("missing_modules", ())) if isinstance(runtime, dict) else set()
    return {name for name in names if f"_{name}" not in missing or name in _FALLS_BACK}


def _nested_imports(source: bytes) -> Iterator[tuple[int, str]]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        yield node.lineno, alias.name
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    yield node.lineno, node.module
