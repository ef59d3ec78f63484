"""``cpa-sdk schema``: the JSON Schema of any wire model, by model or by method name."""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("name", required=False)
@click.option("--response", is_flag=True, help="For a method name: the response model instead of the request.")
@click.option("--list", "list_all", is_flag=True, help="List every model and method.")
def schema(name: str | None, response: bool, list_all: bool) -> None:
    """Print the JSON Schema of NAME: a wire model (SchedulerPickRequest) or a method (scheduler.pick)."""
    from cpa_sdk import wire
    from cpa_sdk.methods import METHODS
    from cpa_sdk.wire._go import GoModel

    models = {n: m for n in wire.__all__ if isinstance(m := getattr(wire, n), type) and issubclass(m, GoModel)}
    if list_all or name is None:
        click.echo("methods:")
        for method, spec in sorted(METHODS.items()):
            click.echo(f"  {method:34s} {spec.request_name} -> {spec.response_name}")
        click.echo("models:")
        for model_name in sorted(models):
            click.echo(f"  {model_name}")
        return
    if name in METHODS:
        spec = METHODS[name]
        model = spec.response if response else spec.request
    elif name in models:
        model = models[name]
    else:
        raise click.ClickException(f"unknown model or method {name!r}; see cpa-sdk schema --list")
    click.echo(json.dumps(model.model_json_schema(by_alias=True), indent=2))
