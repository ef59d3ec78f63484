"""The ``cpa-sdk`` command line: one click group, one module per command.

The command modules define plain click commands and know nothing of the group; this module adds
them, so importing a command module never runs the group's module half-way through.
"""

from __future__ import annotations

import click

from cpa_sdk.cli import build, call, check, dev, new, package, runtime, schema, verify

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cpa-sdk")
def main() -> None:
    """Write, test, build and package CLIProxyAPI plugins in Python."""


for _command in (
    build.build,
    call.call,
    check.check,
    dev.dev,
    new.new,
    package.package,
    runtime.runtime_group,
    schema.schema,
    verify.verify,
):
    main.add_command(_command)
