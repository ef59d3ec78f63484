"""What a build records into the plugin ``.so``: the facts the C shim needs at run time.

The shim cannot ask anybody where Python lives or where the plugin's code is: CPA starts it with
no environment of its own (cpa-protocol.md §1.3). So the build writes everything down, as C
string literals in a generated ``cpa_bridge_config.h``:

* ``target``: ``package.module:ClassName``, handed to the entry function;
* ``entry``: ``module:function`` the shim calls as ``load(so_path, target, host_call)``;
* the module search path: the directories holding the target's and the entry's top-level
  packages, extra paths, then the build interpreter's ``sys.path`` (standard library first);
* the site directories (``site-packages`` of the running interpreter or venv), which the shim
  adds with ``site.addsitedir`` so ``.pth`` files (editable installs) work as they did here;
* ``home`` (``sys.base_prefix``) and the executable, so CPython finds its standard library
  without any ``PYTHONHOME``;
* the Python ``major.minor`` the plugin was compiled for, checked against the running process.

A bundle (``cpa-sdk build --bundle``, ``cpa_sdk.build.bundle``) records none of those paths: its
shim header (``render_bundle_header``) names only the target, the entry, the Python version and
the plugin's own top-level packages; its code travels in the payload.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import site
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = [
    "DEFAULT_ENTRY",
    "PLUGIN_ID_PATTERN",
    "BuildError",
    "BuildSpec",
    "c_string",
    "split_ref",
]

DEFAULT_ENTRY: Final = "cpa_sdk._bridge:load"
"""The Python function the shim calls to create the plugin's endpoint."""

PLUGIN_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
"""CPA's plugin ID rule (``internal/pluginhost/platform.go``); the ID is the file name."""

_VERSIONED_NAME: Final = re.compile(r"^(?P<id>.+)-v(?P<version>[0-9][0-9A-Za-z.+-]*)$")


class BuildError(Exception):
    """The plugin cannot be built; the message says what is missing and what to do."""


def split_ref(ref: str, what: str) -> tuple[str, str]:
    """``"pkg.mod:name"`` -> ``("pkg.mod", "name")``, or ``BuildError`` naming ``what``."""
    module, sep, attr = ref.partition(":")
    if not sep or not module or not attr or ":" in attr:
        raise BuildError(
            f"{what} {ref!r} must look like 'package.module:{'ClassName' if what == 'target' else 'function'}'"
        )
    return module, attr


def c_string(value: str | bytes) -> str:
    """A C string literal for ``value`` (paths as the file system encodes them)."""
    raw = os.fsencode(value) if isinstance(value, str) else value
    out = []
    for byte in raw:
        char = chr(byte)
        if 0x20 <= byte < 0x7F and char not in '"\\?':
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _package_root(module_name: str) -> Path | None:
    """The directory that holds ``module_name``'s top-level package or module."""
    top = module_name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:  # a package, maybe a namespace package
        return Path(next(iter(spec.submodule_search_locations))).resolve().parent
    if spec.origin and spec.has_location:
        return Path(spec.origin).resolve().parent
    return None


def _dedupe(paths: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for path in paths:
        if path not in seen:
            seen.add(path)
            out.append(path)
    return out


def _site_dirs() -> set[str]:
    dirs = set(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        dirs.add(site.getusersitepackages())
    return {os.path.abspath(d) for d in dirs}


@dataclass(frozen=True)
class BuildSpec:
    """Everything recorded into one plugin ``.so``."""

    target: str
    entry: str
    plugin_id: str
    search_paths: tuple[str, ...]
    site_dirs: tuple[str, ...]
    home: str
    executable: str
    python_version: tuple[int, int]
    plugin_version: str = ""
    """The class attribute ``version`` (may be empty)."""
    own_packages: tuple[str, ...] = ()
    """Top-level packages of the plugin's own code (the target's), which a bundle keeps per
    version when two versions share a process (shim rule S3)."""

    @classmethod
    def for_target(
        cls,
        target: str,
        *,
        plugin_id: str | None = None,
        entry: str = DEFAULT_ENTRY,
        extra_paths: Sequence[str | os.PathLike[str]] = (),
        python_version: tuple[int, int] | None = None,
    ) -> BuildSpec:
        """Import ``target`` to learn its plugin ID, and record this interpreter's layout."""
        module_name, class_name = split_ref(target, "target")
        entry_module, _ = split_ref(entry, "entry")
        extra = [os.path.abspath(os.fspath(p)) for p in extra_paths]
        saved_path = list(sys.path)
        sys.path[:0] = [p for p in extra if p not in sys.path]  # importable now as at run time
        try:
            module = importlib.import_module(module_name)
            roots = [_package_root(module_name), _package_root(entry_module)]
        except Exception as exc:  # noqa: BLE001 - any import failure is a build failure
            raise BuildError(f"cannot import the plugin module {module_name!r}: {type(exc).__name__}: {exc}") from exc
        finally:
            sys.path[:] = saved_path
        plugin_class = getattr(module, class_name, None)
        if plugin_class is None:
            raise BuildError(f"module {module_name!r} has no attribute {class_name!r}")
        if plugin_id is None:
            declared = getattr(plugin_class, "plugin_id", None)
            if not isinstance(declared, str) or not declared:
                raise BuildError(
                    f"{target} declares no plugin_id; set the class attribute plugin_id = '...' or pass --id"
                )
            plugin_id = declared
        _check_plugin_id(plugin_id)

        cwd = os.getcwd()
        build_path = [os.path.abspath(p or cwd) for p in sys.path if p and os.path.abspath(p) != cwd]
        sites = _site_dirs()
        ordered = _dedupe([str(r) for r in roots if r is not None] + extra + build_path)
        ordered = [p for p in ordered if os.path.exists(p)]
        major, minor = python_version or sys.version_info[:2]
        return cls(
            target=target,
            entry=entry,
            plugin_id=plugin_id,
            search_paths=tuple(p for p in ordered if p not in sites),
            site_dirs=tuple(p for p in ordered if p in sites),
            home=sys.base_prefix,
            executable=sys.executable,
            python_version=(major, minor),
            plugin_version=str(getattr(plugin_class, "version", "") or ""),
            own_packages=tuple(p for p in dict.fromkeys([module_name.partition(".")[0]]) if p != "cpa_sdk"),
        )

    def render_header(self) -> str:
        """The generated ``cpa_bridge_config.h`` the shim includes."""
        entry_module, entry_function = split_ref(self.entry, "entry")

        def string_list(items: Sequence[str]) -> str:
            return "{" + "".join(f"{c_string(i)}, " for i in items) + "NULL}"

        lines = [
            *self._header_start("", entry_module, entry_function),
            f"#define CPA_BRIDGE_HOME {c_string(self.home)}",
            f"#define CPA_BRIDGE_EXECUTABLE {c_string(self.executable)}",
            f"#define CPA_BRIDGE_SEARCH_PATHS {string_list(self.search_paths)}",
            f"#define CPA_BRIDGE_SITE_DIRS {string_list(self.site_dirs)}",
            "#endif",
        ]
        return "\n".join(lines) + "\n"

    def _header_start(self, kind: str, entry_module: str, entry_function: str) -> list[str]:
        """The lines every ``cpa_bridge_config.h`` starts with: what is loaded, for which Python."""
        return [
            f"/* Generated by cpa_sdk.build{kind} for plugin {self.plugin_id!r}; do not edit. */",
            "#ifndef CPA_BRIDGE_CONFIG_H",
            "#define CPA_BRIDGE_CONFIG_H",
            f"#define CPA_BRIDGE_PLUGIN_ID {c_string(self.plugin_id)}",
            f"#define CPA_BRIDGE_TARGET {c_string(self.target)}",
            f"#define CPA_BRIDGE_ENTRY_MODULE {c_string(entry_module)}",
            f"#define CPA_BRIDGE_ENTRY_FUNCTION {c_string(entry_function)}",
            f"#define CPA_BRIDGE_PY_MAJOR {self.python_version[0]}",
            f"#define CPA_BRIDGE_PY_MINOR {self.python_version[1]}",
        ]

    def render_bundle_header(self) -> str:
        """The ``cpa_bridge_config.h`` of a bundle's shim: no path of this machine."""
        entry_module, entry_function = split_ref(self.entry, "entry")
        lines = [
            *self._header_start(" (bundle)", entry_module, entry_function),
            "#define CPA_BRIDGE_BUNDLED 1",
            f'#define CPA_BRIDGE_PY_VERSION "{self.python_version[0]}.{self.python_version[1]}"',
            "#define CPA_BRIDGE_OWN_PACKAGES {" + "".join(f"{c_string(p)}, " for p in self.own_packages) + "NULL}",
            "#endif",
        ]
        return "\n".join(lines) + "\n"


def _check_plugin_id(plugin_id: str) -> None:
    if not PLUGIN_ID_PATTERN.match(plugin_id):
        raise BuildError(
            f"plugin id {plugin_id!r} is not valid: CPA accepts [A-Za-z0-9][A-Za-z0-9._-]{{0,127}} (the file name)"
        )
    versioned = _VERSIONED_NAME.match(plugin_id)
    if versioned:
        raise BuildError(
            f"plugin id {plugin_id!r} ends like a version: CPA would read {plugin_id}.so as plugin"
            f" {versioned['id']!r} version {versioned['version']!r}; choose another id"
        )
