"""``cpa-sdk new``: scaffold a plugin project whose tests pass from the first run."""

from __future__ import annotations

import keyword
import re
import sys
from importlib import resources
from pathlib import Path
from string import Template

import click

from cpa_sdk._bridge import plugin_id_from_path
from cpa_sdk.cli import main
from cpa_sdk.plugin import PLUGIN_ID_PATTERN


_FILES = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    "{package}/__init__.py": None,
    "{package}/plugin.py": "plugin.py.tmpl",
    "tests/test_plugin.py": "test_plugin.py.tmpl",
}


def importable_package_name(plugin_id: str) -> str:
    """A package name for ``plugin_id`` that imports as itself: not a keyword (``class``), not a
    standard-library module it would shadow or be shadowed by (``json``)."""
    package = re.sub(r"\W", "_", plugin_id.lower()).strip("_")
    if not package or package[0].isdigit():
        package = f"plugin_{package}"
    if keyword.iskeyword(package) or keyword.issoftkeyword(package) or package in sys.stdlib_module_names:
        package = f"{package}_plugin"
    return package


@main.command()
@click.argument("plugin_id")
@click.option("-d", "--directory", type=click.Path(file_okay=False), help="Where to create it (default: ./PLUGIN_ID).")
@click.option("--author", default="me", show_default=True, help="Author for the metadata and the repository URL.")
def new(plugin_id: str, directory: str | None, author: str) -> None:
    """Create a plugin project named PLUGIN_ID (also the .so file name CPA will load)."""
    if not PLUGIN_ID_PATTERN.match(plugin_id):
        raise click.BadParameter(f"must match {PLUGIN_ID_PATTERN.pattern}", param_hint="PLUGIN_ID")
    loaded_as = plugin_id_from_path(f"{plugin_id}.so")
    if loaded_as != plugin_id:
        raise click.BadParameter(
            f"CPA reads {plugin_id[len(loaded_as):]!r} at the end of a file name as a version, so this plugin "
            f"would load as {loaded_as!r}; choose an ID without '-v<digit>' at its end",
            param_hint="PLUGIN_ID",
        )
    package = importable_package_name(plugin_id)
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
    click.echo(f"\nnext: cd {root} && pip install -e '.[test]' && pytest")
