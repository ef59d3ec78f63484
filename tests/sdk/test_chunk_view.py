"""The stream-chunk view: fields decoded on access, each as the wire model decodes it."""

from __future__ import annotations

import base64

import pytest

from cpa_sdk.testing import PluginHarness


def test_raw_stream_chunk_interceptor_reads_fields_lazily() -> None:
    from cpa_sdk import Plugin, ResponseStreamInterceptor, StreamChunkView
    from cpa_sdk.wire import StreamChunkInterceptResponse
    from tests.sdk.plugins import META

    seen: list[tuple[str, int, bytes | None, str]] = []

    class Upper(Plugin, ResponseStreamInterceptor):
        plugin_id = name = "upper"
        version, author, github_repository = META["version"], META["author"], META["github_repository"]

        def intercept_stream_chunk_raw(self, chunk: StreamChunkView) -> StreamChunkInterceptResponse | None:
            seen.append((chunk.request_id, chunk.chunk_index, chunk.body, chunk.host_callback_id))
            if chunk.is_header_init:
                return StreamChunkInterceptResponse(headers={"X-Seen": [chunk.request_id]})
            if chunk.body == b"drop":
                return StreamChunkInterceptResponse(drop_chunk=True)
            if chunk.body == b"bytes":
                return chunk.body  # type: ignore[return-value]  # a mistake an author makes
            return StreamChunkInterceptResponse(body=(chunk.body or b"").upper())

    with PluginHarness(Upper) as h:
        assert h.call("plugin.register").capabilities.response_stream_interceptor
        init = h.call_raw(
            "response.intercept_stream_chunk",
            {"RequestID": "r", "ChunkIndex": -1, "Body": None, "OriginalRequest": "e30="},
        )
        assert init.result == {"Headers": {"X-Seen": ["r"]}}
        # case-insensitive keys, as Go reads them; a large history is never decoded
        history = ["QUFB" * 1000] * 64
        chunk = h.call_raw(
            "response.intercept_stream_chunk",
            {"requestid": "r", "chunkindex": 0, "body": "ZGF0YQ==", "HistoryChunks": history, "host_callback_id": "7"},
        )
        assert chunk.result == {"Body": base64.b64encode(b"DATA").decode()}
        assert (
            h.call(
                "response.intercept_stream_chunk", {"RequestID": "r", "ChunkIndex": 1, "Body": "ZHJvcA=="}
            ).drop_chunk
            is True
        )
        bad = h.call_raw("response.intercept_stream_chunk", {"RequestID": "r", "ChunkIndex": 2, "Body": "e30"})
        assert bad.rc == 1 and "illegal base64" in bad.error["message"]
        wrong = h.call_raw("response.intercept_stream_chunk", {"RequestID": "r", "ChunkIndex": 3, "Body": "Ynl0ZXM="})
        assert wrong.rc == 1 and wrong.error["message"] == (
            "TypeError: intercept_stream_chunk_raw returned bytes, expected StreamChunkInterceptResponse or None"
        )
    assert seen[:2] == [("r", -1, None, ""), ("r", 0, b"data", "7")]


def test_stream_chunk_view_history_is_decoded_on_request() -> None:
    from cpa_sdk import StreamChunkView

    view = StreamChunkView(b'{"ChunkIndex":3,"HistoryChunks":["YQ==",null,"Yg=="],"ResponseHeaders":{"A":["b"]}}')
    assert view.history_chunks == [b"a", b"", b"b"]
    assert view.response_headers == {"A": ["b"]} and view.chunk_index == 3 and view.body is None


def test_stream_chunk_view_reads_every_field_as_the_wire_model_decodes_it() -> None:
    from cpa_sdk import StreamChunkView
    from cpa_sdk.wire import StreamChunkInterceptRequest, WireDecodeError, decode

    raw = (
        b'{"requestid":"r","SourceFormat":"openai","Model":"m","RequestedModel":"rm","RequestHeaders":{"A":["1"]},'
        b'"ResponseHeaders":null,"OriginalRequest":"e30=","RequestBody":[123,125],"Body":"YQ==",'
        b'"HistoryChunks":["YQ==",null],"ChunkIndex":2,"Metadata":{"k":1},"host_callback_id":"7"}'
    )
    full = decode(StreamChunkInterceptRequest, raw)
    view = StreamChunkView(raw)
    for name in StreamChunkInterceptRequest.model_fields:
        expected = getattr(full, name)
        if name == "history_chunks":
            expected = [chunk or b"" for chunk in expected]
        assert getattr(view, name) == expected, name
    for bad in (b'{"ChunkIndex":"2"}', b'{"ChunkIndex":true}', b'{"Metadata":"x"}'):
        with pytest.raises(WireDecodeError):
            decode(StreamChunkInterceptRequest, bad)
        with pytest.raises(WireDecodeError):
            StreamChunkView(bad).chunk_index, StreamChunkView(bad).metadata


def test_the_chunk_view_knows_every_key_of_the_request_model() -> None:
    from cpa_sdk.chunk_view import _CHUNK_KEYS
    from cpa_sdk.wire import StreamChunkInterceptRequest

    assert {info.alias for info in StreamChunkInterceptRequest.model_fields.values()} == _CHUNK_KEYS


def test_the_chunk_view_matches_keys_as_go_does() -> None:
    from cpa_sdk import StreamChunkView

    canonical = StreamChunkView(b'{"Model":"m","RequestedModel":"r","ChunkIndex":3,"Body":"eA=="}')
    spelt = StreamChunkView(b'{"model":"x","MODEL":"m","requestedmodel":"r","chunkINDEX":3,"body":"eA==","Other":1}')
    for view in (canonical, spelt):
        assert (view.model, view.requested_model, view.chunk_index, view.body) == ("m", "r", 3, b"x")


@pytest.mark.parametrize("size", [10, 5000])
def test_chunk_bodies_decode_as_go_does_whatever_their_size(size: int) -> None:
    import base64
    import json

    from cpa_sdk import StreamChunkView
    from cpa_sdk.wire import WireDecodeError

    body = bytes(range(256)) * (size // 256 + 1)
    assert StreamChunkView(json.dumps({"Body": base64.b64encode(body).decode()}).encode()).body == body
    for bad in (base64.urlsafe_b64encode(body).decode(), base64.b64encode(body).decode()[:-1], "!" * 8):
        with pytest.raises(WireDecodeError):
            StreamChunkView(json.dumps({"Body": bad}).encode()).body
