"""executor against the golden vectors of the generated ``executor`` example."""

from __future__ import annotations

import base64
import json
from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.executor import ExecutorExample
from tests.reference.golden import generated_vectors, replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    # executor.execute_stream differs on purpose (golden.DIFFERING), see below.
    replay_generated(golden, "executor", ExecutorExample)


def test_stream_sends_the_sse_line_upstream_meant(golden: dict[str, Any]) -> None:
    # Upstream's generator JSON-encodes the chunk: quotes and a literal backslash-n are sent.
    vectors, _ = generated_vectors(golden, "executor")
    (upstream,) = [v for v in vectors if v["method"] == "executor.execute_stream"]
    upstream_chunk = base64.b64decode(json.loads(upstream["out"])["result"]["chunks"][0]["Payload"])
    assert upstream_chunk == b'"data: example-executor-python\\n\\n"'
    with PluginHarness(ExecutorExample) as harness:
        harness.register({"enabled": True})
        stream = harness.call("executor.execute_stream", {"Model": "m", "Stream": True})
    assert stream.headers == {"content-type": ["text/event-stream"]}
    assert [chunk.payload for chunk in stream.chunks] == [b"data: example-executor-python\n\n"]
    assert json.loads(upstream_chunk) == stream.chunks[0].payload.decode()


def test_registration_declares_chat_completions_both_ways() -> None:
    flags = ExecutorExample.capability_flags()
    assert (flags.executor_model_scope, flags.executor_input_formats, flags.executor_output_formats) == (
        "both",
        ["chat-completions"],
        ["chat-completions"],
    )
