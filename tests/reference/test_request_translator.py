"""request-translator against the golden vectors of the generated ``request-translator`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.request_translator import RequestTranslatorExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "request-translator", RequestTranslatorExample)


def test_translation_ignores_the_request() -> None:
    with PluginHarness(RequestTranslatorExample) as harness:
        harness.register({"enabled": True})
        answer = harness.call("request.translate", {"FromFormat": "openai", "ToFormat": "claude", "Body": "e30="})
    assert answer.body == b'{"translated_by":"example-request-translator-python"}'
