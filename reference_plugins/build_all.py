"""``python -m reference_plugins.build_all``: every reference plugin built at once, from a checkout.

The reference plugins are examples, not part of the SDK: the ``cpa-sdk`` wheel installs only
``cpa_sdk``, so this command lives with the ports and runs where they are (the repository root,
which ``-m`` puts on ``sys.path``). It builds each port of the catalog into ``<out-dir>/<id>.so``
with ``cpa_sdk.build``, going on past failures and failing at the end if any build failed;
``--list`` lists them instead.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from cpa_sdk.build import BuildError, build_plugin
from reference_plugins import catalog

__all__ = ["main"]


def _selected(only: tuple[str, ...]) -> list[str]:
    unknown = sorted(set(only) - set(catalog.PLUGINS))
    if unknown:
        raise click.BadParameter(f"unknown example(s) {', '.join(unknown)}; see --list", param_hint="--only")
    return [name for name in catalog.PLUGINS if not only or name in only]


def _list(names: list[str]) -> None:
    width = max(len(name) for name in names)
    for name in names:
        plugin = catalog.PLUGINS[name]
        keys = [key for key, value in plugin.capability_flags().model_dump().items() if value is True]
        click.echo(f"{name:<{width}}  {plugin.plugin_id:<34}  {catalog.target(name):<70}  {','.join(keys)}")


@click.command("build_all")
@click.option(
    "-o",
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Directory to write the <id>.so files into.",
)
@click.option("--only", multiple=True, metavar="EXAMPLE", help="Build (or list) only this example (repeatable).")
@click.option(
    "--list",
    "list_only",
    is_flag=True,
    help="List the examples instead: example name, plugin ID, build target, capability keys.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the paths of the built files.")
def main(out_dir: Path, only: tuple[str, ...], list_only: bool, quiet: bool) -> None:
    """Build every reference plugin into OUT_DIR/<id>.so for CPA."""
    names = _selected(only)
    if list_only:
        _list(names)
        return
    failed: dict[str, str] = {}
    started = time.monotonic()
    for name in names:
        target = catalog.target(name)
        if not quiet:
            click.echo(f"building {name} ({target})", err=True)
        try:
            path = build_plugin(
                target, out_dir, log=lambda message: None if quiet else click.echo(f"  {message}", err=True)
            )
        except BuildError as exc:
            failed[name] = str(exc)
            click.secho(f"error: {name}: {exc}", fg="red", err=True)
            continue
        click.echo(str(path.resolve()))
    if not quiet:
        built = len(names) - len(failed)
        click.echo(f"built {built} of {len(names)} reference plugins in {time.monotonic() - started:.1f}s", err=True)
    if failed:
        click.secho(f"failed: {', '.join(failed)}", fg="red", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
