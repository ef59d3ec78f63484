"""protocol-format against the golden vectors of the generated ``protocol-format`` example."""

from __future__ import annotations

from typing import Any

from reference_plugins.protocol_format import ProtocolFormatExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "protocol-format", ProtocolFormatExample)


def test_declares_responses_output_for_chat_completions_input() -> None:
    flags = ProtocolFormatExample.capability_flags()
    assert (flags.executor_input_formats, flags.executor_output_formats) == (["chat-completions"], ["responses"])
