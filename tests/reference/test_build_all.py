"""``python -m reference_plugins.build_all``: every reference plugin builds into a ``.so`` that answers as the class does.

The builds are the session's ``reference_builds`` (conftest), which ``test_c_host_replay.py``
drives through the C test host. Building needs gcc; CI has it, so a missing gcc fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cpa_sdk.testing import PluginHarness
from reference_plugins.build_all import main
from reference_plugins.catalog import PLUGINS
from tests.reference.golden import replay_port


def test_list_names_every_example() -> None:
    result = CliRunner().invoke(main, ["--list"])
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()] == list(PLUGINS)
    listed = CliRunner().invoke(main, ["--list", "--only", "scheduler"])
    assert listed.output.split()[:2] == ["scheduler", "scheduler"]


def test_unknown_example_is_refused() -> None:
    result = CliRunner().invoke(main, ["--only", "no-such-example"])
    assert result.exit_code != 0 and "no-such-example" in result.output


def test_every_plugin_is_built_and_registers_as_its_class(reference_builds: Path) -> None:
    built = reference_builds
    assert sorted(p.name for p in built.glob("*.so")) == sorted(f"{p.plugin_id}.so" for p in PLUGINS.values())
    for name, plugin in PLUGINS.items():
        with PluginHarness(built / f"{plugin.plugin_id}.so") as library, PluginHarness(plugin) as in_process:
            assert library.register({"enabled": True}) == in_process.register({"enabled": True}), name


def test_built_host_model_callback_replays_its_golden_run(reference_builds: Path, golden: dict[str, Any]) -> None:
    # Through ctypes, whose FakeHost gives successive replies within one call (the C host cannot).
    replay_port(golden, "host-model-callback", reference_builds / "host-model-callback.so")
