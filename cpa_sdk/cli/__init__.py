"""The ``cpa-sdk`` command line: one click group, one module per command."""

from __future__ import annotations

import click

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cpa-sdk")
def main() -> None:
    """Write, test, build and package CLIProxyAPI plugins in Python."""


def _register_commands() -> None:
    # Each command module adds itself to ``main``; importing them here keeps start-up in one place.
    from cpa_sdk.cli import commands  # noqa: F401


_register_commands()
