"""request-normalizer against the golden vectors of the generated ``request-normalizer`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.request_normalizer import RequestNormalizerExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "request-normalizer", RequestNormalizerExample)


def test_normalised_body_replaces_the_payload() -> None:
    with PluginHarness(RequestNormalizerExample) as harness:
        harness.register({"enabled": True})
        answer = harness.call("request.normalize", {"Model": "gpt-5.5", "Body": "eyJhIjoxfQ=="})
    assert answer.body == b'{"normalized_by":"example-request-normalizer-python"}'
