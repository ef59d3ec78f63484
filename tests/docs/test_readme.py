"""The README's plugin runs as written: copied into a module, it does what the README says."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpa_sdk.testing import PluginHarness

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def readme_plugin() -> Iterator[type]:
    section = README.read_text().split("## A plugin", 1)[1]
    source = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert source is not None, "README's 'A plugin' section has no python block"
    module = types.ModuleType("readme_plugin")
    sys.modules[module.__name__] = module
    try:
        exec(compile(source.group(1), str(README), "exec"), module.__dict__)  # noqa: S102 - our own README
        yield module.__dict__["CodexServiceTier"]
    finally:
        del sys.modules[module.__name__]


def test_readme_plugin_sets_the_priority_tier_and_keeps_the_rest(readme_plugin: type) -> None:
    body = b'{"model":"gpt-5.5", "input":"hi"}'
    with PluginHarness(readme_plugin) as harness:
        harness.register({"fast": True})
        fast = harness.call("request.normalize", {"ToFormat": "codex", "Model": "gpt-5.5", "Body": body})
        other = harness.call_raw("request.normalize", {"ToFormat": "codex", "Model": "gpt-5.4", "Body": body})
    assert fast.body == b'{"model":"gpt-5.5", "input":"hi","service_tier":"priority"}'
    assert other.result == {}
