"""pytest fixtures for plugin projects, registered through the ``pytest11`` entry point.

``cpa_host`` is a fresh ``FakeHost``; ``cpa_plugin(PluginClass, config=...)`` returns a
registered ``PluginHarness`` wired to it and shuts it down after the test;
``raise_errors=True`` lets the plugin's exceptions fail the test with their own traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cpa_sdk.plugin import SCHEMA_VERSION
from cpa_sdk.testing.fake_host import FakeHost
from cpa_sdk.testing.harness import ConfigInput, PluginHarness


@pytest.fixture
def cpa_host() -> FakeHost:
    """A fake CPA host that records callbacks and fails on unscripted ones."""
    return FakeHost()


@pytest.fixture
def cpa_plugin(cpa_host: FakeHost) -> Iterator[Callable[..., PluginHarness]]:
    """Factory: ``cpa_plugin(MyPlugin, config={"fast": True})`` -> registered harness."""
    harnesses: list[PluginHarness] = []

    def make(
        plugin: Any,
        *,
        config: ConfigInput = None,
        schema_version: int = SCHEMA_VERSION,
        register: bool = True,
        raise_errors: bool = False,
    ) -> PluginHarness:
        harness = PluginHarness(plugin, host=cpa_host, raise_errors=raise_errors)
        harnesses.append(harness)
        if register:
            harness.register(config, schema_version=schema_version)
        return harness

    yield make
    for harness in harnesses:
        harness.close()
