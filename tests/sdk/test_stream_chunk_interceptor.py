"""A stream-chunk interceptor: its request decoded lazily, its answers checked, its errors enveloped."""

from __future__ import annotations

import base64

from pydantic import BaseModel

from cpa_sdk.testing import PluginHarness


def test_a_stream_chunk_interceptor_reads_fields_lazily() -> None:
    from cpa_sdk import Plugin, ResponseStreamInterceptor
    from cpa_sdk.wire import StreamChunkInterceptRequest, StreamChunkInterceptResponse
    from tests.sdk.plugins import META

    seen: list[tuple[str, int, bytes | None, str]] = []
    histories: list[dict[str, object]] = []

    class Upper(Plugin, ResponseStreamInterceptor):
        plugin_id = name = "upper"
        version, author, github_repository = META["version"], META["author"], META["github_repository"]

        def intercept_stream_chunk(self, request: StreamChunkInterceptRequest) -> StreamChunkInterceptResponse | None:
            seen.append((request.request_id, request.chunk_index, request.body, request.host_callback_id))
            histories.append(BaseModel.__dict__["__dict__"].__get__(request).copy())  # what was decoded
            if request.is_header_init:
                return StreamChunkInterceptResponse(headers={"X-Seen": [request.request_id]})
            if request.body == b"drop":
                return StreamChunkInterceptResponse(drop_chunk=True)
            if request.body == b"bytes":
                return request.body  # type: ignore[return-value]  # a mistake an author makes
            return StreamChunkInterceptResponse(body=(request.body or b"").upper())

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
        assert "history_chunks" not in histories[-1]
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
            "TypeError: response.intercept_stream_chunk handler returned bytes, expected StreamChunkInterceptResponse or None"
        )
    assert seen[:2] == [("r", -1, None, ""), ("r", 0, b"data", "7")]
