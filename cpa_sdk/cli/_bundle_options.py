"""The options ``build --bundle`` and ``package`` share: which machine, which Python runtime."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from cpa_sdk.build import BundleOptions
from cpa_sdk.build.runtime import EMBEDDED, SOURCE_ENV
from cpa_sdk.build.spec import BuildError
from cpa_sdk.build.target import DEFAULT_GLIBC, parse_glibc

__all__ = ["bundle_options", "options_from"]

_F = TypeVar("_F", bound=Callable[..., Any])


def bundle_options(function: _F) -> _F:
    """Add --runtime, --cpython-source, --glibc and --full-stdlib to a command."""
    for option in reversed(
        [
            click.option(
                "--runtime",
                "runtime",
                default=EMBEDDED,
                show_default=True,
                metavar="embedded|system|DIR",
                help="The Python the bundle runs on: its own CPython (embedded, built once per version and "
                "target), a relocatable CPython directory (python-build-standalone layout), or the "
                "target machine's libpython (system).",
            ),
            click.option(
                "--cpython-source",
                metavar="TARBALL",
                envvar=SOURCE_ENV,
                help=f"CPython source tarball to build the embedded runtime from when none is cached "
                f"(env {SOURCE_ENV}).",
            ),
            click.option(
                "--glibc",
                "glibc",
                default=".".join(map(str, DEFAULT_GLIBC)),
                show_default=True,
                help="Oldest glibc of the target: every ELF file in the bundle is checked against it.",
            ),
            click.option(
                "--full-stdlib",
                is_flag=True,
                help="Embed the whole standard library, not only the modules the plugin imports.",
            ),
        ]
    ):
        function = option(function)
    return function


def options_from(
    goarch: str | None, runtime: str, cpython_source: str | None, glibc: str, full_stdlib: bool
) -> BundleOptions:
    try:
        return BundleOptions(
            goarch=goarch,
            glibc=parse_glibc(glibc),
            runtime=runtime,
            cpython_source=cpython_source,
            full_stdlib=full_stdlib,
        )
    except BuildError as exc:
        raise click.BadParameter(str(exc)) from exc
