"""Models declared ``@decoded_lazily`` (stream chunks, usage records, scheduler picks): a field is
validated when first read, exactly as the full decode validates it, and the model is the one it
stands for. (The candidates of ``scheduler.pick``: test_lazy_items.py.)"""

from __future__ import annotations

import base64
import copy
import json
import pickle
from typing import Any

import pytest
from pydantic import BaseModel

from cpa_sdk.wire import (
    StreamChunkInterceptRequest,
    UsageDetail,
    UsageRecord,
    WireDecodeError,
    decode,
    encode,
)
from cpa_sdk.wire._go import GoModel, _decode_eager

CHUNK = (
    b'{"requestid":"r","SourceFormat":"openai","Model":"m","RequestedModel":"rm","RequestHeaders":{"A":["1"]},'
    b'"ResponseHeaders":{"B":null},"OriginalRequest":"e30=","RequestBody":[123,125],"Body":"YQ==",'
    b'"HistoryChunks":["YQ==",null],"ChunkIndex":2,"Metadata":{"k":1},"host_callback_id":"7"}'
)

RECORD = json.dumps(
    {
        "Provider": "codex",
        "Model": "gpt-5.5",
        "Generate": True,
        "RequestedAt": "2026-12-04T18:20:31.123456789Z",
        "Latency": 4_512_000_000,
        "TTFT": 612_000_000,
        "Failure": {"StatusCode": 0, "Body": ""},
        "Detail": {"InputTokens": 2412, "OutputTokens": 388, "TotalTokens": 2800},
        "ResponseHeaders": {"X-Request-Id": ["a"]},
    }
).encode()


def _decoded(model: GoModel) -> dict[str, Any]:
    return dict(BaseModel.__dict__["__dict__"].__get__(model))  # the fields validated so far


@pytest.mark.parametrize(("cls", "raw"), [(StreamChunkInterceptRequest, CHUNK), (UsageRecord, RECORD)])
def test_every_field_reads_as_the_full_decode_gives_it(cls: type[GoModel], raw: bytes) -> None:
    lazy, full = decode(cls, raw), _decode_eager(cls, raw)
    assert type(lazy) is not cls and isinstance(lazy, cls)
    for name in cls.model_fields:
        assert getattr(lazy, name) == getattr(full, name), name
    assert lazy == full and encode(lazy) == encode(full) and repr(lazy) == repr(full)
    assert lazy.model_fields_set == full.model_fields_set


def test_nothing_is_decoded_until_read() -> None:
    record = decode(UsageRecord, RECORD)
    assert _decoded(record) == {}
    detail = record.detail
    assert isinstance(detail, UsageDetail) and list(_decoded(record)) == ["detail"]
    assert detail.total_tokens == 2800 and _decoded(detail) == {}  # a scalar of its type needs no keeping
    assert record.latency.total_seconds() == 4.512


def test_a_wrong_field_fails_when_read_and_not_before() -> None:
    record = decode(UsageRecord, b'{"Model":"m","Latency":1.5,"Detail":{"InputTokens":"3"}}')
    assert record.model == "m"
    with pytest.raises(WireDecodeError, match="Latency"):
        record.latency
    with pytest.raises(WireDecodeError, match="InputTokens"):
        record.detail.input_tokens
    with pytest.raises(WireDecodeError):
        encode(record)  # encoding reads every field
    for bad, field in ((b'{"ChunkIndex":"2"}', "chunk_index"), (b'{"ChunkIndex":true}', "chunk_index")):
        with pytest.raises(WireDecodeError):
            getattr(decode(StreamChunkInterceptRequest, bad), field)
    with pytest.raises(WireDecodeError):
        decode(StreamChunkInterceptRequest, b'{"Metadata":"x"}').metadata


def test_what_is_not_an_object_fails_at_decode_as_in_go() -> None:
    for bad in (b"[1]", b'"x"', b"{", b""):
        with pytest.raises(WireDecodeError):
            decode(UsageRecord, bad)
    assert decode(UsageRecord, b"null") == UsageRecord()


def test_keys_match_as_go_matches_them_at_every_level() -> None:
    canonical = decode(StreamChunkInterceptRequest, b'{"Model":"m","RequestedModel":"r","ChunkIndex":3,"Body":"eA=="}')
    spelt = decode(
        StreamChunkInterceptRequest,
        b'{"model":"x","MODEL":"m","requestedmodel":"r","chunkINDEX":3,"body":"eA==","Other":1}',
    )
    for chunk in (canonical, spelt):
        assert (chunk.model, chunk.requested_model, chunk.chunk_index, chunk.body) == ("m", "r", 3, b"x")
    record = decode(UsageRecord, b'{"Detail":{"totaltokens":3,"TotalTokens":4,"Unknown":1},"failure":null}')
    assert record.detail == UsageDetail(total_tokens=4) and record.failure.status_code == 0


def test_null_and_missing_give_go_zero_values() -> None:
    chunk = decode(StreamChunkInterceptRequest, b'{"Model":null,"ChunkIndex":null,"HistoryChunks":null}')
    assert (chunk.model, chunk.chunk_index, chunk.history_chunks, chunk.body, chunk.metadata) == (
        "",
        0,
        None,
        None,
        None,
    )
    assert decode(StreamChunkInterceptRequest, b'{"ResponseHeaders":{"A":null}}').response_headers == {"A": []}
    record = decode(UsageRecord, b'{"Detail":null,"RequestedAt":"0001-01-01T00:00:00Z"}')
    assert record.detail == UsageDetail() and record.requested_at is None


@pytest.mark.parametrize("size", [10, 5000])
def test_bytes_decode_as_go_decodes_them_whatever_their_size(size: int) -> None:
    body = bytes(range(256)) * (size // 256 + 1)
    text = base64.b64encode(body).decode()
    assert decode(StreamChunkInterceptRequest, json.dumps({"Body": text}).encode()).body == body
    history = decode(StreamChunkInterceptRequest, json.dumps({"HistoryChunks": [text, None]}).encode())
    assert history.history_chunks == [body, None]
    for bad in (
        base64.urlsafe_b64encode(body).decode(),
        text[:-1],
        text.rstrip("="),
        "!" * 8,
        text[:4] + "=" + text[5:],
    ):
        with pytest.raises(WireDecodeError):
            decode(StreamChunkInterceptRequest, json.dumps({"Body": bad}).encode()).body
    wrapped = "\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))  # Go skips \r and \n
    assert decode(StreamChunkInterceptRequest, json.dumps({"Body": wrapped}).encode()).body == body


def test_a_lazy_model_copies_pickles_and_compares_as_the_plain_model() -> None:
    full = _decode_eager(UsageRecord, RECORD)
    for copied in (copy.copy(decode(UsageRecord, RECORD)), copy.deepcopy(decode(UsageRecord, RECORD))):
        assert copied == full
    assert pickle.loads(pickle.dumps(decode(UsageRecord, RECORD))) == full
    assert decode(UsageRecord, RECORD).model_dump() == full.model_dump()
    edited = decode(UsageRecord, RECORD)
    edited.model = "other"  # setting a field completes the model first
    assert edited.provider == "codex" and edited.model == "other"


def test_built_in_python_a_model_is_ordinary() -> None:
    assert type(UsageRecord(model="m")) is UsageRecord
    assert type(StreamChunkInterceptRequest.model_validate({"ChunkIndex": 1})) is StreamChunkInterceptRequest
    assert StreamChunkInterceptRequest(chunk_index=-1).is_header_init


def test_a_lazy_model_inside_a_model_built_in_python_encodes_whole() -> None:
    from cpa_sdk.wire import SchedulerAuthCandidate, SchedulerPickRequest

    raw = json.dumps(
        {"Plugin": {"Name": "n"}, "Candidates": [{"ID": "a", "Priority": 1, "Attributes": {"x": "y"}}]}
    ).encode()
    request = decode(SchedulerPickRequest, raw)
    built = SchedulerPickRequest(plugin=request.plugin, candidates=request.candidates)
    assert json.loads(encode(built)) == {
        "Plugin": {"Name": "n"},
        "Candidates": [{"ID": "a", "Priority": 1, "Attributes": {"x": "y"}}],
    }
    assert built == request and built.candidates == [SchedulerAuthCandidate(id="a", priority=1, attributes={"x": "y"})]
    assert UsageRecord(detail=decode(UsageRecord, RECORD).detail).model_dump()["Detail"]["TotalTokens"] == 2800
