"""Resolve a CLI ``TARGET``: a plugin class ``package.module:Class`` or a built ``.so`` path."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from cpa_sdk.errors import PluginLoadError
from cpa_sdk.plugin import Plugin

__all__ = ["is_library", "load_plugin_class", "open_harness"]


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
    except (PluginLoadError, TypeError) as exc:
        raise click.ClickException(str(exc)) from None


def open_harness(target: str) -> Any:
    """A ``PluginHarness`` for a class or a ``.so``, with a CLI-friendly error when it fails."""
    from cpa_sdk.testing import PluginHarness

    if is_library(target):
        if not Path(target).is_file():
            raise click.ClickException(f"no such plugin library: {target}")
        return PluginHarness(target, strict=False)
    return PluginHarness(load_plugin_class(target), strict=False)
