"""``decode`` reads the wire models the way Go's ``json.Unmarshal`` reads the host structs, and
every model follows the Go zero-value rules that ``encode`` relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, get_args

import pytest
from _wire_support import MODELS, parse, populated
from pydantic import ValidationError

from cpa_sdk.wire import (
    AuthLoginStartResponse,
    AuthModelRequest,
    CapabilityFlags,
    CommandLineExecutionRequest,
    ExecutorHTTPResponse,
    ExecutorRequest,
    ExecutorResponse,
    ExecutorStreamChunk,
    FrontendAuthResponse,
    HostAuthSaveRequest,
    HostModelStreamReadResponse,
    HTTPResponse,
    LifecycleRequest,
    ManagementResponse,
    Metadata,
    ModelInfo,
    ModelRegistrationResponse,
    Registration,
    SchedulerPickResponse,
    StreamIDRequest,
    UsageRecord,
    WireDecodeError,
    decode,
    encode,
)
from cpa_sdk.wire._go import GoModel

# ---------------------------------------------------------------------------------------------
# Keys


def test_keys_match_case_insensitively_but_underscores_count() -> None:
    assert decode(AuthModelRequest, b'{"authid":"x"}').auth_id == "x"
    assert decode(AuthModelRequest, b'{"AUTHID":"x"}').auth_id == "x"
    assert decode(AuthModelRequest, b'{"AuthId":"x","Plugin":{"githubrepository":"r"}}').plugin.github_repository == "r"
    assert decode(AuthModelRequest, b'{"auth_id":"x"}').auth_id == ""
    assert decode(Metadata, b'{"github_repository":"r"}').github_repository == ""


def test_snake_case_tags_are_exact_names_too() -> None:
    assert decode(ExecutorRequest, b'{"STREAM_ID":"3","Host_Callback_ID":"9"}').stream_id == "3"
    assert decode(ExecutorRequest, b'{"streamid":"3"}').stream_id == ""
    assert decode(CapabilityFlags, b'{"Response_Stream_Interceptor":true}').response_stream_interceptor
    assert not decode(CapabilityFlags, b'{"stream_chunk_interceptor":true}').response_stream_interceptor


def test_scheduler_pick_snake_keys_are_ignored() -> None:
    # Appendix B: {"auth_id":"a","handled":true} yields AuthID "" and Handled true.
    response = decode(SchedulerPickResponse, b'{"auth_id":"a","handled":true,"delegate_builtin":"fill-first"}')
    assert response == SchedulerPickResponse(handled=True)


def test_last_duplicate_key_wins() -> None:
    assert decode(AuthModelRequest, b'{"AuthID":"a","AUTHID":"b"}').auth_id == "b"
    assert decode(AuthModelRequest, b'{"AuthID":"a","AuthID":"b"}').auth_id == "b"


def test_unknown_keys_are_ignored_and_forgotten() -> None:
    raw = b'{"Payload":"aGk=","Err":null,"Extra":{"x":[1]},"payload_v2":"zzz"}'
    chunk = decode(ExecutorStreamChunk, raw)
    assert chunk == ExecutorStreamChunk(payload=b"hi")
    assert encode(chunk) == b'{"Payload":"aGk="}'
    nested = decode(ModelRegistrationResponse, b'{"Provider":"p","Models":[{"ID":"m","Nope":1}],"More":2}')
    assert nested == ModelRegistrationResponse(provider="p", models=[ModelInfo(id="m")])
    assert encode(nested) == b'{"Provider":"p","Models":[{"ID":"m"}]}'


# ---------------------------------------------------------------------------------------------
# null and zero values


def test_null_leaves_zero_values() -> None:
    raw = b'{"StatusCode":null,"Headers":null,"Body":null}'
    assert decode(ExecutorHTTPResponse, raw) == ExecutorHTTPResponse()
    record = decode(UsageRecord, b'{"Failure":null,"Detail":null,"Latency":null,"RequestedAt":null,"Generate":null}')
    assert record == UsageRecord()
    assert decode(AuthModelRequest, b'{"Plugin":null,"AuthID":null,"Metadata":null}') == AuthModelRequest()


def test_null_document_is_the_zero_struct() -> None:
    assert decode(ExecutorResponse, b"null") == ExecutorResponse()


def test_null_struct_inside_a_list_or_map_is_the_zero_struct() -> None:
    models = decode(ModelRegistrationResponse, b'{"Models":[null,{"ID":"m"}]}').models
    assert models is not None and [m.id for m in models] == ["", "m"]
    flags = decode(CommandLineExecutionRequest, b'{"Flags":{"a":null}}').flags
    assert flags is not None and flags["a"].name == "" and not flags["a"].set


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_defaults_are_go_zero_values(cls: type[GoModel]) -> None:
    empty = cls()
    assert encode(empty) == b"{}"
    assert decode(cls, b"{}") == empty
    for name, info in cls.model_fields.items():
        default = info.get_default(call_default_factory=True)
        assert default in ("", 0, False, None, timedelta(0)) or (
            isinstance(default, GoModel) and default == type(default)()
        ), f"{cls.__name__}.{name} defaults to {default!r}"
        if default is False or default == 0:
            assert type(default) in (bool, int), name


# ---------------------------------------------------------------------------------------------
# []byte


def test_bytes_need_standard_padded_base64() -> None:
    with pytest.raises(WireDecodeError):
        decode(ExecutorResponse, b'{"Payload":"aGk"}')
    with pytest.raises(WireDecodeError):
        decode(ExecutorResponse, b'{"Payload":"-_8="}')
    assert decode(ExecutorResponse, b'{"Payload":"+/8="}').payload == b"\xfb\xff"
    assert decode(ExecutorResponse, b'{"Payload":"aG\\r\\nk="}').payload == b"hi"


def test_bytes_accept_an_array_of_byte_values() -> None:
    assert decode(ExecutorResponse, b'{"Payload":[104,105]}').payload == b"hi"
    with pytest.raises(WireDecodeError):
        decode(ExecutorResponse, b'{"Payload":[104,256]}')


def test_bytes_encode_as_standard_base64() -> None:
    assert encode(ExecutorResponse(payload=b"\xfb\xff")) == b'{"Payload":"+/8="}'
    assert encode(ExecutorResponse(payload=b"")) == b'{"Payload":""}'
    assert parse(encode(HostModelStreamReadResponse(payload=b"\xfb\xff", done=True))) == {
        "payload": "+/8=",
        "done": True,
    }


# ---------------------------------------------------------------------------------------------
# Numbers, booleans, strings


@pytest.mark.parametrize("cls", [ExecutorHTTPResponse, ManagementResponse, HTTPResponse])
@pytest.mark.parametrize("raw", [b'{"StatusCode":200.0}', b'{"StatusCode":2e2}', b'{"StatusCode":"200"}'])
def test_integers_must_be_integers(cls: type[GoModel], raw: bytes) -> None:
    with pytest.raises(WireDecodeError):
        decode(cls, raw)


def test_integer_ranges_are_go_ranges() -> None:
    with pytest.raises(WireDecodeError):
        decode(LifecycleRequest, b'{"schema_version":-1}')
    with pytest.raises(WireDecodeError):
        decode(Registration, b'{"schema_version":4294967296}')
    assert decode(Registration, b'{"schema_version":4294967295}').schema_version == 4294967295
    with pytest.raises(WireDecodeError):
        decode(
            UsageRecord, b'{"Detail":{"InputTokens":9223372036854775808}}'
        ).model_dump()  # decoded lazily: fails when read
    with pytest.raises(ValidationError):
        ExecutorHTTPResponse(status_code=1 << 63)
    with pytest.raises(ValidationError):
        Registration(schema_version=-1)


def test_booleans_must_be_booleans() -> None:
    for raw in (b'{"Authenticated":1}', b'{"Authenticated":"true"}'):
        with pytest.raises(WireDecodeError):
            decode(FrontendAuthResponse, raw)
    with pytest.raises(WireDecodeError):
        decode(CapabilityFlags, b'{"executor":1}')


def test_strings_must_be_strings() -> None:
    with pytest.raises(WireDecodeError):
        decode(StreamIDRequest, b'{"stream_id":3}')


def test_header_values_must_be_lists() -> None:
    with pytest.raises(WireDecodeError):
        decode(ExecutorResponse, b'{"Headers":{"A":"b"}}')
    assert decode(ExecutorResponse, b'{"Headers":{"A":["b","c"]}}').headers == {"A": ["b", "c"]}


def test_not_an_object_is_rejected() -> None:
    for raw in (b"[]", b'"x"', b"1", b"", b"{} {}", b"{"):
        with pytest.raises(WireDecodeError):
            decode(ExecutorResponse, raw)


# ---------------------------------------------------------------------------------------------
# time.Time and time.Duration


def test_empty_time_is_rejected_and_null_accepted() -> None:
    with pytest.raises(WireDecodeError):
        decode(AuthLoginStartResponse, b'{"ExpiresAt":""}')
    assert decode(AuthLoginStartResponse, b'{"ExpiresAt":null}').expires_at is None


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-02T03:04:05",
        "2026-01-02",
        "2026-01-02 03:04:05Z",
        "2026-01-02t03:04:05Z",
        "2026-01-02T03:04:05z",
        "2026-01-02T03:04Z",
        "2026-01-02T03:04:05+0530",
        "20260102T030405Z",
    ],
)
def test_times_go_rejects_are_rejected(text: str) -> None:
    with pytest.raises(WireDecodeError):
        decode(AuthLoginStartResponse, b'{"ExpiresAt":"%s"}' % text.encode())


def test_times_keep_their_zone_and_read_nanoseconds() -> None:
    expires = decode(AuthLoginStartResponse, b'{"ExpiresAt":"2026-01-02T03:04:05.123456789+05:30"}').expires_at
    assert expires == datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert expires is not None and expires.utcoffset() == timedelta(hours=5, minutes=30)
    assert decode(AuthLoginStartResponse, b'{"ExpiresAt":"0001-01-01T00:00:00Z"}').expires_at is None
    assert encode(AuthLoginStartResponse(expires_at=datetime(2026, 1, 2, tzinfo=UTC))) == (
        b'{"ExpiresAt":"2026-01-02T00:00:00Z"}'
    )


def test_naive_times_cannot_be_built() -> None:
    with pytest.raises(ValidationError):
        AuthLoginStartResponse(expires_at=datetime(2026, 1, 2))


def test_durations_are_integer_nanoseconds() -> None:
    record = UsageRecord(latency=timedelta(seconds=1, microseconds=5), ttft=timedelta(milliseconds=250))
    assert parse(encode(record)) == {"Latency": 1_000_005_000, "TTFT": 250_000_000}
    with pytest.raises(WireDecodeError):
        decode(UsageRecord, b'{"Latency":1.5}').model_dump()  # decoded lazily: fails when read
    with pytest.raises(WireDecodeError):
        decode(UsageRecord, b'{"Latency":"1s"}').model_dump()  # decoded lazily: fails when read


# ---------------------------------------------------------------------------------------------
# json.RawMessage


def test_embedded_json_is_any_json_value() -> None:
    request = HostAuthSaveRequest(name="a.json", json={"type": "p", "n": [1, 2.5, None]})
    assert parse(encode(request)) == {"name": "a.json", "json": {"type": "p", "n": [1, 2.5, None]}}
    assert decode(HostAuthSaveRequest, encode(request)) == request


# ---------------------------------------------------------------------------------------------
# Structure


def _recase(cls: type[GoModel], value: Any, change: Any) -> Any:
    """Apply ``change`` to every struct key (never to map keys) of JSON for ``cls``."""
    if not isinstance(value, dict):
        return value
    by_alias = {info.alias: info for info in cls.model_fields.values()}
    out: dict[str, Any] = {}
    for key, item in value.items():
        shape = next(s for s in cls._shapes.values() if s.alias == key)
        nested, container = shape.nested, shape.container
        assert by_alias[key]
        if nested is not None and item is not None:
            if container == "":
                item = _recase(nested, item, change)
            elif container == "list":
                item = [_recase(nested, v, change) for v in item]
            elif container == "dict":
                item = {k: _recase(nested, v, change) for k, v in item.items()}
            else:
                item = {k: [_recase(nested, e, change) for e in v] for k, v in item.items()}
        out[change(key)] = item
    return out


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("change", [str.upper, str.lower, str.swapcase], ids=["upper", "lower", "swapcase"])
def test_every_key_matches_in_any_case(cls: type[GoModel], change: Any) -> None:
    import pydantic_core

    instance = populated(cls)
    recased = _recase(cls, parse(encode(instance)), change)
    assert decode(cls, pydantic_core.to_json(recased)) == instance


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_nested_models_are_seen_by_the_decoder(cls: type[GoModel]) -> None:
    # A nested model the decoder could not see would miss case folding and base64 checks.
    for name, info in cls.model_fields.items():
        mentions_model = _mentions_model(info.annotation)
        assert (cls._shapes[name].nested is not None) == mentions_model, name


def _mentions_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, GoModel):
        return True
    return any(_mentions_model(arg) for arg in get_args(annotation))
