"""``cpa-sdk dev``: the plugin in a real CPA, its Python reloaded on save.

The plugin is built once, as a development build (this interpreter's libpython, the code where it
is) whose entry is ``cpa_sdk.dev_reload:load``: inside CPA, that entry re-imports the plugin's
package when its files change. So saving a ``.py`` file needs no rebuild and no restart of CPA;
only a change of what CPA reads once at load time (capabilities, metadata) does.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Final, NoReturn

import click

from cpa_sdk.build import BuildError, BuildSpec
from cpa_sdk.build.cache import user_cache
from cpa_sdk.build.compiler import compile_plugin
from cpa_sdk.cli import main
from cpa_sdk.cli._cpa_config import plugin_block
from cpa_sdk.cli._targets import current_directory_path
from cpa_sdk.devloop import DevLoopError
from cpa_sdk.devloop.config import client_key, dev_config
from cpa_sdk.devloop.cpa import DEFAULT_VERSION, find_cpa
from cpa_sdk.devloop.logview import LogView
from cpa_sdk.devloop.process import CPAProcess

DEV_ENTRY: Final = "cpa_sdk.dev_reload:load"
DEFAULT_PORT: Final = 8317
"""CPA's own default port."""


class _Stopped(Exception):
    """SIGINT or SIGTERM arrived: stop CPA, then exit."""


def _stop(signum: int, frame: FrameType | None) -> NoReturn:
    raise _Stopped(signal.Signals(signum).name)


def _say(message: str) -> None:
    click.secho(f"cpa-sdk dev: {message}", fg="green", err=True)


@main.command()
@click.argument("target")
@click.option(
    "--cpa",
    "cpa_binary",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The CPA server binary to run; default: built once from CPA's Go module (needs go).",
)
@click.option(
    "--cpa-version", default=DEFAULT_VERSION, show_default=True, help="Without --cpa: the CPA release to build and run."
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="The port CPA listens on, on 127.0.0.1.",
)
@click.option(
    "-c",
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The plugin's config: its own YAML block, or a CPA config.yaml with plugins.configs.<id>.",
)
@click.option(
    "--cpa-config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CPA config.yaml to start from (providers, API keys, settings); host, port, logging and "
    "the plugin directory are the dev loop's.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where CPA's config, plugin directory and auth files live; default <cache>/cpa-sdk/dev/<id>.",
)
@click.option(
    "--path",
    "extra_paths",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra directory for the plugin's sys.path (repeatable).",
)
@click.option("--plugin-only", is_flag=True, help="Show only the plugin's records of CPA's log.")
def dev(
    target: str,
    cpa_binary: Path | None,
    cpa_version: str,
    port: int,
    config_file: Path | None,
    cpa_config: Path | None,
    workdir: Path | None,
    extra_paths: tuple[str, ...],
    plugin_only: bool,
) -> None:
    """Run TARGET (package.module:ClassName) in a real CPA and reload its Python on save.

    Builds a development .so, writes CPA's config.yaml into the work directory, starts CPA on
    127.0.0.1 and streams its log, the plugin's records marked with [<id>]. Saving one of the
    plugin package's .py files takes effect at the next call CPA makes to the plugin; changed
    capabilities or metadata need a restart. Ctrl-C (or SIGTERM) stops CPA and exits.
    """
    try:
        spec = BuildSpec.for_target(
            target, entry=DEV_ENTRY, extra_paths=(*extra_paths, *current_directory_path(target))
        )
        work = (workdir or user_cache("dev") / spec.plugin_id).resolve()
        binary = find_cpa(cpa_binary, cpa_version, log=_say)
        block = _plugin_config(config_file, spec.plugin_id)
        library = compile_plugin(spec, work / "plugins")
        key = client_key(work)
        config = work / "config.yaml"
        config.write_text(
            dev_config(
                port=port,
                workdir=work,
                plugin_id=spec.plugin_id,
                key=key,
                plugin_block=block,
                base=cpa_config.read_bytes() if cpa_config else None,
            )
        )
    except (BuildError, DevLoopError) as exc:
        raise click.ClickException(str(exc)) from None
    _say(f"built {library} ({target}, reloading on save)")
    _say(f"starting {binary} -config {config}")
    sys.exit(
        _serve(
            CPAProcess(binary, config, work, port=port),
            LogView(spec.plugin_id),
            spec.plugin_id,
            key,
            plugin_only=plugin_only,
        )
    )


def _plugin_config(config_file: Path | None, plugin_id: str) -> bytes | None:
    if config_file is None:
        return None
    try:
        block, _ = plugin_block(config_file.read_bytes(), plugin_id)
    except LookupError as exc:
        raise DevLoopError(f"-c {config_file}: {exc}") from None
    return block


def _serve(cpa: CPAProcess, view: LogView, plugin_id: str, key: str, *, plugin_only: bool) -> int:
    """Run CPA until it exits or a signal stops it; the exit status of ``cpa-sdk dev``."""
    try:
        cpa.start()
    except DevLoopError as exc:
        raise click.ClickException(str(exc)) from None
    reader = threading.Thread(target=_show, args=(cpa, view, plugin_id, plugin_only), name="cpa-log", daemon=True)
    reader.start()
    previous = {signum: signal.signal(signum, _stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        ready = False
        while (status := cpa.wait(0.25)) is None:
            if not ready and cpa.healthy():
                ready = True
                _say(f"CPA is serving {plugin_id} on http://127.0.0.1:{cpa.port} (client API key {key}); Ctrl-C stops")
        reader.join(timeout=5)
        _say(f"CPA exited on its own, status {status}")
        return 1
    except _Stopped as stopped:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave CPA half-stopped
        _say(f"{stopped}: stopping CPA")
        status = cpa.stop()
        reader.join(timeout=5)  # CPA's last records (its shutdown, the plugin's on_shutdown) are shown
        _say(f"CPA stopped (status {status})")
        return 0
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _show(cpa: CPAProcess, view: LogView, plugin_id: str, plugin_only: bool) -> None:
    """Echo CPA's log: the plugin's lines marked and bold, the rest dim (or left out)."""
    mark = f"[{plugin_id}] "
    for line in cpa.lines():
        if view.is_plugin(line):
            click.secho(mark + line, bold=True)
        elif not plugin_only:
            click.secho(" " * len(mark) + line, dim=True)
