"""``cpa-sdk call``: invoke one method on a plugin class or ``.so`` and print the answer."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cpa_sdk.cli import main
from cpa_sdk.cli._targets import open_harness
from cpa_sdk.plugin import SCHEMA_VERSION


@main.command()
@click.argument("target")
@click.argument("method")
@click.argument("request", required=False)
@click.option(
    "-f",
    "--file",
    "request_file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Read the request JSON from a file ('-' for stdin).",
)
@click.option(
    "-c",
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Plugin config YAML sent with plugin.register.",
)
@click.option(
    "--schema-version", default=SCHEMA_VERSION, show_default=True, help="Host schema version announced at registration."
)
@click.option("--no-register", is_flag=True, help="Call without sending plugin.register first.")
@click.option("--raw", is_flag=True, help="Print the response bytes exactly as the plugin wrote them.")
def call(
    target: str,
    method: str,
    request: str | None,
    request_file: str | None,
    config_file: str | None,
    schema_version: int,
    no_register: bool,
    raw: bool,
) -> None:
    """Call METHOD of TARGET (package.module:Class or path/to/plugin.so) with REQUEST JSON.

    The request comes from the argument, --file, or standard input when neither is given and
    stdin is not a terminal. Exit status: 0 for an ok answer, 1 for an error answer or failure.
    Host callbacks are answered with an error, as an unscripted fake host does.
    """
    body = _request_text(request, request_file)
    try:
        json.loads(body)
    except ValueError as exc:
        raise click.ClickException(f"request is not valid JSON: {exc}") from None
    harness = open_harness(target)
    try:
        if not no_register:
            config = Path(config_file).read_bytes() if config_file else None
            registered = harness.call_raw("plugin.register", _register_request(config, schema_version))
            if not registered.ok:
                raise click.ClickException(f"plugin.register failed: {registered.error}")
        result = harness.call_raw(method, body.encode())
    finally:
        harness.close()
    if raw:
        click.echo(result.raw.decode(errors="replace"))
    else:
        click.echo(json.dumps(result.envelope, indent=2, ensure_ascii=False))
    for host_call in harness.host.calls:
        click.echo(f"host callback: {host_call.method} {host_call.request.decode(errors='replace')}", err=True)
    if not result.ok:
        click.echo(f"{method} answered an error (rc {result.rc})", err=True)
        sys.exit(1)


def _request_text(request: str | None, request_file: str | None) -> str:
    if request is not None and request_file is not None:
        raise click.UsageError("give the request as an argument or with --file, not both")
    if request_file is not None:
        with click.open_file(request_file) as handle:
            text: str = handle.read()
        return text
    if request is not None:
        return request
    if not sys.stdin.isatty():
        return sys.stdin.read() or "{}"
    return "{}"


def _register_request(config: bytes | None, schema_version: int) -> bytes:
    import base64

    return json.dumps(
        {"config_yaml": base64.b64encode(config or b"").decode(), "schema_version": schema_version}
    ).encode()
