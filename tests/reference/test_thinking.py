"""thinking against the golden vectors of the generated ``thinking`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.thinking import ThinkingExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "thinking", ThinkingExample)


def test_applier_names_its_provider_and_ignores_the_config() -> None:
    with PluginHarness(ThinkingExample) as harness:
        harness.register({"enabled": True})
        assert harness.call("thinking.identifier") == "example-thinking-python"
        answer = harness.call("thinking.apply", {"Config": {"Mode": "budget", "Budget": 9}, "Body": "e30="})
    assert answer.body == b'{"thinking_applied_by":"example-thinking-python"}'
