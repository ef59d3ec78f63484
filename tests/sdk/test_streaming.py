"""Executor streams: inline or async, never deadlocked by the host's 16-chunk buffer."""

from __future__ import annotations

import base64
import threading
import time

import pytest

from cpa_sdk.testing import FakeHost, HostCall, PluginHarness
from tests.sdk.plugins import Streamer


class BufferedStreamHost(FakeHost):
    """Emulates CPA's stream bridge: 16 queued chunks, drained only after execute_stream returns."""

    def __init__(self) -> None:
        super().__init__()
        self.slots = threading.Semaphore(16)
        self.returned = threading.Event()
        self.emit_threads: set[str] = set()
        self.closed = threading.Event()
        self.on("host.stream.emit", self._emit)
        self.on("host.stream.close", lambda call: self.closed.set())

    def _emit(self, call: HostCall) -> None:
        self.emit_threads.add(threading.current_thread().name)
        if not self.slots.acquire(timeout=10):
            raise AssertionError("emit blocked: the buffer never drained")

    def drain(self) -> None:
        self.returned.set()

        def consumer() -> None:
            while not self.closed.is_set():
                self.slots.release()
                time.sleep(0.0005)

        threading.Thread(target=consumer, daemon=True).start()


def test_inline_stream_answers_chunks_in_the_response() -> None:
    with PluginHarness(Streamer) as h:
        result = h.call("executor.execute_stream", {"Model": "inline-3", "stream_id": "1"})
        assert [c.payload for c in result.chunks] == [b"c0", b"c1", b"c2"]
        assert result.headers == {"X-Mode": ["inline"]}
        assert h.host.calls == []


def test_async_stream_emits_after_return_from_another_thread_and_closes() -> None:
    host = BufferedStreamHost()
    with PluginHarness(Streamer, host=host) as h:
        result = h.call_raw("executor.execute_stream", {"Model": "async-40", "stream_id": "7", "host_callback_id": "3"})
        assert result.envelope == {"ok": True, "result": {"headers": {"X-Mode": ["async"]}}}
        host.drain()
        assert host.closed.wait(10), "stream was never closed"
        emits = [c.json() for c in host.calls_to("host.stream.emit")]
        assert [base64.b64decode(e["payload"]) for e in emits] == [f"c{i}".encode() for i in range(40)]
        assert {e["stream_id"] for e in emits} == {"7"}
        assert host.calls_to("host.stream.close")[0].json() == {"stream_id": "7"}
        assert threading.current_thread().name not in host.emit_threads


def test_emit_refused_stops_the_generator_and_still_closes() -> None:
    host = FakeHost()
    host.on("host.stream.emit", error="stream 5 is not open")
    done = threading.Event()
    host.on("host.stream.close", lambda call: done.set())
    with PluginHarness(Streamer, host=host) as h:
        h.call("executor.execute_stream", {"Model": "async-50", "stream_id": "5"})
        assert done.wait(10)
    assert len(host.calls_to("host.stream.emit")) == 1


def test_generator_exception_closes_the_stream_with_the_error() -> None:
    host = FakeHost()
    host.on("host.stream.emit")
    done = threading.Event()
    host.on("host.stream.close", lambda call: done.set())
    with PluginHarness(Streamer, host=host) as h:
        h.call("executor.execute_stream", {"Model": "fail-2", "stream_id": "9"})
        assert done.wait(10)
    assert host.calls_to("host.stream.close")[0].json() == {"stream_id": "9", "error": "ValueError: generator broke"}
    assert any("generator broke" in c.json()["message"] for c in host.calls_to("host.log"))


def test_plugin_error_closes_the_stream_with_its_message_only() -> None:
    host = FakeHost()
    host.on("host.stream.emit")
    done = threading.Event()
    host.on("host.stream.close", lambda call: done.set())
    with PluginHarness(Streamer, host=host) as h:
        h.call("executor.execute_stream", {"Model": "refuse-1", "stream_id": "4"})
        assert done.wait(10)
    assert host.calls_to("host.stream.close")[0].json() == {"stream_id": "4", "error": "no backend available"}
    assert not any("no backend" in c.json()["message"] for c in host.calls_to("host.log"))


def test_async_stream_without_stream_id_is_an_error() -> None:
    with PluginHarness(Streamer) as h:
        result = h.call_raw("executor.execute_stream", {"Model": "async-2"})
        assert result.error == {
            "code": "invalid_request",
            "message": "stream_id is required for executor.execute_stream",
        }


def test_shutdown_stops_running_streams() -> None:
    host = FakeHost()
    gate = threading.Event()
    host.on("host.stream.emit", lambda call: gate.wait(0.05))
    done = threading.Event()
    host.on("host.stream.close", lambda call: done.set())
    h = PluginHarness(Streamer, host=host)
    h.call("executor.execute_stream", {"Model": "async-100000", "stream_id": "2"})
    h.close()
    assert done.is_set(), "shutdown returned while the stream was still running"
    assert host.calls_to("host.stream.close")[0].json() == {"stream_id": "2", "error": "plugin is shutting down"}


def test_default_execute_stream_wraps_execute() -> None:
    from cpa_sdk import Executor, Plugin
    from cpa_sdk.wire import ExecutorResponse
    from tests.sdk.plugins import META

    class Plain(Plugin, Executor):
        plugin_id = "plain"
        name = "Plain"
        version, author, github_repository = META["version"], META["author"], META["github_repository"]
        input_formats = output_formats = ("openai",)

        def executor_identifier(self) -> str:
            return "plain"

        def execute(self, request):  # type: ignore[no-untyped-def]
            return ExecutorResponse(payload=b"whole", headers={"A": ["b"]})

    with PluginHarness(Plain) as h:
        result = h.call("executor.execute_stream", {"stream_id": "1"})
        assert [c.payload for c in result.chunks] == [b"whole"] and result.headers == {"A": ["b"]}
        assert h.call("executor.identifier") == "plain"
        assert h.call_raw("executor.count_tokens").error["code"] == "unsupported"


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


def test_the_chunk_view_knows_every_key_of_the_request_model() -> None:
    from cpa_sdk.streaming import _CHUNK_KEYS
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
