"""``cpa-sdk build-all`` and ``cpa-sdk list-examples``: the reference plugins, all at once.

The reference plugins are the Python ports of CPA's example plugins (``reference_plugins``);
their catalog says which there are. ``build-all`` builds each into ``<out-dir>/<id>.so`` with
``cpa_sdk.build``, going on past failures and failing at the end if any build failed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from cpa_sdk.build import BuildError, build_plugin
from cpa_sdk.cli import main


def _catalog() -> Any:
    try:
        from reference_plugins import catalog
    except ImportError as exc:
        raise click.ClickException(f"the reference plugins are not importable here: {exc}") from None
    return catalog


def _selected(catalog: Any, only: tuple[str, ...]) -> list[str]:
    unknown = sorted(set(only) - set(catalog.PLUGINS))
    if unknown:
        raise click.BadParameter(
            f"unknown example(s) {', '.join(unknown)}; see cpa-sdk list-examples", param_hint="--only"
        )
    return [name for name in catalog.PLUGINS if not only or name in only]


def _list(catalog: Any, names: list[str]) -> None:
    width = max(len(name) for name in names)
    for name in names:
        plugin = catalog.PLUGINS[name]
        keys = [key for key, value in plugin.capability_flags().model_dump().items() if value is True]
        click.echo(f"{name:<{width}}  {plugin.plugin_id:<34}  {catalog.target(name):<70}  {','.join(keys)}")


@main.command("list-examples")
@click.option("--only", multiple=True, metavar="EXAMPLE", help="List only this example (repeatable).")
def list_examples(only: tuple[str, ...]) -> None:
    """List the reference plugins: example name, plugin ID, build target, capability keys."""
    catalog = _catalog()
    _list(catalog, _selected(catalog, only))


@main.command("build-all")
@click.option(
    "-o",
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Directory to write the <id>.so files into.",
)
@click.option("--only", multiple=True, metavar="EXAMPLE", help="Build only this example (repeatable).")
@click.option("--list", "list_only", is_flag=True, help="List the examples instead of building them.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the paths of the built files.")
def build_all(out_dir: Path, only: tuple[str, ...], list_only: bool, quiet: bool) -> None:
    """Build every reference plugin into OUT_DIR/<id>.so for CPA."""
    catalog = _catalog()
    names = _selected(catalog, only)
    if list_only:
        _list(catalog, names)
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
