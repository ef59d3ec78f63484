"""``cpa-sdk new``: scaffold a plugin project whose tests pass from the first run."""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Final

import click

from cpa_sdk._bridge import plugin_id_from_path
from cpa_sdk.cli import main
from cpa_sdk.plugin import PLUGIN_ID_PATTERN

_FILES = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    "{package}/__init__.py": None,
    "{package}/plugin.py": "{capability}.plugin.py.tmpl",
    "tests/test_plugin.py": "{capability}.test_plugin.py.tmpl",
}


@dataclass(frozen=True)
class _Scaffold:
    """What the shared README says for one capability: its config keys and a note."""

    config: str  # the lines under ``enabled: true`` in CPA's plugins.configs.<id> block
    notes: str = ""  # Markdown after the config block, starting with a blank line


CAPABILITIES: Final = {
    "normalizer": _Scaffold("      user: alice"),
    "interceptor": _Scaffold(
        "      keyword: forbidden",
        "\nRequests whose body contains `forbidden` get a 403 from CPA and never reach an upstream.\n"
        "CPA fails open: an exception in the plugin would not block them (see `fail_closed` in\n"
        "`${package}/plugin.py`).\n",
    ),
    "scheduler": _Scaffold(
        "      provider: codex",
        "\nCPA asks only the highest-priority scheduler plugin. When no candidate auth is of the\n"
        "configured provider, CPA's built-in scheduler picks.\n",
    ),
    "executor": _Scaffold(
        "      model: echo",
        "\nThen ask for the model `echo` with an OpenAI chat-completions or Claude messages client:\n\n"
        "    curl http://localhost:8317/v1/chat/completions -H 'Authorization: Bearer <key>' \\\n"
        '      -d \'{"model":"echo","stream":true,"messages":[{"role":"user","content":"hello"}]}\'\n',
    ),
    "stream-interceptor": _Scaffold(
        '      word: secret\n      mask: "[redacted]"',
        "\nIt uses `request.complete` to drop per-request state, so it needs a CPA speaking RPC schema 2\n"
        "or newer (CPA v7.2.140 speaks schema 3).\n",
    ),
}
"""``cpa-sdk new --capability`` choices; each has ``<name>.plugin.py.tmpl`` and
``<name>.test_plugin.py.tmpl`` in ``templates``."""


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
@click.option(
    "--capability",
    type=click.Choice(list(CAPABILITIES)),
    default="normalizer",
    show_default=True,
    help="What the plugin does: rewrite requests, stop them, pick auths, run a model, or rewrite streamed chunks.",
)
def new(plugin_id: str, directory: str | None, author: str, capability: str) -> None:
    """Create a plugin project named PLUGIN_ID (also the .so file name CPA will load), with
    tests that pass from the first run."""
    if not PLUGIN_ID_PATTERN.match(plugin_id):
        raise click.BadParameter(f"must match {PLUGIN_ID_PATTERN.pattern}", param_hint="PLUGIN_ID")
    loaded_as = plugin_id_from_path(f"{plugin_id}.so")
    if loaded_as != plugin_id:
        raise click.BadParameter(
            f"CPA reads {plugin_id[len(loaded_as) :]!r} at the end of a file name as a version, so this plugin "
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
        "provider": plugin_id.lower(),  # CPA lowercases provider keys
    }
    scaffold = CAPABILITIES[capability]
    values["config"] = scaffold.config
    values["notes"] = Template(scaffold.notes).substitute(values)
    root = Path(directory or plugin_id)
    if root.exists() and any(root.iterdir()):
        raise click.ClickException(f"{root} exists and is not empty")
    templates = resources.files("cpa_sdk.cli") / "templates"
    for target, template in _FILES.items():
        path = root / target.format(package=package)
        path.parent.mkdir(parents=True, exist_ok=True)
        source = None if template is None else (templates / template.format(capability=capability)).read_text()
        text = "" if source is None else Template(source).substitute(values)
        path.write_text(text)
        click.echo(f"created {path}")
    click.echo(f"\nnext: cd {root} && pip install -e '.[test]' && pytest")
