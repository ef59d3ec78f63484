"""host-model-callback against the golden vectors of the Go example, with its host replies."""

from __future__ import annotations

import base64
import json
from typing import Any

from cpa_sdk.testing import FakeHost, PluginHarness
from reference_plugins.host_model_callback import HOST_CALLBACKS, HostModelCallback
from tests.reference.golden import replay_port

PAGE = "/v0/resource/plugins/host-model-callback/status"


def test_golden_vectors_pages_and_host_calls(golden: dict[str, Any]) -> None:
    harness = replay_port(golden, "host-model-callback", HostModelCallback)  # host_model_callback_go
    assert set(harness.host.methods()) == set(HOST_CALLBACKS)


def handle(harness: PluginHarness, query: dict[str, list[str]]) -> str:
    answer = harness.call("management.handle", {"Method": "GET", "Path": PAGE, "Query": query, "host_callback_id": "9"})
    return str(answer.body.decode())


def test_stream_errors_and_close_errors_are_shown() -> None:
    host = FakeHost(strict_logs=True)
    host.on("host.model.execute_stream", {"status_code": 200, "headers": {"X": ["1"]}, "stream_id": "s1"})
    host.on("host.model.stream_read", {"error": "upstream reset", "done": True})
    host.on_each("host.model.stream_read", [{"payload": base64.b64encode(b"data: 1\n\n").decode()}])
    host.on("host.model.stream_close", error="stream s1 is not open")
    with PluginHarness(HostModelCallback, host=host) as harness:
        harness.register({"enabled": True})
        page = handle(harness, {"mode": ["stream"]})
    assert host.methods() == [
        "host.model.execute_stream",
        "host.model.stream_read",
        "host.model.stream_read",
        "host.model.stream_close",
    ]
    assert host.calls[0].json()["stream"] is True
    assert '<h2>Error</h2><pre class="error">upstream reset</pre>' in page
    assert '<h2>Close Error</h2><pre class="error">host_call_failed: stream s1 is not open</pre>' in page
    assert "<h2>Stream Chunks</h2><pre>data: 1\n\n</pre>" in page


def test_execute_failure_keeps_status_zero_and_shows_the_host_error() -> None:
    host = FakeHost(strict_logs=True).on("host.model.execute", error="model execution failed with status 503")
    with PluginHarness(HostModelCallback, host=host) as harness:
        harness.register({"enabled": True})
        page = handle(harness, {"model": [" m3 "], "prompt": [" hi "], "implicit_close": ["T"]})
    sent = host.calls[0].json()
    assert (sent["model"], sent["host_callback_id"]) == ("m3", "9")
    assert json.loads(base64.b64decode(sent["body"]))["messages"] == [{"role": "user", "content": " hi "}]
    assert "<dt>status</dt><dd><code>0</code></dd>" in page
    assert "<dt>implicit_close</dt><dd><code>true</code></dd>" in page and "<dt>close</dt>" not in page
    assert '<pre class="error">host_call_failed: model execution failed with status 503</pre>' in page


def test_body_options_and_non_json_bodies() -> None:
    host = FakeHost(strict_logs=True).on(
        "host.model.execute", {"status_code": 201, "body": base64.b64encode(b"plain <text>").decode()}
    )
    with PluginHarness(HostModelCallback, host=host) as harness:
        harness.register({"enabled": True})
        raw_body = b'{"MODEL":"x","body": {"input" : "verbatim"}, "implicit_close": true}'
        answer = harness.call(
            "management.handle", {"Method": "GET", "Path": PAGE, "Body": base64.b64encode(raw_body).decode()}
        )
        bad = harness.call(
            "management.handle", {"Method": "GET", "Path": PAGE, "Body": base64.b64encode(b'{"stream":"yes"}').decode()}
        )
    sent = host.calls[0].json()
    assert sent["model"] == "x"
    assert base64.b64decode(sent["body"]) == b'{"input" : "verbatim"}'  # json.RawMessage: as sent
    assert "<h2>Body</h2><pre>plain &lt;text&gt;</pre>" in answer.body.decode()
    assert bad.status_code == 400
    assert (
        "decode JSON request body: json: cannot unmarshal string into Go struct field hostModelRequest.stream "
        "of type bool"
    ) in bad.body.decode()
