"""``cpa-sdk build-all``: every reference plugin builds into a ``.so`` that answers as the class does."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cpa_sdk.cli import main
from cpa_sdk.testing import FakeHost, PluginHarness
from reference_plugins.catalog import PLUGINS
from tests.reference.golden import replay, script_host

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="building a plugin .so needs gcc")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = CliRunner().invoke(main, ["build-all", "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_list_names_every_example() -> None:
    result = CliRunner().invoke(main, ["build-all", "--list"])
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()] == list(PLUGINS)
    listed = CliRunner().invoke(main, ["list-examples", "--only", "scheduler"])
    assert listed.output.split()[:2] == ["scheduler", "scheduler"]


def test_unknown_example_is_refused() -> None:
    result = CliRunner().invoke(main, ["build-all", "--only", "no-such-example"])
    assert result.exit_code != 0 and "no-such-example" in result.output


def test_every_plugin_is_built_and_registers_as_its_class(built: Path) -> None:
    assert sorted(p.name for p in built.glob("*.so")) == sorted(f"{p.plugin_id}.so" for p in PLUGINS.values())
    for name, plugin in PLUGINS.items():
        with PluginHarness(built / f"{plugin.plugin_id}.so") as library, PluginHarness(plugin) as in_process:
            assert library.register({"enabled": True}) == in_process.register({"enabled": True}), name


def test_built_host_model_callback_replays_its_golden_run(built: Path, golden: dict[str, Any]) -> None:
    vectors = golden["host_model_callback_go"]
    host = script_host(FakeHost(strict_logs=True), golden["host_replies_used"]["host_model_callback_go"])
    with PluginHarness(built / "host-model-callback.so", host=host) as harness:
        assert replay(harness, vectors) == len(vectors)
