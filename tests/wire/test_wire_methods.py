"""The ``METHODS`` table: every method of CPA v7.2.140 with the models of its request and result."""

from __future__ import annotations

import dataclasses

import pytest
from _wire_support import MODELS

import cpa_sdk.wire as wire
from cpa_sdk.wire import METHODS, EmptyRequest, EmptyResponse, IdentifierResponse, MethodWire

# cpa-protocol.md §5.20, checked against rpc_schema.go / rpc_client.go in test_wire_gotruth.py.
WITH_CALLBACK_ID = {
    "model.for_auth",
    "model.route",
    "auth.login.start",
    "auth.login.poll",
    "auth.refresh",
    "executor.execute",
    "executor.execute_stream",
    "executor.count_tokens",
    "executor.http_request",
    "request.intercept_before",
    "request.intercept_after",
    "request.complete",
    "response.intercept_after",
    "response.intercept_stream_chunk",
    "thinking.apply",
    "management.handle",
}
# §7.1: host callbacks that accept a host_callback_id from the plugin.
HOST_WITH_CALLBACK_ID = {
    "host.log",
    "host.http.do",
    "host.http.do_stream",
    "host.model.execute",
    "host.model.execute_stream",
}


def test_counts() -> None:
    assert len(METHODS) == 52
    assert sum(m.direction == "plugin" for m in METHODS.values()) == 37
    assert sum(m.direction == "host" for m in METHODS.values()) == 15
    assert all(name.startswith("host.") == (m.direction == "host") for name, m in METHODS.items())


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        METHODS["x"] = METHODS["host.log"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        METHODS["host.log"].name = "y"  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(METHODS))
def test_row(name: str) -> None:
    row = METHODS[name]
    assert isinstance(row, MethodWire) and row.name == name
    assert row.request in MODELS and row.response in MODELS
    has_field = "host_callback_id" in row.request.model_fields
    assert row.carries_callback_id == has_field
    expected = WITH_CALLBACK_ID if row.direction == "plugin" else HOST_WITH_CALLBACK_ID
    assert row.carries_callback_id == (name in expected)
    # Only executor requests carry stream_id; only host stream calls take one.
    if "stream_id" in row.request.model_fields:
        assert name.startswith(("executor.", "host.")), name


def test_identifier_methods() -> None:
    identifiers = {name for name, row in METHODS.items() if row.response is IdentifierResponse}
    assert identifiers == {"auth.identifier", "frontend_auth.identifier", "executor.identifier", "thinking.identifier"}
    assert all(METHODS[name].request is EmptyRequest for name in identifiers)


def test_empty_results() -> None:
    empty = {name for name, row in METHODS.items() if row.response is EmptyResponse}
    assert empty == {
        "plugin.shutdown",
        "request.complete",
        "usage.handle",
        "host.log",
        "host.http.stream_close",
        "host.model.stream_close",
        "host.stream.emit",
        "host.stream.close",
    }
    assert METHODS["host.auth.list"].request is EmptyRequest


def test_every_request_and_result_model_is_used() -> None:
    used = {row.request for row in METHODS.values()} | {row.response for row in METHODS.values()}
    # Models that only appear nested inside others.
    nested = {
        "AuthData",
        "CapabilityFlags",
        "CommandLineFlag",
        "CommandLineFlagValue",
        "ConfigField",
        "ExecutorStreamChunk",
        "HostAuthFileEntry",
        "HostConfigSummary",
        "HostRecentRequestEntry",
        "ManagementRoute",
        "Metadata",
        "ModelAlias",
        "ModelInfo",
        "ResourceRoute",
        "SchedulerAuthCandidate",
        "SchedulerOptions",
        "ThinkingConfig",
        "ThinkingSupport",
        "UsageDetail",
        "UsageFailure",
    }
    assert {cls.__name__ for cls in MODELS} - {cls.__name__ for cls in used if cls} == nested


def test_public_names() -> None:
    assert len(set(wire.__all__)) == len(wire.__all__)
    for name in wire.__all__:
        assert hasattr(wire, name), name
    assert {cls.__name__ for cls in MODELS} <= set(wire.__all__)
