"""End to end in CPA's real server: reference plugins and interceptor semantics under real traffic.

* ``request-lifecycle`` (``reference_plugins/request_lifecycle.py``): admission control with
  ``max_concurrency`` and ``reject_keyword`` against a Codex upstream on 127.0.0.1 that holds
  every request until the test lets it go, so "in flight" is a state the test controls.
* ``interceptor-outcomes`` (``tests/conformance/plugins/interceptor_outcomes.py``): CPA fails
  open when a request interceptor raises, and honours a ``Terminate`` answer.
* ``claude-web-search-router`` (``reference_plugins/claude_web_search_router``): a Claude
  Code web search is routed to the plugin's executor, whose fallback chain meets a Codex
  upstream answering 429 and ends at a fake Tavily, for a buffered and a streamed request.

As in test_server.py, nothing leaves 127.0.0.1: the upstreams are local fakes and CPA's proxy
variables point at harness.OutboundSink, which refuses and records any outbound attempt.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conformance import harness
from tests.conformance.plugins import interceptor_outcomes

CODEX_KEY = "sk-upstream-conformance-real-plugins"
TAVILY_KEY = "tvly-test"
REJECT_KEYWORD = "forbidden-by-conformance"
HOLD_LIMIT = 30.0  # seconds a held upstream request waits for the test at most


def responses_body(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "model": "gpt-5.5",
        "input": [{"role": "user", "content": [{"type": "input_text", "text": text}]}],
        "instructions": "Answer briefly.",
        "max_output_tokens": 32,
        "stream": False,
        **extra,
    }


def require_built(artifacts: harness.Artifacts, *ids: str) -> dict[str, Path]:
    """The artifacts of ``ids``: these tests fail (never skip) when a plugin is not built."""
    if artifacts.standin:
        pytest.xfail("CPA_CONFORMANCE_STANDIN=1: these tests need the cpa-sdk plugins, not C stand-ins")
    problems = {
        pid: artifacts.failed.get(pid) or artifacts.blocked.get(pid, "not built")
        for pid in ids
        if pid not in artifacts.paths
    }
    if problems:
        pytest.fail(f"plugins not built: {problems}", pytrace=False)
    return {pid: artifacts.paths[pid] for pid in ids}


def header(headers: dict[str, str], name: str) -> str:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), "")


# -- local fakes ------------------------------------------------------------------------------------


class HeldCodexUpstream(harness.RecordingServer):
    """A Codex upstream that, while ``holding`` is set, keeps every request open until ``release()``."""

    def __init__(self) -> None:
        self.holding = threading.Event()
        self._released = threading.Event()
        self.holding.set()
        super().__init__("held-codex", self._respond)

    def _respond(self, request: harness.UpstreamRequest) -> harness.Reply:
        if self.holding.is_set():
            self._released.wait(HOLD_LIMIT)
        return harness.codex_reply(request)

    def release(self) -> None:
        self.holding.clear()
        self._released.set()

    def hold_again(self) -> None:
        self._released.clear()
        self.holding.set()


RATE_LIMIT_BODY = json.dumps({"error": {"type": "rate_limit_error", "message": "fake codex: slow down"}}).encode()


def rate_limited(request: harness.UpstreamRequest) -> harness.Reply:
    return harness.Reply(429, {"Content-Type": "application/json"}, RATE_LIMIT_BODY)


TAVILY_ANSWER = "cpa-sdk builds CLIProxyAPI plugins in Python."
TAVILY_RESULTS = [
    {"title": "cpa-sdk on GitHub", "url": "https://example.invalid/cpa-sdk", "content": "Python plugins for CPA."},
    {"title": "", "url": "https://docs.example.invalid/cpa/plugins", "content": "The plugin protocol."},
]


def tavily_reply(request: harness.UpstreamRequest) -> harness.Reply:
    body = json.dumps({"query": request.json().get("query"), "answer": TAVILY_ANSWER, "results": TAVILY_RESULTS})
    return harness.Reply(200, {"Content-Type": "application/json"}, body.encode())


@pytest.fixture
def sink() -> Iterator[harness.OutboundSink]:
    outbound = harness.OutboundSink()
    try:
        yield outbound
    finally:
        outbound.close()


def refused_attempts(sink: harness.OutboundSink) -> list[str]:
    attempts, sink.attempts[:] = list(sink.attempts), []
    return attempts


# -- A. request-lifecycle ------------------------------------------------------------------------------


def test_request_lifecycle_admission_in_cpa_server(
    cpa: harness.CPABuild, artifacts: harness.Artifacts, tmp_path: Path, sink: harness.OutboundSink
) -> None:
    """max_concurrency: 2 in CPA's server: two requests held at the upstream fill the slots; a third
    is terminated with 429 + Retry-After: 1 before any upstream call; a body with the reject
    keyword gets 403 with the plugin's JSON body; once the two complete (request.complete,
    delivered asynchronously) both slots are free again, and exactly two, not three, fit."""
    paths = require_built(artifacts, "request-lifecycle")
    upstream = HeldCodexUpstream()
    work = tmp_path / "run-lifecycle"
    harness.install_plugins(paths, work / "plugins", ["request-lifecycle"])
    config = harness.server_config(
        harness.free_port(),
        work,
        {
            "request-lifecycle": {"enabled": True, "max_concurrency": 2, "reject_keyword": REJECT_KEYWORD},
        },
        [{"api-key": CODEX_KEY, "base-url": upstream.url("/held")}],
    )
    auth = {"Authorization": f"Bearer {harness.CLIENT_KEY}"}
    pool = ThreadPoolExecutor(max_workers=6)
    try:
        with harness.CPAServer(cpa, work, config, sink) as server:
            server.wait_for_log("pluginhost: plugin registered plugin_id=request-lifecycle")

            def post(text: str) -> tuple[int, dict[str, str], bytes]:
                return server.request("POST", "/v1/responses", responses_body(text), auth, timeout=HOLD_LIMIT + 30)

            def post_until_admitted(text: str, timeout: float = 15) -> Future[tuple[int, dict[str, str], bytes]]:
                """Send until CPA lets it through (a slot may still await its request.complete)."""

                def attempt() -> tuple[int, dict[str, str], bytes]:
                    deadline = time.monotonic() + timeout
                    while True:
                        status, headers, body = post(text)
                        if status != 429 or time.monotonic() > deadline:
                            return status, headers, body
                        time.sleep(0.1)

                return pool.submit(attempt)

            # Two requests reach the upstream and are held there: both slots are taken.
            first = [pool.submit(post, f"held request {i}") for i in (1, 2)]
            assert harness.wait_until(lambda: upstream.count() == 2, timeout=20), (
                f"the upstream saw {upstream.count()} of 2 requests\n{server.log_tail()}"
            )
            assert not any(f.done() for f in first), [f.result() for f in first if f.done()]

            # The third is stopped by the plugin: 429, Retry-After: 1, the plugin's body, no upstream call.
            status, headers, body = post("third request while two are in flight")
            assert status == 429, (status, body[:500], server.log_tail())
            assert header(headers, "Retry-After") == "1", headers
            assert header(headers, "Content-Type").startswith("application/json"), headers
            assert json.loads(body) == {
                "error": {"message": "plugin concurrency limit reached", "type": "plugin_request_rejected"}
            }, body
            # The keyword is checked first: 403 even while no slot is free.
            kw_full_status, _, kw_full_body = post(f"please {REJECT_KEYWORD} now")
            assert kw_full_status == 403, (kw_full_status, kw_full_body[:500])
            time.sleep(0.5)  # a request let through by mistake would reach the upstream by now
            assert upstream.count() == 2, [r.json()["input"] for r in upstream.snapshot()]

            # The held two complete normally.
            upstream.release()
            done = [f.result(timeout=HOLD_LIMIT + 30) for f in first]
            assert [d[0] for d in done] == [200, 200], [(d[0], d[2][:300]) for d in done]
            assert all(json.loads(d[2]).get("status") == "completed" for d in done)

            # A body with the keyword: 403 with the plugin's JSON body, never sent upstream.
            kw_status, kw_headers, kw_body = post(f"this text contains {REJECT_KEYWORD} in the middle")
            assert kw_status == 403, (kw_status, kw_body[:500])
            assert header(kw_headers, "Content-Type").startswith("application/json"), kw_headers
            assert json.loads(kw_body) == {
                "error": {"message": "request blocked by plugin policy", "type": "plugin_request_rejected"}
            }, kw_body
            assert kw_body == kw_full_body
            assert upstream.count() == 2

            # Slots come back once CPA has delivered request.complete for the first two.
            again = post_until_admitted("after the first two completed").result(timeout=60)
            assert again[0] == 200, (again[0], again[2][:500], server.log_tail())
            assert upstream.count() == 3

            # Both slots, and no more: hold two again, a third is refused again.
            upstream.hold_again()
            second = [post_until_admitted(f"second round {i}") for i in (1, 2)]
            assert harness.wait_until(lambda: upstream.count() == 5, timeout=30), (
                f"the upstream saw {upstream.count() - 3} of 2 second-round requests\n{server.log_tail()}"
            )
            over_status, over_headers, _ = post("third of the second round")
            assert (over_status, header(over_headers, "Retry-After")) == (429, "1"), over_status
            time.sleep(0.5)
            assert upstream.count() == 5
            upstream.release()
            assert [f.result(timeout=HOLD_LIMIT + 60)[0] for f in second] == [200, 200]
            assert server.alive
            log_lines = server.plugin_log_lines()
        received = [r.json()["input"][0]["content"][0]["text"] for r in upstream.snapshot()]
        assert not any(REJECT_KEYWORD in text or "third" in text for text in received), received
        assert all(r.path == "/held/responses" for r in upstream.snapshot()), [r.path for r in upstream.snapshot()]
        assert all(r.headers.get("authorization") == f"Bearer {CODEX_KEY}" for r in upstream.snapshot())
    finally:
        upstream.release()
        pool.shutdown(wait=True, cancel_futures=True)
        upstream.close()
    for line in log_lines:
        harness.evidence(f"[{cpa.version}] server/lifecycle: {line.strip()}")
    for attempt in refused_attempts(sink):
        harness.evidence(f"[{cpa.version}] server/lifecycle: outbound attempt refused by the local sink: {attempt}")
    harness.evidence(
        f"[{cpa.version}] server: request-lifecycle max_concurrency=2: 2 held at the upstream, the 3rd "
        "-> 429 Retry-After: 1 (upstream count stayed 2); keyword -> 403 plugin JSON; after completion "
        "slots freed, 2 more admitted and the next one refused again"
    )


# -- B. interceptor fail-open vs terminate ------------------------------------------------------------


def test_interceptor_raise_fails_open_and_terminate_stops(
    cpa: harness.CPABuild, artifacts: harness.Artifacts, tmp_path: Path, sink: harness.OutboundSink
) -> None:
    """A request interceptor raising PluginError does not stop the request (CPA logs
    ``request interceptor <id> failed`` and sends it upstream); a Terminate 451 answer is written
    to the client and the upstream never sees that request."""
    plugin_id = "interceptor-outcomes"
    paths = require_built(artifacts, plugin_id)
    upstream = harness.RecordingServer("codex", harness.codex_reply)
    work = tmp_path / "run-interceptor"
    harness.install_plugins(paths, work / "plugins", [plugin_id])
    config = harness.server_config(
        harness.free_port(),
        work,
        {plugin_id: {"enabled": True}},
        [{"api-key": CODEX_KEY, "base-url": upstream.url("/codex")}],
    )
    try:
        with harness.CPAServer(cpa, work, config, sink) as server:
            server.wait_for_log(f"pluginhost: plugin registered plugin_id={plugin_id}")
            failed_line = f"pluginhost: request interceptor {plugin_id} failed"
            assert failed_line not in server.log_text()

            raise_status, raise_data = server.responses(responses_body("please raise-me, plugin"))
            assert raise_status == 200, (raise_status, raise_data[:500], server.log_tail())
            assert json.loads(raise_data).get("status") == "completed", raise_data[:500]
            after_raise = upstream.snapshot()
            assert len(after_raise) == 1 and b"raise-me" in after_raise[0].body, [r.body[:200] for r in after_raise]
            server.wait_for_log(failed_line, timeout=10)
            failures = [line for line in server.log_text().splitlines() if failed_line in line]
            assert len(failures) == 1, failures
            assert interceptor_outcomes.RAISE_MESSAGE in failures[0], failures[0]

            stop_status, stop_headers, stop_data = server.request(
                "POST",
                "/v1/responses",
                responses_body("please stop-me, plugin"),
                {"Authorization": f"Bearer {harness.CLIENT_KEY}"},
            )
            assert stop_status == interceptor_outcomes.STOP_STATUS, (stop_status, stop_data[:500])
            assert header(stop_headers, "Content-Type").startswith("application/json"), stop_headers
            assert json.loads(stop_data) == {
                "error": {"message": interceptor_outcomes.STOP_MESSAGE, "type": "plugin_request_rejected"}
            }, stop_data
            time.sleep(0.5)
            assert upstream.count() == 1, [r.body[:200] for r in upstream.snapshot()]

            plain_status, _ = server.responses(responses_body("an ordinary request"))
            assert plain_status == 200
            assert upstream.count() == 2
            assert [line for line in server.log_text().splitlines() if failed_line in line] == failures
            assert server.alive
    finally:
        upstream.close()
    harness.evidence(
        f"[{cpa.version}] server: interceptor raised PluginError -> request still reached the upstream "
        f"(HTTP 200), CPA logged: {failures[0].strip()}"
    )
    harness.evidence(
        f"[{cpa.version}] server: interceptor answered Terminate 451 -> client got 451 with the plugin's "
        "JSON body, upstream saw nothing"
    )


# -- C. claude-web-search-router ----------------------------------------------------------------------


WEB_SEARCH_TOOL = {"type": "web_search_20250305", "name": "web_search", "max_uses": 3}
QUERY = "cpa sdk"
CLAUDE_MODEL = "claude-sonnet-4-6"
CODEX_MODEL = "gpt-5.4-mini"  # the router's codex_model when none is configured


def web_search_body(stream: bool) -> dict[str, Any]:
    return {
        "model": CLAUDE_MODEL,
        "max_tokens": 1024,
        "stream": stream,
        "messages": [{"role": "user", "content": f"Perform a web search for the query: {QUERY}"}],
        "tools": [WEB_SEARCH_TOOL],
    }


def parse_sse(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in data.decode().replace("\r\n", "\n").split("\n\n"):
        name, payload = "", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:") :].strip()
            elif line.startswith("data:"):
                payload.append(line[len("data:") :].strip())
        if name or payload:
            events.append((name, json.loads("\n".join(payload))))
    return events


EXPECTED_STREAM = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",  # server_tool_use
    "content_block_start",
    "content_block_stop",  # web_search_tool_result
    "content_block_start",
    "content_block_delta",
    "content_block_stop",  # text
    "message_delta",
    "message_stop",
]


def expected_hits() -> list[dict[str, Any]]:
    return [
        {
            "type": "web_search_result",
            "title": hit["title"] or "docs.example.invalid",
            "url": hit["url"],
            "page_age": None,
        }
        for hit in TAVILY_RESULTS
    ]


def test_claude_web_search_router_falls_back_to_tavily(
    cpa: harness.CPABuild, artifacts: harness.Artifacts, tmp_path: Path, sink: harness.OutboundSink
) -> None:
    """A Claude Code web search (/v1/messages with only a web_search_20250305 tool) is routed by
    model.route to the router's executor; its fallback chain calls the Codex provider through
    host.model.execute (the fake Codex answers 429), leaves out antigravity (no model resolves),
    gets no answer for xai (CPA has no provider for grok-4.3), and answers from Tavily through
    host.http.do at CPA_TAVILY_BASE_URL: a Claude message with server_tool_use,
    web_search_tool_result and text, buffered and streamed."""
    plugin_id = "claude-web-search-router"
    paths = require_built(artifacts, plugin_id)
    codex = harness.RecordingServer("codex-429", rate_limited)
    tavily = harness.RecordingServer("tavily", tavily_reply)
    work = tmp_path / "run-web-search"
    harness.install_plugins(paths, work / "plugins", [plugin_id])
    config = harness.server_config(
        harness.free_port(),
        work,
        {
            plugin_id: {"enabled": True, "priority": 20, "route": "fallback", "tavily_api_keys": [TAVILY_KEY]},
        },
        [{"api-key": CODEX_KEY, "base-url": codex.url("/codex")}],
    )
    headers = {"Authorization": f"Bearer {harness.CLIENT_KEY}", "anthropic-version": "2023-06-01"}
    try:
        with harness.CPAServer(cpa, work, config, sink, env={"CPA_TAVILY_BASE_URL": tavily.url("/tavily")}) as server:
            server.wait_for_log(f"pluginhost: plugin registered plugin_id={plugin_id}")
            # CPA reloads its clients once after /healthz answers; that reload would reset the
            # cooldown the Codex 429 causes (see below) in the middle of the test.
            server.wait_for_log("full client load complete")

            # -- buffered ------------------------------------------------------------------------
            status, reply_headers, data = server.request("POST", "/v1/messages", web_search_body(False), headers)
            assert status == 200, (status, data[:1000], server.log_tail())
            codex_seen = codex.snapshot()
            tavily_seen = tavily.snapshot()
            message = json.loads(data)
            # -- streamed ------------------------------------------------------------------------
            s_status, s_headers, s_data = server.request("POST", "/v1/messages", web_search_body(True), headers)
            assert s_status == 200, (s_status, s_data[:1000], server.log_tail())
            codex_after_stream = codex.snapshot()
            tavily_after_stream = tavily.snapshot()
            assert server.alive
            log_text = server.log_text()
            log_lines = server.plugin_log_lines()
    finally:
        codex.close()
        tavily.close()

    # Routed to the plugin: the Codex provider was asked for the router's model, not the client's.
    assert len(codex_seen) == 1, [(r.path, r.body[:200]) for r in codex_seen]
    codex_request = codex_seen[0]
    assert codex_request.path == "/codex/responses", codex_request.path
    assert codex_request.headers.get("authorization") == f"Bearer {CODEX_KEY}"
    codex_body = codex_request.json()
    assert codex_body["model"] == CODEX_MODEL, codex_body["model"]
    assert QUERY in json.dumps(codex_body), codex_body
    # Tavily got the query, the key and max_uses as max_results.
    assert len(tavily_seen) == 1, [(r.path, r.body) for r in tavily_seen]
    search = tavily_seen[0]
    assert search.path == "/tavily/search", search.path
    assert search.json() == {
        "api_key": TAVILY_KEY,
        "query": QUERY,
        "search_depth": "basic",
        "max_results": 3,
        "include_answer": True,
    }, search.json()

    # The client got Claude's server-side web search shape.
    assert header(reply_headers, "Content-Type").startswith("application/json"), reply_headers
    assert (message["type"], message["role"], message["stop_reason"]) == ("message", "assistant", "end_turn"), message
    assert message["model"] == CLAUDE_MODEL, message["model"]
    assert [block["type"] for block in message["content"]] == ["server_tool_use", "web_search_tool_result", "text"]
    tool_use, results, text = message["content"]
    assert tool_use["name"] == "web_search" and tool_use["input"] == {"query": QUERY}, tool_use
    assert tool_use["id"].startswith("srvtoolu_") and results["tool_use_id"] == tool_use["id"], (tool_use, results)
    assert results["content"] == expected_hits(), results
    assert text["text"] == TAVILY_ANSWER, text
    assert message["usage"]["server_tool_use"]["web_search_requests"] == 1, message["usage"]

    # Streamed: the same blocks as Claude's SSE event sequence.
    assert header(s_headers, "Content-Type").startswith("text/event-stream"), s_headers
    events = parse_sse(s_data)
    assert [name for name, _ in events] == EXPECTED_STREAM, [name for name, _ in events]
    assert all(payload.get("type") == name for name, payload in events), events
    started = [payload["content_block"] for name, payload in events if name == "content_block_start"]
    assert [block["type"] for block in started] == ["server_tool_use", "web_search_tool_result", "text"], started
    assert started[1]["content"] == expected_hits(), started[1]
    assert started[1]["tool_use_id"] == started[0]["id"]
    deltas = [payload["delta"] for name, payload in events if name == "content_block_delta"]
    assert json.loads(deltas[0]["partial_json"]) == {"query": QUERY}, deltas
    assert deltas[1] == {"type": "text_delta", "text": TAVILY_ANSWER}, deltas
    assert events[0][1]["message"]["model"] == CLAUDE_MODEL
    assert events[-2][1]["usage"]["server_tool_use"]["web_search_requests"] == 1, events[-2]
    assert events[-2][1]["delta"]["stop_reason"] == "end_turn"
    assert len(tavily_after_stream) == 2 and tavily_after_stream[1].json()["api_key"] == TAVILY_KEY
    # The stream ran the same chain, Codex first again: not deprioritised, because CPA's
    # host.model.* error carries the upstream body without the status and the router's penalty
    # looks for "429" in the text. The 429 put the key in a short quota cooldown, so CPA either
    # refused the Codex attempt itself (logged) or let it reach the fake Codex, which said 429.
    cooldown = f'for model "{CODEX_MODEL}" (provider=codex) are in cooldown'
    if len(codex_after_stream) == 2:
        assert codex_after_stream[1].path == "/codex/responses"
        assert codex_after_stream[1].json()["model"] == CODEX_MODEL
        stream_codex = "the fake Codex answered 429 again"
    else:
        assert len(codex_after_stream) == 1 and cooldown in log_text, [
            (r.path, r.body[:200]) for r in codex_after_stream
        ]
        stream_codex = "CPA refused the Codex attempt (key in quota cooldown after the 429)"

    # Tavily was only ever the local fake: nothing of the plugin's went out through the proxy.
    attempts = refused_attempts(sink)
    assert not [a for a in attempts if "tavily" in a.lower()], attempts
    for line in log_lines:
        harness.evidence(f"[{cpa.version}] server/web-search: {line.strip()}")
    for attempt in attempts:
        harness.evidence(f"[{cpa.version}] server/web-search: outbound attempt refused by the local sink: {attempt}")
    harness.evidence(
        f"[{cpa.version}] server: claude-web-search-router: /v1/messages web_search -> plugin executor; "
        f"fake Codex {codex_request.path} (model {CODEX_MODEL}) answered 429 -> fallback; fake Tavily got "
        f"query {QUERY!r} with key {TAVILY_KEY}; client got server_tool_use + web_search_tool_result + "
        "text, usage.server_tool_use.web_search_requests=1; streamed: 11 Claude SSE events, "
        f"after {stream_codex}"
    )
