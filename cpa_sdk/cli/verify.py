"""``cpa-sdk verify``: run a built plugin where nothing of this machine's Python can help it.

``call`` and ``check`` run inside this virtual environment, so a bundle that lacks a module still
works there. ``verify`` loads the library in the native test host (no libpython of its own, a
fresh HOME and cache, PYTHONPATH and PYTHONHOME pointing at nothing), registers it, makes the
calls asked for, and fails when anything it ran came from outside the bundle; it also names the
imports inside functions that the bundle could not satisfy, which no single run may reach.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import click

from cpa_sdk.build.bundle import read_bundle
from cpa_sdk.build.lazy_imports import unbundled_lazy_imports
from cpa_sdk.build.spec import BuildError
from cpa_sdk.cli import main
from cpa_sdk.cli._verdict import conclude
from cpa_sdk.plugin import SCHEMA_VERSION
from cpa_sdk.testing.native_host import IsolatedRun, run_isolated, script_text

_LOG_ANSWER = b'{"ok":true,"result":{}}'


@main.command()
@click.argument("library", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-c",
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="The plugin's config YAML, sent with plugin.register.",
)
@click.option(
    "--call",
    "calls",
    nargs=2,
    multiple=True,
    metavar="METHOD JSON",
    help="Also make this call after registering (repeatable), e.g. --call request.normalize '{...}'.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def verify(library: str, config_file: str | None, calls: tuple[tuple[str, str], ...], strict: bool) -> None:
    """Load LIBRARY as CPA's machine would, with nothing of this machine's Python, and report."""
    problems: list[str] = []
    warnings: list[str] = []
    bundle = _bundle_or_none(library)
    if bundle is None:
        warnings.append(
            f"{library} is not a bundle: it runs only where this machine's Python and the plugin's "
            "code are, at their present paths (build with --bundle to ship it)"
        )
    else:
        warnings += [str(gap) for gap in unbundled_lazy_imports(bundle)]
    config = Path(config_file).read_bytes() if config_file else b""
    register = json.dumps({"config_yaml": base64.b64encode(config).decode(), "schema_version": SCHEMA_VERSION})
    lines = [
        f"hostreply host.log {script_text(_LOG_ANSWER)}",
        f"load p {Path(library).resolve()}",
        f"call p plugin.register {script_text(register.encode())}",
    ]
    lines += [f"call p {method} {script_text(request.encode())}" for method, request in calls]
    run = run_isolated([*lines, "unload p"])
    _report(run, problems, warnings, bundled=bundle is not None)
    conclude(problems, warnings, strict=strict, ok="the plugin runs with nothing but what it carries")


def _bundle_or_none(library: str) -> Any:
    try:
        return read_bundle(library)
    except BuildError:
        return None


def _report(run: IsolatedRun, problems: list[str], warnings: list[str], *, bundled: bool) -> None:
    (load,) = run.of("load") or [{"error": f"the host did not load it (exit {run.returncode}): {run.stderr[-2000:]}"}]
    if load["error"]:
        problems.append(f"load failed: {load['error']}")
        return
    for event in run.events:
        if event.get("event") == "host_call" and event.get("method") == "host.log":
            entry = json.loads(event["request"].encode("latin-1"))
            (warnings if entry.get("level") in ("warn", "error") else []).append(f"plugin log: {entry.get('message')}")
        elif event.get("event") == "call":
            answer = json.loads(event["out"].encode("latin-1")) if event["out"] is not None else None
            click.echo(f"{event['method']}: rc {event['rc']} {json.dumps(answer)[:400]}")
            if event["rc"] != 0 or not (answer or {}).get("ok"):
                problems.append(f"{event['method']} answered an error: {json.dumps((answer or {}).get('error'))}")
    if bundled:
        problems += _outside_the_bundle(run)


def _outside_the_bundle(run: IsolatedRun) -> list[str]:
    """Modules the bundle ran from anywhere but its own payload: this machine lent them."""
    reports = [report for report in run.debug if report.get("event") == "shutdown"] or run.debug[-1:]
    if not reports:
        return ["the bundle reported no modules (CPA_SDK_DEBUG): it may not be a cpa-sdk bundle"]
    report = reports[-1]
    payload = str(Path(report["site"]).parent) + "/"
    outside = sorted(name for name, file in report["modules"].items() if not file.startswith(payload))
    return [f"modules loaded from this machine, not the bundle: {', '.join(outside)}"] if outside else []
