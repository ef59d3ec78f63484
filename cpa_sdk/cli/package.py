"""``cpa-sdk package``: a self-contained plugin, zipped the way CPA's plugin store installs it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from cpa_sdk.build import DEFAULT_ENTRY, BuildError
from cpa_sdk.build.package import package_plugin
from cpa_sdk.cli import main
from cpa_sdk.cli._bundle_options import bundle_options, options_from
from cpa_sdk.cli._targets import current_directory_path


@main.command()
@click.argument("target")
@click.option(
    "-o",
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Directory for the zip, checksums.txt and registry.json.",
)
@click.option(
    "--version", "version", help="Plugin version (X.Y.Z; a leading v is dropped). Default: the class's version."
)
@click.option("--goos", help="Target OS as Go names it: linux (default).")
@click.option("--goarch", help="Target architecture as Go names it (amd64, arm64); default this machine's.")
@bundle_options
@click.option(
    "--versioned-name", is_flag=True, help="Name the library <id>-v<version>.so inside the zip (default <id>.so)."
)
@click.option(
    "--registry-entry", is_flag=True, help="Also write registry.json: a schema-2 registry with a direct entry."
)
@click.option("--url-base", help="With --registry-entry: the URL directory the zip will be served from.")
@click.option("--description", help="Registry entry description (default: the plugin's docstring).")
@click.option("--author", help="Registry entry author (default: the class's author).")
@click.option("--homepage", help="Registry entry homepage.")
@click.option("--license", "license_", metavar="LICENSE", help="Registry entry license.")
@click.option("--tag", "tags", multiple=True, help="Registry entry tag (repeatable).")
@click.option("--id", "plugin_id", help="Plugin ID; default: the class's plugin_id.")
@click.option(
    "--entry", default=DEFAULT_ENTRY, show_default=True, help="Python function the .so calls to load the plugin."
)
@click.option(
    "--path",
    "extra_paths",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra directory to find the plugin's code in (repeatable).",
)
@click.option("--include", multiple=True, metavar="NAME", help="Also bundle this distribution or top-level module.")
@click.option("--exclude", multiple=True, metavar="DIST", help="Leave this distribution out of the bundle.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the paths written.")
def package(
    target: str,
    out_dir: Path,
    version: str | None,
    goos: str | None,
    goarch: str | None,
    versioned_name: bool,
    registry_entry: bool,
    url_base: str | None,
    description: str | None,
    author: str | None,
    homepage: str | None,
    license_: str | None,
    tags: tuple[str, ...],
    plugin_id: str | None,
    entry: str,
    extra_paths: tuple[str, ...],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    runtime: str,
    cpython_source: str | None,
    glibc: str,
    full_stdlib: bool,
    quiet: bool,
) -> None:
    """Bundle TARGET (package.module:ClassName) and zip it for CPA's plugin store.

    Writes OUT_DIR/<id>_<version>_<goos>_<goarch>.zip holding only the library, checksums.txt
    (sha256sum format, for GitHub-release installs) and, with --registry-entry, registry.json
    (schema 2, direct install). See docs/shipping.md.
    """
    started = time.monotonic()

    def log(message: str) -> None:
        if not quiet:
            click.echo(f"  {message}", err=True)

    try:
        result = package_plugin(
            target,
            out_dir,
            version=version,
            goos=goos,
            goarch=goarch,
            versioned_name=versioned_name,
            registry=registry_entry,
            url_base=url_base,
            description=description,
            author=author,
            homepage=homepage,
            license=license_,
            tags=tags,
            plugin_id=plugin_id,
            entry=entry,
            extra_paths=(*extra_paths, *current_directory_path(target)),
            include=include,
            exclude=exclude,
            options=options_from(goarch, runtime, cpython_source, glibc, full_stdlib),
            log=log,
        )
    except BuildError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(
            f"packaged {result.plugin_id} {result.version} for {result.goos}/{result.goarch} in "
            f"{time.monotonic() - started:.1f}s; GitHub release: tag v{result.version}, assets "
            f"{result.archive.name} and checksums.txt",
            err=True,
        )
    for path in (result.archive, result.checksums, result.registry):
        if path is not None:
            click.echo(str(path.resolve()))
