"""simple against the golden vectors of the C variant of ``simple``, with the Python names."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from cpa_sdk.testing import PluginHarness
from reference_plugins.simple import SimpleExample
from tests.reference.golden import replay_port


def test_golden_vectors(golden: dict[str, Any]) -> None:
    # simple_c with the Python names (golden.SIMPLE_SUBSTITUTIONS), less the vectors whose upstream
    # answer the port deliberately does not give (golden.DIFFERING, and the tests below).
    harness = replay_port(golden, "simple", SimpleExample)
    assert harness.host.calls == []


@pytest.fixture
def simple() -> Any:
    with PluginHarness(SimpleExample) as harness:
        harness.register({"enabled": True, "config1": True, "mode": "fast"})
        yield harness


def test_undecodable_transform_request_is_a_decode_error(simple: PluginHarness) -> None:
    result = simple.call_raw("request.normalize", b"not json")
    assert (result.rc, (result.error or {}).get("code")) == (1, "plugin_error")
    missing = simple.call_raw("request.normalize", b"{}")
    assert (missing.rc, missing.error) == (0, {"code": "invalid_request", "message": "request body field is required"})


def test_body_key_is_read_case_insensitively_as_go_does(simple: PluginHarness) -> None:
    assert simple.call("response.translate", {"body": "eyJhIjoxfQ=="}).body == b'{"a":1}'


def test_usage_records_are_counted(simple: PluginHarness) -> None:
    for _ in range(3):
        assert simple.call_raw("usage.handle", {"Model": "m"}).raw == b'{"ok":true,"result":{}}'
    plugin = simple.plugin
    assert isinstance(plugin, SimpleExample) and plugin.usage_records == 3


@pytest.mark.parametrize(
    ("body", "config", "expected"),
    [
        (
            b'{"model":"m"}',
            {"Mode": "budget", "Budget": 1024, "Level": "high"},
            b'{"model":"m","plugin_example_thinking":{"mode":"budget","budget":1024,"level":"high"}}',
        ),
        (b"{}", {"Mode": "none"}, b'{"plugin_example_thinking":{"mode":"none","budget":0,"level":""}}'),
        (None, {"Mode": "none"}, b'{"plugin_example_thinking":{"mode":"none","budget":0,"level":""}}'),
        (
            b"not json",
            {"Mode": "level", "Budget": -1, "Level": "low"},
            b'{"original_body":"not json","plugin_example_thinking":{"mode":"level","budget":-1,"level":"low"}}',
        ),
        # a key already there is replaced, not repeated
        (
            b'{"plugin_example_thinking":1,"b":2}',
            {"Mode": "auto"},
            b'{"plugin_example_thinking":{"mode":"auto","budget":0,"level":""},"b":2}',
        ),
        # text between braces is not an object unless it is JSON (the C scanner splices into it)
        (
            b"{oops}",
            {"Mode": "none"},
            b'{"original_body":"{oops}","plugin_example_thinking":{"mode":"none","budget":0,"level":""}}',
        ),
    ],
)
def test_thinking_is_added_to_json_objects(
    simple: PluginHarness, body: bytes | None, config: dict[str, Any], expected: bytes
) -> None:
    request: dict[str, Any] = {"Config": config}
    if body is not None:
        request["Body"] = base64.b64encode(body).decode()
    assert simple.call("thinking.apply", request).body == expected


def test_executor_echoes_model_and_format_and_counts_quarter_tokens(simple: PluginHarness) -> None:
    executed = simple.call("executor.execute", {"Model": "gpt-x", "Format": "openai-response"})
    assert json.loads(executed.payload) == {
        "id": "plugin-example-python",
        "object": "chat.completion",
        "model": "gpt-x",
        "format": "openai-response",
    }
    for payload, tokens in ((b"hello world!!", 4), (b"abcde", 2), (b"", 0)):
        counted = simple.call("executor.count_tokens", {"Payload": base64.b64encode(payload).decode()})
        assert json.loads(counted.payload) == {"total_tokens": tokens}


def test_http_and_management_echo_method_and_target(simple: PluginHarness) -> None:
    http = simple.call("executor.http_request", {"Method": "POST", "URL": "https://upstream.invalid/v1"})
    page = simple.call("management.handle", {"Method": "GET", "Path": "/v0/management/simple"})
    assert json.loads(http.body) == {
        "plugin": "example-simple-python",
        "method": "POST",
        "target": "https://upstream.invalid/v1",
    }
    assert json.loads(page.body) == {
        "plugin": "example-simple-python",
        "method": "GET",
        "target": "/v0/management/simple",
    }


def test_auth_records_store_the_request(simple: PluginHarness) -> None:
    parsed = simple.call("auth.parse", b'{"Provider":"x","RawJSON":"e30="}')
    assert parsed.handled and parsed.auth.storage_json == b'{"Provider":"x","RawJSON":"e30="}'
    assert simple.call("auth.parse", b"").auth.storage_json in (b"", None)


def test_config_fields_are_declared_but_typed(simple: PluginHarness) -> None:
    registration = simple.register({"config1": True, "config2": "s", "config3": 3, "mode": "safe"})
    fields = {f.name: (f.type, f.enum_values) for f in registration.metadata.config_fields or []}
    assert fields == {
        "config1": ("boolean", None),
        "config2": ("string", None),
        "config3": ("integer", None),
        "mode": ("enum", ["safe", "fast"]),
    }
    assert simple.call_raw("plugin.reconfigure", {"config_yaml": base64.b64encode(b"config3: many\n").decode()}).rc == 1
