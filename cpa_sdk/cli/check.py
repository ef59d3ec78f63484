"""``cpa-sdk check``: validate a plugin the way CPA will judge it, before CPA sees it."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import click

from cpa_sdk._bridge import plugin_id_from_path
from cpa_sdk.cli import main
from cpa_sdk.cli._cpa_config import plugin_block
from cpa_sdk.cli._targets import is_library, open_harness
from cpa_sdk.cli._verdict import conclude
from cpa_sdk.plugin import PLUGIN_ID_PATTERN, SCHEMA_VERSION

CANONICAL_FORMATS = frozenset({"openai", "openai-response", "claude", "gemini", "codex", "antigravity", "interactions"})
FORMAT_ALIASES = {
    "chat-completions": "openai",
    "chat_completions": "openai",
    "openai-chat-completions": "openai",
    "openai_chat_completions": "openai",
    "responses": "openai-response",
    "openai-responses": "openai-response",
    "openai_responses": "openai-response",
    "anthropic": "claude",
}
CONFIG_FIELD_TYPES = frozenset({"string", "number", "integer", "boolean", "enum", "array", "object"})


@main.command()
@click.argument("target")
@click.option(
    "-c", "--config", "config_file", type=click.Path(exists=True, dir_okay=False), help="Config YAML to validate too."
)
@click.option("--id", "plugin_id", help="The plugin ID (file name) CPA will load it under.")
@click.option("--host-schema", default=SCHEMA_VERSION, show_default=True, help="Schema version of the target CPA.")
@click.option("--strict", is_flag=True, help="Fail on warnings too (an unknown config key, a misspelt hook).")
def check(target: str, config_file: str | None, plugin_id: str | None, host_schema: int, strict: bool) -> None:
    """Check TARGET's registration, config fields, IDs and schema version as CPA would.

    -c takes the plugin's config block, or CPA's whole config.yaml (its plugins.configs.<id> is
    used). Exit status 1 when CPA would reject the plugin or a check fails; warnings fail only
    with --strict.
    """
    problems: list[str] = []
    harness = open_harness(target)
    if plugin_id is None:
        plugin_id = _loaded_id(target, harness)
    warnings: list[str] = []
    try:
        config, source = b"", config_file
        if config_file:
            try:
                config, block = plugin_block(Path(config_file).read_bytes(), plugin_id)
            except LookupError as exc:
                raise click.ClickException(str(exc)) from None
            source = f"{config_file} ({block})" if block else config_file
        request = json.dumps({"config_yaml": base64.b64encode(config).decode(), "schema_version": host_schema})
        result = harness.call_raw("plugin.register", request.encode())
        if not result.ok:
            problems.append(f"plugin.register failed: {result.error}")
        else:
            _check_registration(result.result, host_schema, problems, warnings)
            warnings += [
                call.json()["message"]
                for call in harness.host.calls_to("host.log")
                if call.json().get("level") == "warn"
            ]
            if source:
                click.echo(f"config {source}: accepted")
    finally:
        harness.close()
    if plugin_id:
        if not PLUGIN_ID_PATTERN.match(plugin_id):
            problems.append(f"plugin ID {plugin_id!r} does not match {PLUGIN_ID_PATTERN.pattern}")
        elif re.search(r"-v[0-9]", plugin_id):
            warnings.append(f"plugin ID {plugin_id!r} contains '-v<digit>': CPA reads the tail as a version")
    conclude(problems, warnings, strict=strict, ok="CPA will accept this plugin")


def _loaded_id(target: str, harness: Any) -> str:
    """The ID CPA loads ``target`` under: the library's file name, or the class's ``plugin_id``."""
    if is_library(target):
        return plugin_id_from_path(target)
    return str(harness.dispatcher.plugin_class.plugin_id)


def _check_registration(
    registration: dict[str, Any], host_schema: int, problems: list[str], warnings: list[str]
) -> None:
    schema = registration.get("schema_version", 0)
    if not isinstance(schema, int) or schema > host_schema:
        problems.append(f"schema_version {schema!r} is above the host's {host_schema}: CPA rejects it")
    click.echo(f"schema_version: {schema}")
    metadata = registration.get("metadata") or {}
    for key in ("Name", "Version", "Author", "GitHubRepository"):
        if not str(metadata.get(key, "")).strip():
            problems.append(f"metadata.{key} is blank: CPA rejects the registration")
    click.echo(f"metadata: {metadata.get('Name')} {metadata.get('Version')} by {metadata.get('Author')}")
    for field in metadata.get("ConfigFields") or []:
        if field.get("Type") not in CONFIG_FIELD_TYPES:
            problems.append(f"config field {field.get('Name')!r} has type {field.get('Type')!r}")
        if field.get("Type") == "enum" and not field.get("EnumValues"):
            problems.append(f"enum config field {field.get('Name')!r} lists no values")
        click.echo(f"config field: {field.get('Name')} ({field.get('Type')})")
    capabilities = registration.get("capabilities") or {}
    flags = [k for k, v in capabilities.items() if v is True and k != "frontend_auth_provider_exclusive"]
    if not flags:
        problems.append("no capability flag is true: CPA ignores the plugin")
    click.echo(f"capabilities: {', '.join(sorted(flags))}")
    if capabilities.get("executor"):
        for key in ("executor_input_formats", "executor_output_formats"):
            formats = capabilities.get(key) or []
            if not formats:
                problems.append(f"{key} is empty: every executor call would fail")
            for name in formats:
                if name in FORMAT_ALIASES:
                    warnings.append(
                        f"{key}: {name!r} is an alias of {FORMAT_ALIASES[name]!r}; prefer the canonical name"
                    )
                elif name not in CANONICAL_FORMATS:
                    warnings.append(f"{key}: {name!r} is not a format CPA knows; it is matched verbatim")
