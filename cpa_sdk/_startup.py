"""What the SDK arranges before pydantic builds its first validator: imported first by ``cpa_sdk``.

pydantic looks for plugins of its own (``pydantic`` entry points, e.g. logfire) the first time it
builds a validator, and the module that looks, ``pydantic.plugin._loader``, imports
``importlib.metadata`` (with ``email``, ``zipfile`` and ``csv``) to do so: about a sixth of a
plugin's cold start, paid inside ``plugin.register`` while CPA waits under its host lock. CPA
plugins have no use for pydantic plugins, so the SDK's default is the one pydantic gives for
``PYDANTIC_DISABLE_PLUGINS=__all__``: none are loaded.

The variable decides, read once when ``cpa_sdk`` is imported:

* unset, or ``__all__`` / ``1`` / ``true``: no pydantic plugins. The loader module is replaced by
  a stand-in that finds none without importing ``importlib.metadata``;
* anything else (an empty string to load them all, or a comma-separated list of plugin names to
  leave out): pydantic's own loader runs, as without the SDK.

The process environment is not changed (it is CPA's), and nothing happens when pydantic's
loader was imported before ``cpa_sdk``.

Importing the SDK (pydantic, mostly) creates tens of thousands of objects and no garbage cycles
worth collecting, so the cyclic collector stays off while it imports (``paused_gc``): it would
otherwise run dozens of times, about a tenth of the import. A context manager, so that an import
that fails half-way leaves the collector as it found it: the bridge keeps serving after one.
"""

from __future__ import annotations

import gc
import os
import sys
import types
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Final

__all__ = ["LOADER_MODULE", "paused_gc", "pydantic_plugins_disabled"]

LOADER_MODULE: Final = "pydantic.plugin._loader"
_DISABLING: Final = ("__all__", "1", "true")


def pydantic_plugins_disabled() -> bool:
    """Whether the SDK keeps pydantic from loading plugins (see the module docstring)."""
    value = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    return value is None or value in _DISABLING


def _no_plugins() -> Iterable[Any]:
    return ()


def _install() -> None:
    if LOADER_MODULE in sys.modules or not pydantic_plugins_disabled():
        return
    stand_in = types.ModuleType(LOADER_MODULE, "cpa-sdk's stand-in: pydantic plugins are disabled (cpa_sdk._startup).")
    stand_in.get_plugins = _no_plugins  # type: ignore[attr-defined]
    stand_in.PYDANTIC_ENTRY_POINT_GROUP = "pydantic"  # type: ignore[attr-defined]
    sys.modules[LOADER_MODULE] = stand_in


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: for imports, which make objects but no garbage."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_install()
