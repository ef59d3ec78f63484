"""``cpa-sdk new``: scaffold a plugin project whose tests pass from the first run."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from string import Template

import click

from cpa_sdk.cli import main
from cpa_sdk.plugin import PLUGIN_ID_PATTERN

_FILES = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    "{package}/__init__.py": None,
    "{package}/plugin.py": "plugin.py.tmpl",
    "tests/test_plugin.py": "test_plugin.py.tmpl",
}


@main.command()
@click.argument("plugin_id")
@click.option("-d", "--directory", type=click.Path(file_okay=False), help="Where to create it (default: ./PLUGIN_ID).")
@click.option("--author", default="me", show_default=True, help="Author for the metadata and the repository URL.")
def new(plugin_id: str, directory: str | None, author: str) -> None:
    """Create a plugin project named PLUGIN_ID (also the .so file name CPA will load)."""
    if not PLUGIN_ID_PATTERN.match(plugin_id):
        raise click.BadParameter(f"must match {PLUGIN_ID_PATTERN.pattern}", param_hint="PLUGIN_ID")
    package = re.sub(r"\W", "_", plugin_id.lower()).strip("_")
    if not package or package[0].isdigit():
        package = f"plugin_{package}"
    class_name = "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", plugin_id) if w)
    if not class_name.endswith("Plugin"):
        class_name += "Plugin"
    if class_name[0].isdigit():
        class_name = "P" + class_name
    values = {
        "plugin_id": plugin_id,
        "package": package,
        "class_name": class_name,
        "name": plugin_id,
        "author": author,
    }
    root = Path(directory or plugin_id)
    if root.exists() and any(root.iterdir()):
        raise click.ClickException(f"{root} exists and is not empty")
    templates = resources.files("cpa_sdk.cli") / "templates"
    for target, template in _FILES.items():
        path = root / target.format(package=package)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "" if template is None else Template((templates / template).read_text()).substitute(values)
        path.write_text(text)
        click.echo(f"created {path}")
    click.echo(f"\nnext: cd {root} && pip install -e . && pytest")
