"""Resolve a CLI ``TARGET``: a plugin class ``package.module:Class`` or a built ``.so`` path."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import click

from cpa_sdk.errors import PluginLoadError
from cpa_sdk.plugin import Plugin

__all__ = ["current_directory_path", "is_library", "load_plugin_class", "open_harness"]


def is_library(target: str) -> bool:
    """Whether ``target`` names a shared library rather than a class."""
    return target.endswith((".so", ".dylib", ".dll")) or os.sep in target and ":" not in target


def load_plugin_class(target: str) -> type[Plugin[Any]]:
    """Import ``package.module:Class`` from the current directory or the installed packages."""
    from cpa_sdk._bridge import import_plugin

    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return import_plugin(target)
    except PluginLoadError as exc:
        raise click.ClickException(str(exc)) from None


def current_directory_path(target: str) -> list[str]:
    """``[cwd]`` when ``target``'s package is in the current directory and nowhere on ``sys.path``.

    ``check`` and ``call`` find a plugin in the directory they run in; ``build`` and ``package``
    must too, and then the built plugin needs that directory on its own path.
    """
    top = target.partition(":")[0].partition(".")[0]
    cwd = os.getcwd()
    here = Path(cwd, top).is_dir() or Path(cwd, f"{top}.py").is_file()
    if not top or not here or cwd in sys.path:
        return []
    return [] if importlib.util.find_spec(top) is not None else [cwd]


def open_harness(target: str) -> Any:
    """A ``PluginHarness`` for a class or a ``.so``, with a CLI-friendly error when it fails."""
    from cpa_sdk.testing import PluginHarness

    if is_library(target):
        if not Path(target).is_file():
            raise click.ClickException(f"no such plugin library: {target}")
        return PluginHarness(target, strict=False)
    return PluginHarness(load_plugin_class(target), strict=False)
