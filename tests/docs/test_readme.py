"""The README's plugin runs as written: copied into a module, it does what the README says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cpa_sdk.testing import PluginHarness
from tests.docs.code_blocks import code_blocks, run_as_module

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def readme_plugin() -> Iterator[type]:
    blocks = code_blocks(README.read_text(), after="## A plugin")
    assert blocks, "README's 'A plugin' section has no python block"
    with run_as_module(blocks[0], README, "readme_plugin") as module:
        yield module.CodexServiceTier


def test_readme_plugin_sets_the_priority_tier_and_keeps_the_rest(readme_plugin: type) -> None:
    body = b'{"model":"gpt-5.5", "input":"hi"}'
    with PluginHarness(readme_plugin) as harness:
        harness.register({"fast": True})
        fast = harness.call("request.normalize", {"ToFormat": "codex", "Model": "gpt-5.5", "Body": body})
        other = harness.call_raw("request.normalize", {"ToFormat": "codex", "Model": "gpt-5.4", "Body": body})
    assert fast.body == b'{"model":"gpt-5.5", "input":"hi","service_tier":"priority"}'
    assert other.result == {}
