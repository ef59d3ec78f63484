"""The C sources of the shim that embeds CPython into a CPA plugin ``.so`` (docs/abi-bridge.md).

They ship inside the SDK as package data: ``cpa_sdk.build`` compiles the shim once per plugin,
together with a generated ``cpa_bridge_config.h`` that records the plugin target, the Python
entry function, the module search path and the Python version, and compiles the loader of
self-contained bundles the same way. Every compile names its files through ``SHIM_SOURCES`` and
``LOADER_SOURCES``, so that adding a C file to the shim is one edit here.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from importlib.resources import as_file, files
from pathlib import Path
from typing import Final

__all__ = ["LOADER_SOURCES", "SHIM_SOURCES", "directory", "loader_sources", "shim_sources"]

SHIM_SOURCES: Final = ("cpa_bridge.c", "cpa_turn.c")
"""The shim's translation units: the embedding, and the turn (rule R12, a policy of its own).
Their headers sit next to them."""

LOADER_SOURCES: Final = ("cpa_bundle.c",)
"""The bundle loader's translation units (the ``.so`` CPA loads for ``build --bundle``)."""


def directory() -> AbstractContextManager[Path]:
    """The directory holding the C sources and headers, as a real path while the context lasts."""
    return as_file(files(__name__))


def shim_sources(root: Path) -> list[str]:
    """The shim's source files under ``root`` (a path ``directory()`` gave), for a compile line."""
    return [str(root / name) for name in SHIM_SOURCES]


def loader_sources(root: Path) -> list[str]:
    """The bundle loader's source files under ``root``, for a compile line."""
    return [str(root / name) for name in LOADER_SOURCES]
