"""Which part of the standard library an embedded runtime carries into a bundle.

The whole standard library is about 40 MiB of files; a plugin uses a fraction. A bundle takes
each top-level standard-library module or package that

* the build's probe saw imported: by CPython's own start-up, by importing the plugin, and by a
  first ``plugin.register`` through the entry (which builds the validators pydantic imports for);
* an ``import`` statement anywhere in the plugin's own packages or in cpa-sdk names, including
  imports inside functions, which run only later (a missing module would then fail in CPA);
* ``--include`` names;
* and, transitively, what the import statements of the modules chosen so far name;

at package granularity (``email`` whole, not only ``email.message``), so lazy imports inside a
package keep working. ``full=True`` takes everything but the test suites, GUI and development
tools. Modules the runtime was built without (``_ssl`` when it had no OpenSSL) are reported, not
invented.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.machinery import FrozenImporter
from pathlib import Path
from typing import Final

from cpa_sdk.build.runtime import Runtime

__all__ = ["ALWAYS", "StdlibSelection", "imported_top_levels", "select_stdlib"]

ALWAYS: Final = frozenset(
    {
        "os",
        "encodings",
        "codecs",
        "io",
        "abc",
        "stat",
        "posixpath",
        "genericpath",
        "_collections_abc",
        "traceback",
        "linecache",
        "tokenize",
        "token",
    }
)
"""Start-up needs (``os.py`` is the landmark CPython finds its prefix by; ``encodings`` is not
frozen) and what formatting a traceback needs: the SDK turns every plugin exception into one."""

NEVER: Final = frozenset(
    {
        "test",
        "idlelib",
        "tkinter",
        "turtledemo",
        "turtle",
        "ensurepip",
        "lib2to3",
        "pydoc_data",
        "site-packages",
        "__pycache__",
        "__phello__",
    }
)
"""Test suites, GUI and development tools: never in a plugin's process."""

_TEST_DIRS: Final = frozenset({"test", "tests", "idle_test"})


@dataclass
class StdlibSelection:
    """Files below ``lib/pythonX.Y/`` (relative name -> bytes) and what could not be found."""

    files: dict[str, bytes] = field(default_factory=dict)
    executable: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)


def imported_top_levels(sources: Iterable[bytes]) -> set[str]:
    """Top-level names every absolute ``import`` in the Python ``sources`` mentions."""
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return names


def _tree(base: Path, prefix: str, selection: StdlibSelection) -> None:
    for directory, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d not in _TEST_DIRS and d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(directory) / name
            arcname = f"{prefix}/{path.relative_to(base).as_posix()}" if prefix else path.relative_to(base).as_posix()
            selection.files[arcname] = path.read_bytes()
            if os.access(path, os.X_OK) and name.endswith(".so"):
                selection.executable.add(arcname)


def _add_module(runtime: Runtime, name: str, selection: StdlibSelection) -> bool:
    stdlib, dynload = runtime.stdlib, runtime.dynload
    found = False
    if (stdlib / name).is_dir():
        _tree(stdlib / name, name, selection)
        found = True
    elif (stdlib / f"{name}.py").is_file():
        selection.files[f"{name}.py"] = (stdlib / f"{name}.py").read_bytes()
        found = True
    for ext in sorted(dynload.glob(f"{name}.*.so")):
        arcname = f"lib-dynload/{ext.name}"
        selection.files[arcname] = ext.read_bytes()
        selection.executable.add(arcname)
        found = True
    if name == "sysconfig":  # imports _sysconfigdata_<abi>_<platform> by a computed name
        for data in sorted(stdlib.glob("_sysconfigdata_*.py")):
            selection.files[data.name] = data.read_bytes()
    return found


def select_stdlib(
    runtime: Runtime,
    needed: Iterable[str],
    *,
    mentioned: Iterable[str] = (),
    full: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> StdlibSelection:
    """The standard-library files of ``runtime`` for the top-level names ``needed`` (seen
    imported), ``mentioned`` (named by an import statement) and ALWAYS.

    Names that are not standard-library modules are ignored. A needed name the runtime has
    neither as a file nor built in lands in ``missing``; a mentioned one is skipped quietly
    (``import winreg`` under a platform check, for example).
    """
    selection = StdlibSelection()
    if full:
        names = {
            p.name.removesuffix(".py")
            for p in runtime.stdlib.iterdir()
            if (p.is_dir() or p.suffix == ".py") and not p.name.startswith("config-")
        }
        names |= {p.name.split(".")[0] for p in runtime.dynload.glob("*.so")}
    else:
        names = set(ALWAYS) | {name for name in [*needed, *mentioned] if name in sys.stdlib_module_names}
    must = set(ALWAYS) | set(needed)
    queue, seen = sorted(names - NEVER), set(NEVER)
    while queue:  # the closure: what a chosen module's own import statements name comes too
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        before = set(selection.files)
        if _add_module(runtime, name, selection):
            selection.modules.add(name)
            sources = [selection.files[f] for f in sorted(set(selection.files) - before) if f.endswith(".py")]
            queue += sorted(n for n in imported_top_levels(sources) if n in sys.stdlib_module_names and n not in seen)
        elif name in must and name not in sys.builtin_module_names and FrozenImporter.find_spec(name) is None:
            selection.missing.add(name)
    if selection.missing:
        log(f"the runtime has no {', '.join(sorted(selection.missing))} (built without them, or not for this platform)")
    return selection
