"""Every method of schema 3: a Go-shaped request decodes, the plugin is called, the answer encodes.

Requests are written with every field present, as Go's encoder writes them (zero values and
``null`` included), with canonical keys; answers are checked as Go would read them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from cpa_sdk import wire as w
from cpa_sdk.capabilities import wire_methods_by_name
from cpa_sdk.testing import PluginHarness, assert_wire_equal
from cpa_sdk.wire._go import GoModel
from tests.sdk.everything import Everything

META = w.Metadata(name="Everything", version="1.0.0")
HOST = w.HostConfigSummary(auth_dir="/auths", force_model_prefix=True)

REQUESTS: dict[str, GoModel] = {
    "model.register": w.ModelRegistrationRequest(plugin=META),
    "model.static": w.StaticModelRequest(plugin=META, host=HOST),
    "model.for_auth": w.AuthModelRequest(
        plugin=META, auth_id="a1", auth_provider="p", storage_json=b'{"k":1}', host_callback_id="11"
    ),
    "auth.parse": w.AuthParseRequest(
        provider="p", path="/auths/x.json", file_name="x.json", raw_json=b'{"type":"p"}', host=HOST
    ),
    "auth.login.start": w.AuthLoginStartRequest(provider="p", base_url="http://127.0.0.1/cb", host_callback_id="12"),
    "auth.login.poll": w.AuthLoginPollRequest(provider="p", state="st-1", metadata={"n": 1}, host_callback_id="13"),
    "auth.refresh": w.AuthRefreshRequest(
        auth_id="a1", auth_provider="p", storage_json=b"\xfb\xff", host_callback_id="14"
    ),
    "frontend_auth.authenticate": w.FrontendAuthRequest(
        method="POST", path="/v1/chat", headers={"Authorization": ["Bearer k"]}, body=b"{}"
    ),
    "scheduler.pick": w.SchedulerPickRequest(
        plugin=META,
        provider="codex",
        model="gpt",
        stream=True,
        candidates=[w.SchedulerAuthCandidate(id="a1", provider="codex", priority=2), w.SchedulerAuthCandidate(id="a2")],
    ),
    "model.route": w.ModelRouteRequest(
        plugin=META,
        plugin_id="everything",
        requested_model="m",
        body=b"{}",
        available_providers=["codex"],
        host_callback_id="15",
    ),
    "executor.execute": w.ExecutorRequest(
        auth_id="a1", model="m", format="openai", payload=b'{"x":1}', headers={"A": ["b"]}, host_callback_id="16"
    ),
    "executor.execute_stream": w.ExecutorRequest(
        model="m", format="openai", payload=b'{"x":1}', stream_id="3", host_callback_id="9"
    ),
    "executor.count_tokens": w.ExecutorRequest(model="m", payload=b"hello", host_callback_id="17"),
    "executor.http_request": w.ExecutorHTTPRequest(method="GET", url="https://x", body=b"abc", host_callback_id="18"),
    "request.translate": w.RequestTransformRequest(from_format="a", to_format="b", model="m", body=b"<&>"),
    "request.normalize": w.RequestTransformRequest(to_format="codex", model="gpt-5.5", body=b'{"a":1}'),
    "request.intercept_before": w.RequestInterceptRequest(
        request_id="r1", model="m", body=b"{}", host_callback_id="19"
    ),
    "request.intercept_after": w.RequestInterceptRequest(
        request_id="r1", to_format="codex", headers={"X-Drop": ["1"]}, host_callback_id="20"
    ),
    "request.complete": w.RequestCompletion(
        request_id="r1", outcome="succeeded", status_code=200, host_callback_id="21"
    ),
    "response.translate": w.ResponseTransformRequest(model="m", translated_request=b"t", body=b"b"),
    "response.normalize_before": w.ResponseTransformRequest(original_request=b"o", body=b"b", stream=True),
    "response.normalize_after": w.ResponseTransformRequest(body=b"after"),
    "response.intercept_after": w.ResponseInterceptRequest(
        request_id="r1", status_code=200, body=b"{}", host_callback_id="22"
    ),
    "response.intercept_stream_chunk": w.StreamChunkInterceptRequest(
        request_id="r1", body=b"data: x", chunk_index=2, history_chunks=[b"a", b"b"], host_callback_id="23"
    ),
    "thinking.apply": w.ThinkingApplyRequest(
        provider="p",
        model=w.ModelInfo(id="m"),
        config=w.ThinkingConfig(mode="level", level="high"),
        body=b"{}",
        host_callback_id="24",
    ),
    "usage.handle": w.UsageRecord(provider="p", model="m", generate=True, detail=w.UsageDetail(input_tokens=5)),
    "command_line.register": w.CommandLineRegistrationRequest(plugin=META),
    "command_line.execute": w.CommandLineExecutionRequest(plugin=META, program="cpa", args=["-go", "x"]),
    "management.register": w.ManagementRegistrationRequest(
        plugin=META, base_path="/v0/management", resource_base_path="/v0/resource/plugins/everything"
    ),
    "management.handle": w.ManagementRequest(
        method="GET", path="/v0/resource/plugins/everything/status", host_callback_id="25"
    ),
}

IDENTIFIERS = {
    "auth.identifier": "auth-id",
    "frontend_auth.identifier": "front",
    "executor.identifier": "exec",
    "thinking.identifier": "think",
}


def go_shaped(model: GoModel) -> bytes:
    """Every field present, zero values and nulls included, as Go's encoder writes structs."""
    return json.dumps(model.model_dump(mode="json", by_alias=True, exclude={"__pydantic_extra__"})).encode()


def test_the_table_covers_every_method_of_schema_3() -> None:
    from cpa_sdk.wire.methods import METHODS

    plugin_methods = {name for name, spec in METHODS.items() if spec.direction == "plugin"}
    assert len(plugin_methods) == 37  # every host->plugin Method* constant of sdk/pluginabi
    capability_methods = plugin_methods - {"plugin.register", "plugin.reconfigure", "plugin.shutdown"}
    assert set(REQUESTS) | set(IDENTIFIERS) == capability_methods == set(wire_methods_by_name())


@pytest.fixture(scope="module")
def harness() -> PluginHarness:
    h = PluginHarness(Everything)
    h.register()
    return h


@pytest.mark.parametrize("method", sorted(REQUESTS))
def test_method_round_trip(harness: PluginHarness, method: str) -> None:
    request = REQUESTS[method]
    result = harness.call_raw(method, go_shaped(request))
    assert result.rc == 0 and result.ok, result.raw
    plugin: Any = harness.plugin
    assert plugin.received[method] == request
    wire_method = wire_methods_by_name()[method]
    if wire_method.kind == "void":
        assert result.result == {}
    elif wire_method.kind == "stream":
        assert result.result == {
            "headers": {"X": ["1"]},
            "chunks": [{"Payload": "eyJ4IjoxfQ=="}, {"Payload": "dGFpbA=="}],
        }
    else:
        expected = getattr(Everything(harness.host), wire_method.attr)(request)
        assert_wire_equal(result.raw.split(b'"result":', 1)[1][:-1], expected.model_dump_json())


@pytest.mark.parametrize("method", sorted(IDENTIFIERS))
def test_identifiers(harness: PluginHarness, method: str) -> None:
    assert harness.call_raw(method, b"{}").envelope == {"ok": True, "result": {"identifier": IDENTIFIERS[method]}}


def test_registration_flags_are_derived_from_the_bases(harness: PluginHarness) -> None:
    flags = harness.call_raw("plugin.reconfigure", b'{"config_yaml":null,"schema_version":3}').result["capabilities"]
    assert flags == {
        "model_registrar": True,
        "model_provider": True,
        "auth_provider": True,
        "frontend_auth_provider": True,
        "frontend_auth_provider_exclusive": True,
        "scheduler": True,
        "model_router": True,
        "executor": True,
        "executor_model_scope": "static",
        "executor_input_formats": ["openai"],
        "executor_output_formats": ["openai", "claude"],
        "request_translator": True,
        "request_normalizer": True,
        "request_interceptor": True,
        "request_lifecycle_plugin": True,
        "response_translator": True,
        "response_before_translator": True,
        "response_after_translator": True,
        "response_interceptor": True,
        "response_stream_interceptor": True,
        "thinking_applier": True,
        "usage_plugin": True,
        "command_line_plugin": True,
        "management_api": True,
    }


def test_go_key_spelling_of_answers(harness: PluginHarness) -> None:
    pick = harness.call_raw("scheduler.pick", go_shaped(REQUESTS["scheduler.pick"])).result
    assert pick == {"AuthID": "a2", "Handled": True}
    route = harness.call_raw("model.route", go_shaped(REQUESTS["model.route"])).result
    assert route == {"Handled": True, "TargetKind": "self", "Reason": "m"}
    management = harness.call_raw("management.register", go_shaped(REQUESTS["management.register"])).result
    assert management == {
        "routes": [{"Method": "POST", "Path": "/x"}],
        "resources": [{"Path": "/status", "Menu": "Status"}],
    }
    refresh = harness.call_raw("auth.refresh", go_shaped(REQUESTS["auth.refresh"])).result
    assert refresh == {"Auth": {"ID": "a1", "StorageJSON": "+/8="}}
