"""What the claude-web-search-router tests share: request bodies, scripted hosts, and the golden
transcript of the Go example (``claude_web_search_router_go_transcript``) as replayable steps.

The transcript is text, one line each: ``>>> <method> <request>``, then ``rc <n> <envelope>``,
then the host callbacks the call made (``host: <method> <payload>``) and, for
``executor.execute_stream``, those made after it returned (``async host: ...``). The recorder cut
some lines at about 300 characters; ``COMPLETIONS`` restores each one, and the parser checks
that the restored text starts with what the transcript kept. Each step is checked by the replay
rule of ``tests.reference.golden`` (``check_answer``).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pytest

from cpa_sdk.testing import FakeHost, HostCall, PluginHarness
from tests.conformance.harness import UpstreamRequest
from tests.reference.golden import Answer, check_answer

CATS_BODY: Final = (
    b'{"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5}],'
    b'"messages":[{"role":"user","content":"Perform a web search for the query: cats"}]}'
)
CATS_B64: Final = base64.b64encode(CATS_BODY).decode()
STREAM_PAYLOAD: Final = b"event: message_start\ndata: {}\n\n"
MESSAGE: Final = b'{"type":"message","content":[]}'


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# ---- the transcript ---------------------------------------------------------------------------


@dataclass
class Step:
    """One plugin call of the transcript and what it made the host do."""

    method: str
    request: str
    rc: int = -1
    out: str = ""
    host_calls: list[tuple[str, str]] = field(default_factory=list)
    """Callbacks during the call, then (``async host``) after it returned, in order."""
    asynchronous: bool = False

    def vector(self) -> dict[str, Any]:
        """The step as a golden vector (``tests.reference.golden``), host calls included."""
        calls = [[method, payload] for method, payload in self.host_calls]
        return {"method": self.method, "req": self.request, "rc": self.rc, "out": self.out, "host_calls": calls}


def _providers_completion(providers: Sequence[str]) -> Callable[[str], str]:
    """The cut ``model.route`` requests end in ``"Available``: the rest is the providers list.

    Which providers the recorder sent is not in the transcript; each list here is one that gives
    the recorded answer (the spec, §5.7, says which providers each answer needs)."""

    def complete(cut: str) -> str:
        return cut[: cut.rindex(', "Available')] + ', "AvailableProviders": ' + json.dumps(list(providers)) + "}"

    return complete


def _callback_id_completion(callback_id: str) -> Callable[[str], str]:
    """The cut ``executor.execute`` requests end in ``"host_c``: the callback ID the host lines show."""

    def complete(cut: str) -> str:
        return cut[: cut.rindex(', "host_c')] + f', "host_callback_id": "{callback_id}"' + "}"

    return complete


def _stream_request(cut: str) -> str:
    # The cut host.model.execute_stream line: codex's request with the transcript's OriginalRequest.
    return json.dumps(
        {
            "entry_protocol": "claude",
            "exit_protocol": "claude",
            "model": "gpt-5.4-mini",
            "stream": True,
            "body": CATS_B64,
            "headers": None,
            "query": None,
            "alt": "",
            "host_callback_id": "cb-8",
        },
        separators=(",", ":"),
    )


COMPLETIONS: Final[dict[int, Callable[[str], str]]] = {
    3: _providers_completion(["codex", "xai"]),  # fallback, no keys, no antigravity model: self
    4: _providers_completion([]),  # nothing runnable: web_search_fallback_exhausted
    5: _providers_completion(["codex"]),  # SourceFormat openai: declined before providers matter
    11: _providers_completion(["claude"]),  # default_provider "claude" available
    12: _providers_completion(["codex"]),  # ... and not: default_provider_unavailable
    14: _providers_completion(["codex"]),  # route codex_web_search: self
    15: _providers_completion([]),  # codex_unavailable
    17: _providers_completion(["codex"]),  # route Codex_Web_Search is no route: ""
    19: _providers_completion(["codex"]),  # route tavily without keys: tavily_unavailable
    21: _providers_completion(["codex"]),  # enabled: false
    23: _providers_completion(["antigravity"]),  # fallback with antigravity_model gem-x: self
    24: _callback_id_completion("cb-7"),
    25: _callback_id_completion("cb-7"),
}
"""Step index -> how to restore its cut request."""

HOST_COMPLETIONS: Final[dict[tuple[int, int], Callable[[str], str]]] = {(27, 0): _stream_request}
"""(step index, callback index) -> how to restore a cut host callback line."""


def _restored(cut: str, complete: Callable[[str], str] | None, where: str) -> str:
    try:
        json.loads(cut or "{}")
        assert complete is None, f"{where} is whole but has a completion"
        return cut
    except json.JSONDecodeError:
        assert complete is not None, f"{where} is cut and has no completion: {cut!r}"
    full = complete(cut)
    assert full.startswith(cut), f"{where}: {full!r} does not continue {cut!r}"
    json.loads(full)
    return full


def parse_transcript(text: str) -> list[Step]:
    steps: list[Step] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(">>> "):
            method, _, request = line[4:].partition(" ")
            index = len(steps)
            steps.append(Step(method, _restored(request, COMPLETIONS.get(index), f"step {index}")))
        elif line.startswith("rc "):
            _, rc, out = line.split(" ", 2)
            steps[-1].rc, steps[-1].out = int(rc), out
        elif line.startswith(("host: ", "async host: ")):
            asynchronous = line.startswith("async ")
            _, _, rest = line.partition("host: ")
            method, _, payload = rest.partition(" ")
            step = steps[-1]
            key = (len(steps) - 1, len(step.host_calls))
            step.host_calls.append((method, _restored(payload, HOST_COMPLETIONS.get(key), f"host call {key}")))
            step.asynchronous = step.asynchronous or asynchronous
        elif line:
            raise AssertionError(f"unreadable transcript line {line!r}")
    return steps


# ---- the host the recorder played ------------------------------------------------------------


def _model(call: HostCall) -> str:
    return str(call.json()["model"])


def transcript_host() -> tuple[FakeHost, threading.Event]:
    """A host answering as the recorder did, and an event set when the plugin stream closes.

    ``host.model.execute``: antigravity (``gem-x``) first fails with 429 and codex answers a
    message; from then on every backend answers status 503 (so the second execute fails through
    codex, xai and antigravity, in penalty order). The recorder's failure had code
    ``upstream_error``; CPA answers every failed callback with ``host_call_failed``, which is what
    the fake host sends. Streams: ``hs-1`` with one Claude SSE event, then done.
    """
    host = FakeHost(strict_logs=True)
    host.on("host.model.execute", {"status_code": 503})
    host.on(
        "host.model.execute",
        {"status_code": 200, "body": b64(MESSAGE)},
        times=1,
        match=lambda call: _model(call) == "gpt-5.4-mini",
    )
    host.on("host.model.execute", error="status 429 too many", times=1, match=lambda call: _model(call) == "gem-x")
    host.on(
        "host.model.execute_stream",
        {"status_code": 200, "headers": {"Content-Type": ["text/event-stream"]}, "stream_id": "hs-1"},
    )
    host.on("host.model.stream_read", {"done": True})
    host.on_each("host.model.stream_read", [{"payload": b64(STREAM_PAYLOAD)}])
    host.on("host.model.stream_close")
    host.on("host.stream.emit")
    closed = threading.Event()
    host.on("host.stream.close", lambda call: closed.set())
    return host, closed


# ---- replaying --------------------------------------------------------------------------------


def replay_transcript(harness: PluginHarness, steps: Sequence[Step], stream_closed: threading.Event) -> int:
    """Replay every step in order on ``harness`` (whose host is ``transcript_host()``); returns
    how many ran."""
    for index, step in enumerate(steps):
        where = f"step {index} ({step.method} {step.request[:80]!r})"
        start = len(harness.host.calls)
        stream_closed.clear()
        result = harness.call_raw(step.method, step.request.encode())
        if step.asynchronous:
            assert stream_closed.wait(10), f"{where}: the stream was never closed"
        check_answer(step.vector(), Answer(result.rc, result.raw, harness.host.calls[start:]), where)
    return len(steps)


def transcript_steps(golden: dict[str, Any]) -> list[Step]:
    return parse_transcript(golden["claude_web_search_router_go_transcript"])


# ---- a Tavily stand-in, reached as CPA would reach it ------------------------------------------


@dataclass
class Reply:
    body: bytes
    status: int = 200
    content_type: str = "application/json"


class TavilyServer:
    """A local HTTP server answering every request with ``reply``, recording what it received
    (the port of upstream's ``httptest.NewServer`` handlers)."""

    def __init__(self) -> None:
        import http.server

        self.reply = Reply(b'{"results":[]}')
        self.received: list[UpstreamRequest] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server spelling
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                server.received.append(UpstreamRequest(self.command, self.path, headers, body))
                self.send_response(server.reply.status)
                if server.reply.content_type:
                    self.send_header("Content-Type", server.reply.content_type)
                self.send_header("Content-Length", str(len(server.reply.body)))
                self.end_headers()
                self.wfile.write(server.reply.body)

            do_GET = do_POST  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def relay_http(call: HostCall) -> dict[str, Any]:
    """Answer ``host.http.do`` by doing the request, as CPA's HTTP client does (no proxy here)."""
    import urllib.error
    import urllib.request

    request = call.json()
    body = base64.b64decode(request["body"]) if request.get("body") else None
    http_request = urllib.request.Request(request["url"], data=body, method=request.get("method") or "GET")
    for name, values in (request.get("headers") or {}).items():
        http_request.add_header(name, ", ".join(values))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(http_request, timeout=10) as response:
            status, headers, data = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, headers, data = exc.code, exc.headers, exc.read()
    return {"StatusCode": status, "Headers": {k: [v] for k, v in headers.items()}, "Body": b64(data)}


@pytest.fixture
def tavily(monkeypatch: pytest.MonkeyPatch) -> Iterator[TavilyServer]:
    """A running ``TavilyServer`` that ``CPA_TAVILY_BASE_URL`` points the plugin at."""
    server = TavilyServer()
    monkeypatch.setenv("CPA_TAVILY_BASE_URL", server.url)
    try:
        yield server
    finally:
        server.close()


def relaying_host() -> FakeHost:
    """A strict host whose ``host.http.do`` really sends the request (to the ``tavily`` server)."""
    return FakeHost(strict_logs=True).on("host.http.do", relay_http)
