"""Options several commands take, declared once so that they read and behave alike everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["config_file_option", "extra_paths_option", "out_dir_option"]

_F = TypeVar("_F", bound=Callable[..., Any])


def config_file_option(help: str, *, as_path: bool = False) -> Callable[[_F], _F]:
    """``-c/--config FILE`` into ``config_file``: the plugin's YAML (a str, or a Path with ``as_path``)."""
    path_type = Path if as_path else None
    return click.option(
        "-c", "--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=path_type), help=help
    )


def out_dir_option(help: str) -> Callable[[_F], _F]:
    """``-o/--out-dir DIR`` into ``out_dir`` (a Path), ``dist`` by default."""
    return click.option(
        "-o",
        "--out-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("dist"),
        show_default=True,
        help=help,
    )


def extra_paths_option(help: str) -> Callable[[_F], _F]:
    """``--path DIR`` (repeatable) into ``extra_paths``: where else the plugin's code is."""
    return click.option(
        "--path", "extra_paths", multiple=True, type=click.Path(exists=True, file_okay=False), help=help
    )
