"""``cpa-sdk build``: compile a plugin class into the ``<id>.so`` that CPA loads."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from cpa_sdk.build import DEFAULT_ENTRY, BuildError, build_plugin
from cpa_sdk.cli import main
from cpa_sdk.cli._bundle_options import bundle_options, options_from
from cpa_sdk.cli._targets import current_directory_path


def _python_version(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    major, _, minor = value.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise click.BadParameter(f"{value!r} is not MAJOR.MINOR")
    return int(major), int(minor)


@main.command()
@click.argument("target")
@click.option(
    "-o",
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Directory to write <id>.so into.",
)
@click.option("--id", "plugin_id", help="Plugin ID (the file name CPA loads it under); default: the class's plugin_id.")
@click.option(
    "--entry", default=DEFAULT_ENTRY, show_default=True, help="Python function the .so calls to load the plugin."
)
@click.option(
    "--path",
    "extra_paths",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra directory for the plugin's sys.path (repeatable).",
)
@click.option(
    "--bundle",
    is_flag=True,
    help="Self-contained: carry the plugin's code and all its dependencies inside the .so (docs/shipping.md).",
)
@click.option(
    "--include",
    multiple=True,
    metavar="NAME",
    help="With --bundle: also bundle this distribution or top-level module (repeatable).",
)
@click.option(
    "--exclude", multiple=True, metavar="DIST", help="With --bundle: leave this distribution out (repeatable)."
)
@click.option(
    "--goarch", help="With --bundle: target architecture as Go names it (amd64, arm64); default this machine's."
)
@bundle_options
@click.option("--record-python-version", "python_version", hidden=True, help="Test only: record another MAJOR.MINOR.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the path of the built file.")
def build(
    target: str,
    out_dir: Path,
    plugin_id: str | None,
    entry: str,
    extra_paths: tuple[str, ...],
    bundle: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    goarch: str | None,
    runtime: str,
    cpython_source: str | None,
    glibc: str,
    full_stdlib: bool,
    python_version: str | None,
    quiet: bool,
) -> None:
    """Build TARGET (package.module:ClassName) into OUT_DIR/<id>.so for CPA.

    By default the .so embeds CPython and needs this interpreter's libpython and the plugin's
    code and dependencies, at the paths they have now, on the machine that runs CPA. With
    --bundle it carries the code, the dependencies and its own CPython, and needs nothing but
    glibc 2.17 there (docs/shipping.md).
    """
    if (include or exclude or goarch) and not bundle:
        raise click.UsageError("--include, --exclude and --goarch only apply with --bundle")
    options = options_from(goarch, runtime, cpython_source, glibc, full_stdlib)
    started = time.monotonic()

    def log(message: str) -> None:
        if not quiet:
            click.echo(f"  {message}", err=True)

    if not quiet:
        click.echo(f"building {target} with Python {sys.version.split()[0]} ({sys.executable})", err=True)
    try:
        path = build_plugin(
            target,
            out_dir,
            plugin_id=plugin_id,
            entry=entry,
            extra_paths=(*extra_paths, *current_directory_path(target)),
            python_version=_python_version(python_version),
            log=log,
            bundle=bundle,
            include=include,
            exclude=exclude,
            options=options,
        )
    except BuildError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(f"built {path} ({path.stat().st_size // 1024} KiB) in {time.monotonic() - started:.1f}s", err=True)
    click.echo(str(path.resolve()))
