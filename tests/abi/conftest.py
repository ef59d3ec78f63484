"""Builds the C test host (``tests/c_host.py`` runs it) and the plugin ``.so`` files once per session.

The host (``cpa_sdk/testing/host/cpa_test_host.c``) loads plugins as CPA does and never links libpython. The
plugins are built with ``cpa_sdk.build`` from the stand-in entry ``echo_entry:load`` and the
endpoints in ``standins.py``, plus a few deliberately broken ones.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cpa_sdk.build import build_plugin
from tests.c_host import TIMEOUT, Host, compile_host  # noqa: F401  (TIMEOUT, Host: the test modules import them from here)

HERE = Path(__file__).resolve().parent
ENTRY = "echo_entry:load"


@dataclass
class Plugins:
    echo: Path
    other: Path
    load_raises: Path
    wrong_python: Path
    entry_missing: Path
    vanished: Path
    import_raises: Path
    shutdown_raises: Path


@pytest.fixture(scope="session")
def abi_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("abi")


@pytest.fixture(scope="session")
def host(abi_dir: Path) -> Host:
    return Host(compile_host(abi_dir / "cpa_test_host"), abi_dir)


@pytest.fixture(scope="session")
def plugins(abi_dir: Path) -> Plugins:
    out = abi_dir / "plugins"
    here = [HERE]

    def build(target: str, **kwargs: Any) -> Path:
        kwargs.setdefault("entry", ENTRY)
        return build_plugin(target, out, extra_paths=kwargs.pop("extra_paths", here), **kwargs)

    # Plugins whose code is fine at build time and broken when CPA loads them.
    fragile = abi_dir / "fragile"
    fragile.mkdir()
    vanishing = fragile / "vanishing_plugin.py"
    breaking = fragile / "breaking_plugin.py"
    endpoint = "from standins import Echo\n\nclass Plugin(Echo):\n    plugin_id = {!r}\n"
    vanishing.write_text(endpoint.format("vanished"))
    breaking.write_text(endpoint.format("import-raises"))
    built = Plugins(
        echo=build("standins:Echo"),
        other=build("standins:Other"),
        load_raises=build("standins:LoadRaises"),
        wrong_python=build("standins:Echo", plugin_id="wrong-python", python_version=(3, sys.version_info.minor - 1)),
        entry_missing=build("standins:Echo", plugin_id="entry-missing", entry="echo_entry:no_such_function"),
        vanished=build("vanishing_plugin:Plugin", extra_paths=[HERE, fragile]),
        import_raises=build("breaking_plugin:Plugin", extra_paths=[HERE, fragile]),
        shutdown_raises=build("standins:ShutdownRaises"),
    )
    vanishing.unlink()
    breaking.write_text('raise ImportError("breaking_plugin needs the module nonexistent_dependency")\n')
    for cache in fragile.glob("__pycache__"):
        for pyc in cache.iterdir():
            pyc.unlink()
    return built
