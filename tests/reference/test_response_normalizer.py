"""response-normalizer against the golden vectors of the generated ``response-normalizer`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.response_normalizer import ResponseNormalizerExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "response-normalizer", ResponseNormalizerExample)


def test_registered_on_both_sides_of_the_translator() -> None:
    flags = ResponseNormalizerExample.capability_flags()
    assert (flags.response_before_translator, flags.response_after_translator, flags.response_translator) == (
        True,
        True,
        False,
    )
    with PluginHarness(ResponseNormalizerExample) as harness:
        harness.register({"enabled": True})
        before = harness.call("response.normalize_before", {"Body": "e30="}).body
        after = harness.call("response.normalize_after", {"Body": "e30="}).body
    assert (before, after) == (
        b'{"response_normalized_before_by":"example-response-normalizer-python"}',
        b'{"response_normalized_after_by":"example-response-normalizer-python"}',
    )
