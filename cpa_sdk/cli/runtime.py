"""``cpa-sdk runtime``: build and list the relocatable CPython runtimes that bundles embed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cpa_sdk.build.runtime_build import build_runtime, cached_runtimes, read_runtime_info, runtime_cache_root
from cpa_sdk.build.spec import BuildError
from cpa_sdk.build.target import DEFAULT_GLIBC, GOARCH_MACHINES, Target, parse_glibc
from cpa_sdk.cli import main


@main.group("runtime")
def runtime_group() -> None:
    """The CPython a bundle carries, built for CPA's machines (docs/shipping.md).

    Runtimes are cached in $CPA_SDK_RUNTIMES, else $XDG_CACHE_HOME/cpa-sdk/runtimes, else
    ~/.cache/cpa-sdk/runtimes, one per CPython version and target.
    """


@runtime_group.command("build")
@click.option(
    "--source",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CPython source tarball (Python-3.X.Y.tar.xz, or a distribution's orig tarball) of this Python's 3.X.",
)
@click.option(
    "--goarch",
    type=click.Choice(sorted(GOARCH_MACHINES)),
    default="amd64",
    show_default=True,
    help="Architecture of the machine running CPA.",
)
@click.option(
    "--glibc",
    default=".".join(map(str, DEFAULT_GLIBC)),
    show_default=True,
    help="Oldest glibc the runtime must run on.",
)
@click.option(
    "--zlib",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="zlib source tarball; default: one beside --source (zlib_*.orig.tar.* or zlib-*.tar.*).",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Parallel compile jobs; default: the CPUs available.")
def build(source: Path, goarch: str, glibc: str, zlib: Path | None, jobs: int | None) -> None:
    """Build (once) the runtime of SOURCE's CPython for linux/GOARCH; prints its directory.

    Offline; takes a few minutes per target. Progress goes to stderr.
    """
    try:
        target = Target(goarch, parse_glibc(glibc))
        path = build_runtime(
            source, target, log=lambda message: click.echo(f"  {message}", err=True), jobs=jobs, zlib=zlib
        )
    except BuildError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    click.echo(str(path))


@runtime_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of {path, ...cpa-runtime.json} instead.")
def list_runtimes(as_json: bool) -> None:
    """Show the cached runtimes and what each was built for."""
    try:
        runtimes = [(path, read_runtime_info(path)) for path in cached_runtimes()]
    except (BuildError, ValueError) as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps([{"path": str(path), **info} for path, info in runtimes], indent=2))
        return
    if not runtimes:
        click.echo(f"no runtimes in {runtime_cache_root()} (cpa-sdk runtime build --source TARBALL)", err=True)
        return
    for path, info in runtimes:
        missing = info.get("missing_modules")
        click.echo(str(path))
        click.echo(
            f"  python {info.get('python')}, {info.get('goarch')} ({info.get('machine')}), glibc "
            f"{info.get('glibc')}, soabi {info.get('soabi')}"
        )
        click.echo(f"  missing: {', '.join(map(str, missing)) if isinstance(missing, list) and missing else 'none'}")
