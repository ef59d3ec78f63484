"""response-translator against the golden vectors of the generated ``response-translator`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.response_translator import ResponseTranslatorExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "response-translator", ResponseTranslatorExample)


def test_each_stream_frame_is_translated_alike() -> None:
    with PluginHarness(ResponseTranslatorExample) as harness:
        harness.register({"enabled": True})
        frames = [harness.call("response.translate", {"Stream": True, "Body": body}).body for body in ("YQ==", "Yg==")]
    assert frames == [b'{"response_translated_by":"example-response-translator-python"}'] * 2
