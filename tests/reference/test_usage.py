"""usage against the golden vectors of the generated ``usage`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.usage import UsageExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "usage", UsageExample)


def test_usage_records_are_accepted_without_host_calls() -> None:
    with PluginHarness(UsageExample) as harness:
        harness.register({"enabled": True})
        result = harness.call_raw(
            "usage.handle", {"Provider": "codex", "Model": "gpt-5.5", "Detail": {"TotalTokens": 3}}
        )
    assert (result.rc, result.raw) == (0, b'{"ok":true,"result":{}}')
    assert harness.host.calls == []
