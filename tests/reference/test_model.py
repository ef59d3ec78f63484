"""model against the golden vectors of the generated ``model`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.model import ModelExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "model", ModelExample)


def test_every_auth_gets_the_one_model() -> None:
    with PluginHarness(ModelExample) as harness:
        harness.register({"enabled": True})
        models = harness.call("model.for_auth", {"AuthID": "a1", "AuthProvider": "someone-else"})
    assert models.provider == "example-model-python"
    assert [(m.id, m.context_length, m.max_completion_tokens) for m in models.models] == [
        ("example-model-python-model", 8192, 1024)
    ]
