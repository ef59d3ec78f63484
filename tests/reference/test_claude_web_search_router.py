"""claude-web-search-router: the Go example's golden transcript, replayed in-process and through
the built ``.so``, then the executor's streaming and fallback behaviour.

Upstream's own Go tests are ported in ``test_claude_web_search_router_upstream.py``.
"""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from cpa_sdk.sse import iter_events
from cpa_sdk.testing import FakeHost, HostCall, PluginHarness
from reference_plugins.claude_web_search_router import HOST_CALLBACKS, PLUGIN
from reference_plugins.claude_web_search_router.config import Backend
from tests.reference.claude_web_search_router_support import (  # noqa: F401  (tavily is a fixture)
    CATS_BODY,
    MESSAGE,
    Reply,
    TavilyServer,
    b64,
    relay_http,
    replay_transcript,
    tavily,
    transcript_host,
    transcript_steps,
)


@pytest.fixture
def router_so(reference_builds: Path) -> Path:
    """The port as ``cpa-sdk build-all`` built it."""
    return reference_builds / f"{PLUGIN.plugin_id}.so"


# ---- the golden transcript ------------------------------------------------------------------------


def test_golden_transcript_in_process(golden: dict[str, Any]) -> None:
    # claude_web_search_router_go_transcript: every call, its rc and envelope, and its callbacks.
    steps = transcript_steps(golden)
    host, closed = transcript_host()
    with PluginHarness(PLUGIN, host=host) as harness:
        assert replay_transcript(harness, steps, closed) == len(steps) == 28
        penalties = harness.plugin.penalties  # type: ignore[attr-defined]
    assert set(host.methods()) <= set(HOST_CALLBACKS)
    # antigravity: 429, then 503; codex: success (floor 0), 503, then the stream's success; xai: 503.
    backends = (Backend.ANTIGRAVITY_GOOGLE, Backend.CODEX_WEB_SEARCH, Backend.XAI_WEB_SEARCH)
    assert [penalties.score(backend) for backend in backends] == [10, 4, 5]


def test_golden_transcript_through_the_built_library(golden: dict[str, Any], router_so: Path) -> None:
    steps = transcript_steps(golden)
    host, closed = transcript_host()
    with PluginHarness(router_so, host=host) as harness:
        assert replay_transcript(harness, steps, closed) == len(steps)


def test_config_fields_are_upstreams_in_order(golden: dict[str, Any]) -> None:
    upstream = json.loads(transcript_steps(golden)[0].out)["result"]["metadata"]["ConfigFields"]
    with PluginHarness(PLUGIN) as harness:
        ours = harness.call_raw("plugin.register", b"").result["metadata"]["ConfigFields"]

    def fields(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(f["Name"], f["Type"], f.get("EnumValues"), f["Description"]) for f in items]

    assert fields(ours) == fields(upstream)
    assert len(ours) == 9


# ---- streaming --------------------------------------------------------------------------------------


def stream_host() -> tuple[FakeHost, threading.Event]:
    host = FakeHost(strict_logs=True)
    host.on("host.model.stream_close")
    host.on("host.stream.emit")
    closed = threading.Event()
    host.on("host.stream.close", lambda call: closed.set())
    return host, closed


def opened(stream_id: str, status: int = 200) -> dict[str, Any]:
    return {"status_code": status, "stream_id": stream_id}


def model_is(model: str) -> Any:
    return lambda call: call.json()["model"] == model


def run_stream(host: FakeHost, closed: threading.Event, config: dict[str, Any]) -> tuple[Any, PluginHarness]:
    with PluginHarness(PLUGIN, host=host) as harness:
        harness.register(config)
        answer = harness.call_raw(
            "executor.execute_stream",
            {
                "Model": "claude-sonnet-4-6",
                "OriginalRequest": CATS_BODY,
                "stream_id": "ps-1",
                "host_callback_id": "cb-1",
            },
        )
        assert answer.envelope == {"ok": True, "result": {"headers": {"Content-Type": ["text/event-stream"]}}}, answer
        assert closed.wait(10), "the plugin stream was never closed"
    return host.calls_to("host.stream.close")[0].json(), harness


def calls(host: FakeHost) -> list[tuple[str, Any]]:
    """The callbacks as (method, the field that tells them apart)."""

    def key(call: HostCall) -> Any:
        payload = call.json()
        if call.method == "host.model.execute_stream":
            return payload["model"]
        if call.method == "host.stream.emit":
            return base64.b64decode(payload["payload"])
        return payload.get("stream_id")

    return [(call.method, key(call)) for call in host.calls]


def test_execute_stream_answers_before_the_backends_run() -> None:
    host, closed = stream_host()
    gate, entered = threading.Event(), threading.Event()

    def slow_open(call: HostCall) -> dict[str, Any]:
        entered.set()
        assert gate.wait(10)
        return opened("hs-1")

    host.on("host.model.execute_stream", slow_open)
    host.on("host.model.stream_read", {"done": True})
    host.on_each("host.model.stream_read", [{"payload": b64(b"event: ping\ndata: {}\n\n")}])
    with PluginHarness(PLUGIN, host=host) as harness:
        harness.register({"enabled": True, "route": "codex_web_search"})
        answer = harness.call("executor.execute_stream", {"OriginalRequest": CATS_BODY, "stream_id": "ps-1"})
        assert answer.headers == {"Content-Type": ["text/event-stream"]} and not answer.chunks
        assert entered.wait(10) and not closed.is_set()
        gate.set()
        assert closed.wait(10)
    assert calls(host) == [
        ("host.model.execute_stream", "gpt-5.4-mini"),
        ("host.model.stream_read", "hs-1"),
        ("host.stream.emit", b"event: ping\ndata: {}\n\n"),
        ("host.model.stream_read", "hs-1"),
        ("host.model.stream_close", "hs-1"),
        ("host.stream.close", "ps-1"),
    ]


def test_status_error_on_execute_stream_closes_it_and_moves_to_the_next_backend() -> None:
    host, closed = stream_host()
    host.on("host.model.execute_stream", opened("hs-codex", 503), match=model_is("gpt-5.4-mini"))
    host.on("host.model.execute_stream", opened("hs-xai"), match=model_is("grok-4.3"))
    host.on("host.model.stream_read", {"done": True})
    host.on_each("host.model.stream_read", [{"payload": b64(b"event: message_start\ndata: {}\n\n")}])
    close, harness = run_stream(host, closed, {"enabled": True})
    assert close == {"stream_id": "ps-1"}
    assert calls(host) == [
        ("host.model.execute_stream", "gpt-5.4-mini"),
        ("host.model.stream_close", "hs-codex"),
        ("host.model.execute_stream", "grok-4.3"),
        ("host.model.stream_read", "hs-xai"),
        ("host.stream.emit", b"event: message_start\ndata: {}\n\n"),
        ("host.model.stream_read", "hs-xai"),
        ("host.model.stream_close", "hs-xai"),
        ("host.stream.close", "ps-1"),
    ]
    assert all(call.json()["host_callback_id"] == "cb-1" for call in host.calls_to("host.model.execute_stream"))
    penalties = harness.plugin.penalties  # type: ignore[attr-defined]
    assert (penalties.score(Backend.CODEX_WEB_SEARCH), penalties.score(Backend.XAI_WEB_SEARCH)) == (5, 0)


def test_emit_failure_stops_the_whole_orchestration() -> None:
    host, closed = stream_host()
    host.on("host.stream.emit", error="stream ps-1 is not open")
    host.on("host.model.execute_stream", opened("hs-1"))
    host.on("host.model.stream_read", {"payload": b64(b"event: message_start\ndata: {}\n\n")})
    close, harness = run_stream(host, closed, {"enabled": True})
    # Upstream would go on to xai here (and close with the emit's error); the stream is gone.
    assert close == {"stream_id": "ps-1"}
    assert [method for method, _ in calls(host)] == [
        "host.model.execute_stream",
        "host.model.stream_read",
        "host.stream.emit",
        "host.model.stream_close",
        "host.stream.close",
    ]
    penalties = harness.plugin.penalties  # type: ignore[attr-defined]
    assert penalties.score(Backend.CODEX_WEB_SEARCH) == 0


def test_openai_responses_sse_fails_the_backend_before_anything_is_emitted() -> None:
    host, closed = stream_host()
    host.on("host.model.execute_stream", opened("hs-codex"), match=model_is("gpt-5.4-mini"))
    host.on("host.model.execute_stream", opened("hs-xai"), match=model_is("grok-4.3"))
    responses = b'event: response.created\ndata: {"type":"response.created"}\n\n'
    host.on(
        "host.model.stream_read", {"payload": b64(responses)}, match=lambda call: call.json()["stream_id"] == "hs-codex"
    )
    host.on(
        "host.model.stream_read",
        {"error": "upstream reset", "done": True},
        match=lambda c: c.json()["stream_id"] == "hs-xai",
    )
    close, _ = run_stream(host, closed, {"enabled": True})
    assert close == {"stream_id": "ps-1", "error": "upstream reset"}  # the last backend's error
    assert not host.calls_to("host.stream.emit")
    assert [stream for method, stream in calls(host) if method == "host.model.stream_close"] == ["hs-codex", "hs-xai"]


def test_every_backend_failing_closes_the_stream_with_the_last_error() -> None:
    host, closed = stream_host()
    host.on("host.model.execute_stream", opened("", 502))
    close, harness = run_stream(host, closed, {"enabled": True, "antigravity_model": "gem-x"})
    assert close == {"stream_id": "ps-1", "error": "host model status 502"}
    assert [call.json()["model"] for call in host.calls_to("host.model.execute_stream")] == [
        "gem-x",
        "gpt-5.4-mini",
        "grok-4.3",
    ]
    penalties = harness.plugin.penalties  # type: ignore[attr-defined]
    assert {
        penalties.score(b) for b in (Backend.ANTIGRAVITY_GOOGLE, Backend.CODEX_WEB_SEARCH, Backend.XAI_WEB_SEARCH)
    } == {5}


def test_a_route_without_backends_still_answers_then_closes_with_the_error() -> None:
    host, closed = stream_host()
    close, _ = run_stream(host, closed, {"enabled": True, "route": "default_provider", "default_provider": "claude"})
    assert close == {"stream_id": "ps-1", "error": "web search execution: no backend available"}


def test_stream_without_stream_id_is_an_executor_error() -> None:
    with PluginHarness(PLUGIN) as harness:
        harness.register({"enabled": True})
        harness.call_raw("executor.execute_stream", {"Model": "m", "stream_id": "  "}).expect_error(
            "executor_error", message="stream_id is required for executor.execute_stream", rc=0
        )


TAVILY_ANSWER = (
    b'{"answer":"Cats <3 naps & boxes.","results":[{"title":"","url":"https://cats.example/a/b",'
    b'"content":"c1"},{"title":"Cat Facts","url":"https://facts.example","content":"c2"}]}'
)


def test_tavily_stream_emits_the_claude_events_as_one_chunk(tavily: TavilyServer) -> None:
    tavily.reply = Reply(TAVILY_ANSWER)
    host, closed = stream_host()
    host.on("host.http.do", relay_http)
    close, _ = run_stream(host, closed, {"enabled": True, "route": "tavily", "tavily_api_keys": ["  ", " tvly-1 "]})
    assert close == {"stream_id": "ps-1"}
    (emit,) = host.calls_to("host.stream.emit")
    chunk = base64.b64decode(emit.json()["payload"])
    events = list(iter_events([chunk]))
    assert [e.event for e in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    data = [json.loads(e.data) for e in events]
    assert data[2]["delta"] == {"type": "input_json_delta", "partial_json": '{"query":"cats"}'}
    assert data[4]["content_block"]["content"] == [
        {"page_age": None, "title": "cats.example", "type": "web_search_result", "url": "https://cats.example/a/b"},
        {"page_age": None, "title": "Cat Facts", "type": "web_search_result", "url": "https://facts.example"},
    ]
    assert data[7]["delta"] == {"type": "text_delta", "text": "Cats <3 naps & boxes."}
    assert data[9]["usage"] == {"input_tokens": 85, "output_tokens": 5, "server_tool_use": {"web_search_requests": 1}}
    assert b"Cats \\u003c3 naps \\u0026 boxes." in chunk  # Go's HTML-safe JSON
    (received,) = tavily.received
    assert received.path == "/search"
    assert received.body == (
        b'{"api_key":"tvly-1","query":"cats","search_depth":"basic","max_results":5,"include_answer":true}'
    )


# ---- executor.execute ---------------------------------------------------------------------------------


def test_execute_falls_back_to_tavily_and_answers_a_claude_message(tavily: TavilyServer) -> None:
    tavily.reply = Reply(TAVILY_ANSWER)
    host = FakeHost(strict_logs=True).on("host.http.do", relay_http)
    host.on("host.model.execute", error="model execution failed: status 503")
    with PluginHarness(PLUGIN, host=host) as harness:
        harness.register({"enabled": True, "tavily_api_keys": ["k"]})
        answer = harness.call("executor.execute", {"Model": " claude-opus-4 ", "Payload": CATS_BODY})
        penalties = harness.plugin.penalties  # type: ignore[attr-defined]
    assert answer.headers == {"Content-Type": ["application/json"]}
    message = json.loads(answer.payload)
    assert message["model"] == "claude-opus-4"
    assert message["id"].startswith("msg_") and message["content"][0]["id"].startswith("srvtoolu_")
    assert message["content"][0]["input"] == {"query": "cats"}
    assert [block["type"] for block in message["content"]] == ["server_tool_use", "web_search_tool_result", "text"]
    assert [c.method for c in host.calls] == ["host.model.execute", "host.model.execute", "host.http.do"]
    assert (penalties.score(Backend.CODEX_WEB_SEARCH), penalties.score(Backend.TAVILY)) == (5, 0)


def test_execute_reports_the_last_failure_and_a_non_retryable_one_costs_nothing(tavily: TavilyServer) -> None:
    tavily.reply = Reply(b"<html>" + b"x" * 600, status=500, content_type="text/html")
    host = FakeHost(strict_logs=True).on("host.http.do", relay_http)
    host.on("host.model.execute", {"status_code": 500})
    with PluginHarness(PLUGIN, host=host) as harness:
        harness.register({"enabled": True, "tavily_api_keys": ["k"]})
        error = harness.call_raw("executor.execute", {"OriginalRequest": CATS_BODY}).expect_error(
            "executor_error", rc=0
        )
        penalties = harness.plugin.penalties  # type: ignore[attr-defined]
    assert error["message"] == "tavily http 500: <html>" + "x" * 506 + "..."
    assert penalties.score(Backend.CODEX_WEB_SEARCH) == 0


def test_execute_with_nothing_runnable() -> None:
    with PluginHarness(PLUGIN) as harness:
        harness.register({"enabled": True, "route": "tavily"})
        harness.call_raw("executor.execute", {"OriginalRequest": CATS_BODY}).expect_error(
            "executor_error", message="web search execution: no backend available", rc=0
        )


def test_execute_sends_the_payload_when_there_is_no_original_request() -> None:
    host = FakeHost(strict_logs=True).on("host.model.execute", {"status_code": 200, "body": b64(MESSAGE)})
    with PluginHarness(PLUGIN, host=host) as harness:
        harness.register({"enabled": True, "route": "xai_web_search", "xai_model": " grok-5 "})
        answer = harness.call("executor.execute", {"Payload": CATS_BODY, "host_callback_id": "cb-3"})
    assert answer.payload == MESSAGE
    sent = host.calls[0].json()
    assert (sent["model"], base64.b64decode(sent["body"]), sent["host_callback_id"]) == ("grok-5", CATS_BODY, "cb-3")


def test_count_tokens_and_identifier() -> None:
    with PluginHarness(PLUGIN) as harness:
        harness.register({"enabled": True})
        assert harness.call("executor.identifier") == "claude-web-search-router"
        assert harness.call("executor.count_tokens", {}).payload == b'{"input_tokens":0}'
