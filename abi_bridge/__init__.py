"""The C shim that embeds CPython into a CPA plugin ``.so`` (see ``docs/abi-bridge.md``).

This package only ships the C sources (the shim, and the loader of self-contained bundles with
the header both share); ``cpa_sdk.build`` compiles it once per plugin, together
with a generated ``cpa_bridge_config.h`` that records the plugin target, the Python entry
function, the module search path and the Python version.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ["LOADER_SOURCE_NAME", "SOURCE_NAME", "loader_source", "source"]

SOURCE_NAME = "cpa_bridge.c"
"""File name of the shim's single C source file inside this package."""

LOADER_SOURCE_NAME = "cpa_bundle.c"
"""File name of the bundle loader's C source (the ``.so`` CPA loads for ``build --bundle``)."""


def source() -> Traversable:
    """The shim's C source as a resource; use ``importlib.resources.as_file`` for a real path."""
    return files(__name__).joinpath(SOURCE_NAME)


def loader_source() -> Traversable:
    """The bundle loader's C source, a sibling of ``source()`` (it includes ``cpa_bundle.h``)."""
    return files(__name__).joinpath(LOADER_SOURCE_NAME)
