"""The example messages of cpa-protocol.md Appendix B (and §4.3), byte for byte as Go writes them.

Each one must decode into its model with the intended values and re-encode to the same JSON once
Go zero values are dropped (``encode`` leaves them out; Go reads a missing key as zero).
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
from _wire_support import parse

from cpa_sdk.testing import go_zero_stripped
from cpa_sdk.wire import (
    STREAM_CHUNK_HEADER_INIT_INDEX,
    EmptyRequest,
    ExecutorRequest,
    ExecutorStreamResponse,
    HostAuthListResponse,
    HostHTTPStreamReadResponse,
    HostHTTPStreamResponse,
    HostModelExecutionRequest,
    HostModelStreamReadResponse,
    HTTPResponse,
    LifecycleRequest,
    Registration,
    RequestCompletion,
    StreamChunkInterceptRequest,
    UsageRecord,
    decode,
    encode,
)
from cpa_sdk.wire._go import GoModel

APPENDIX_B: list[tuple[str, type[GoModel], str]] = [
    (
        "plugin.register request",
        LifecycleRequest,
        '{"config_yaml":"ZW5hYmxlZDogdHJ1ZQpwcmlvcml0eTogMQo=","schema_version":3}',
    ),
    ("identifier request", EmptyRequest, "{}"),
    (
        "executor.execute_stream request",
        ExecutorRequest,
        '{"AuthID":"","AuthProvider":"","Model":"m","Format":"openai","Stream":false,"Alt":"","Headers":null,'
        '"Query":null,"OriginalRequest":null,"SourceFormat":"","Payload":"eyJ4IjoxfQ==","Metadata":null,'
        '"StorageJSON":null,"AuthMetadata":null,"AuthAttributes":null,"stream_id":"3","host_callback_id":"9"}',
    ),
    (
        "executor.execute_stream inline response result",
        ExecutorStreamResponse,
        '{"headers":{"Content-Type":["text/event-stream"]},"chunks":[{"Payload":"ZGF0YTogeAoK","Err":null}]}',
    ),
    (
        "request.complete request",
        RequestCompletion,
        '{"RequestID":"u","TraceID":"","SourceFormat":"","Model":"","RequestedModel":"","Stream":false,'
        '"Outcome":"succeeded","StatusCode":200,"Error":"","StartedAt":"2026-08-01T01:02:03.456789+08:00",'
        '"CompletedAt":"0001-01-01T00:00:00Z","Metadata":null}',
    ),
    (
        "response.intercept_stream_chunk request (header-init)",
        StreamChunkInterceptRequest,
        '{"RequestID":"u","SourceFormat":"","Model":"","RequestedModel":"","RequestHeaders":null,'
        '"ResponseHeaders":null,"OriginalRequest":"e30=","RequestBody":null,"Body":null,"HistoryChunks":null,'
        '"ChunkIndex":-1,"Metadata":null}',
    ),
    (
        "usage.handle request",
        UsageRecord,
        '{"Provider":"p","ExecutorType":"","Model":"","Alias":"","APIKey":"","AuthID":"","AuthIndex":"",'
        '"AuthType":"","Source":"","ReasoningEffort":"","ServiceTier":"","Generate":true,'
        '"RequestedAt":"0001-01-01T00:00:00Z","Latency":1500000000,"TTFT":250000000,"Failed":false,'
        '"Failure":{"StatusCode":0,"Body":""},"Detail":{"InputTokens":0,"OutputTokens":0,'
        '"ReasoningTokens":0,"CachedTokens":0,"CacheReadTokens":0,"CacheCreationTokens":0,"TotalTokens":0},'
        '"ResponseHeaders":null}',
    ),
    ("host.http.do result", HTTPResponse, '{"StatusCode":200,"Headers":{"Content-Type":["a"]},"Body":"b2s="}'),
    ("host.http.do_stream result", HostHTTPStreamResponse, '{"status_code":200,"stream_id":"5"}'),
    ("host.http.stream_read result (data)", HostHTTPStreamReadResponse, '{"payload":"YWJj"}'),
    ("host.http.stream_read result (done)", HostHTTPStreamReadResponse, '{"done":true}'),
    (
        "host.model.execute request",
        HostModelExecutionRequest,
        '{"entry_protocol":"","exit_protocol":"","model":"m","stream":false,'
        '"body":"e30=","headers":null,"query":null,"alt":"","host_callback_id":"4"}',
    ),
    ("host.model.stream_read result", HostModelStreamReadResponse, '{"payload":null,"error":"","done":true}'),
    (
        "host.auth.list result",
        HostAuthListResponse,
        '{"files":[{"name":"a.json","source":"file","modtime":"0001-01-01T00:00:00Z",'
        '"updated_at":"0001-01-01T00:00:00Z","created_at":"0001-01-01T00:00:00Z",'
        '"last_refresh":"0001-01-01T00:00:00Z","next_retry_after":"0001-01-01T00:00:00Z"}]}',
    ),
    (
        "registration response result (§4.3)",
        Registration,
        '{"schema_version":3,"metadata":{"Name":"n","Version":"1.0.0","Author":"a",'
        '"GitHubRepository":"https://github.com/o/r","Logo":"https://x/logo.png","ConfigFields":'
        '[{"Name":"mode","Type":"enum","EnumValues":["safe","fast"],"Description":"d"}]},'
        '"capabilities":{"executor":true,"executor_model_scope":"both",'
        '"executor_input_formats":["openai"],"executor_output_formats":["openai"]}}',
    ),
]


@pytest.mark.parametrize(("what", "cls", "text"), APPENDIX_B, ids=[row[0] for row in APPENDIX_B])
def test_appendix_b_round_trips(what: str, cls: type[GoModel], text: str) -> None:
    model = decode(cls, text.encode())
    assert parse(encode(model)) == go_zero_stripped(parse(text))
    # Decoding what we encode gives the same model back.
    assert decode(cls, encode(model)) == model


def _decoded(what: str) -> GoModel:
    for name, cls, text in APPENDIX_B:
        if name == what:
            return decode(cls, text.encode())
    raise KeyError(what)


def test_register_request_values() -> None:
    request = _decoded("plugin.register request")
    assert isinstance(request, LifecycleRequest)
    assert request.config_yaml == b"enabled: true\npriority: 1\n"
    assert request.schema_version == 3


def test_execute_stream_request_values() -> None:
    request = _decoded("executor.execute_stream request")
    assert isinstance(request, ExecutorRequest)
    assert (request.model, request.format, request.payload) == ("m", "openai", b'{"x":1}')
    assert (request.stream_id, request.host_callback_id) == ("3", "9")
    assert request.headers is None and request.original_request is None and request.auth_metadata is None


def test_inline_stream_response_values() -> None:
    response = _decoded("executor.execute_stream inline response result")
    assert isinstance(response, ExecutorStreamResponse)
    assert response.headers == {"Content-Type": ["text/event-stream"]}
    assert response.chunks is not None and [c.payload for c in response.chunks] == [b"data: x\n\n"]
    # "Err":null is read and forgotten, as Go does; it is never written back.
    assert b"Err" not in encode(response)


def test_request_complete_values() -> None:
    completion = _decoded("request.complete request")
    assert isinstance(completion, RequestCompletion)
    assert completion.outcome == "succeeded" and completion.status_code == 200
    assert completion.started_at == datetime(2026, 8, 1, 1, 2, 3, 456789, tzinfo=timezone(timedelta(hours=8)))
    assert completion.started_at is not None and completion.started_at.utcoffset() == timedelta(hours=8)
    assert completion.completed_at is None  # Go's zero time means unset
    assert b'"StartedAt":"2026-08-01T01:02:03.456789+08:00"' in encode(completion)


def test_header_init_values() -> None:
    request = _decoded("response.intercept_stream_chunk request (header-init)")
    assert isinstance(request, StreamChunkInterceptRequest)
    assert request.chunk_index == STREAM_CHUNK_HEADER_INIT_INDEX == -1
    assert request.original_request == b"{}"
    assert request.body is None and request.history_chunks is None


def test_usage_values() -> None:
    record = _decoded("usage.handle request")
    assert isinstance(record, UsageRecord)
    assert record.latency == timedelta(seconds=1.5) and record.ttft == timedelta(milliseconds=250)
    assert record.generate is True and record.requested_at is None
    assert record.failure.status_code == 0 and record.detail.total_tokens == 0


def test_host_results_values() -> None:
    http = _decoded("host.http.do result")
    assert isinstance(http, HTTPResponse)
    assert (http.status_code, http.headers, http.body) == (200, {"Content-Type": ["a"]}, b"ok")
    stream = _decoded("host.http.do_stream result")
    assert isinstance(stream, HostHTTPStreamResponse)
    assert (stream.status_code, stream.stream_id, stream.headers) == (200, "5", None)
    read = _decoded("host.http.stream_read result (data)")
    assert isinstance(read, HostHTTPStreamReadResponse)
    assert (read.payload, read.done) == (b"abc", False)
    model_read = _decoded("host.model.stream_read result")
    assert isinstance(model_read, HostModelStreamReadResponse)
    assert (model_read.payload, model_read.error, model_read.done) == (None, "", True)
    listing = _decoded("host.auth.list result")
    assert isinstance(listing, HostAuthListResponse) and listing.files is not None
    (entry,) = listing.files
    assert (entry.name, entry.source, entry.modtime, entry.next_retry_after) == ("a.json", "file", None, None)


def test_host_model_execute_request_encodes_as_go_does() -> None:
    request = HostModelExecutionRequest(model="m", body=b"{}", host_callback_id="4")
    assert encode(request) == b'{"model":"m","body":"e30=","host_callback_id":"4"}'


def test_registration_values() -> None:
    registration = _decoded("registration response result (§4.3)")
    assert isinstance(registration, Registration)
    assert registration.metadata.github_repository == "https://github.com/o/r"
    assert registration.metadata.config_fields is not None
    assert registration.metadata.config_fields[0].enum_values == ["safe", "fast"]
    assert registration.capabilities.executor is True
    assert registration.capabilities.executor_input_formats == ["openai"]
    assert registration.capabilities.model_router is False


def test_config_yaml_is_standard_base64() -> None:
    request = LifecycleRequest(config_yaml=b"enabled: true\npriority: 0\n", schema_version=3)
    assert encode(request) == b'{"config_yaml":"ZW5hYmxlZDogdHJ1ZQpwcmlvcml0eTogMAo=","schema_version":3}'
    assert base64.b64decode("ZW5hYmxlZDogdHJ1ZQpwcmlvcml0eTogMAo=") == request.config_yaml
