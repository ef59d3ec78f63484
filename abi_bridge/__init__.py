"""The C shim that embeds CPython into a CPA plugin ``.so`` (see ``docs/abi-bridge.md``).

This package only ships the C source; ``cpa_sdk.build`` compiles it once per plugin, together
with a generated ``cpa_bridge_config.h`` that records the plugin target, the Python entry
function, the module search path and the Python version.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ["SOURCE_NAME", "source"]

SOURCE_NAME = "cpa_bridge.c"
"""File name of the shim's single C source file inside this package."""


def source() -> Traversable:
    """The shim's C source as a resource; use ``importlib.resources.as_file`` for a real path."""
    return files(__name__).joinpath(SOURCE_NAME)
