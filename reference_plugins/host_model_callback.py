"""host-model-callback: a status page that runs one model request through CPA and shows the answer.

Port of CPA's ``examples/plugin/host-model-callback`` (Go only). Its ``/status`` resource ("Host
Model Callback") sends a chat request for ``gpt-5.5`` (prompt "Summarize host model callbacks in
one short sentence.", OpenAI protocol in and out) through ``host.model.execute``, or, in stream
mode, through ``host.model.execute_stream`` and ``host.model.stream_read`` until done, closing
the stream with ``host.model.stream_close`` unless ``implicit_close`` leaves that to the host at
the end of the call. The request's ``host_callback_id`` goes along, so CPA skips this plugin's
own hooks for the nested request.

Options come from a JSON body (``model``, ``mode``, ``entry_protocol``, ``exit_protocol``,
``prompt``, ``stream``, ``body``, ``headers``, ``query``, ``alt``, ``implicit_close``), then from
the query; ``mode`` ``stream``/``streaming`` or ``non-stream``/``non_stream``/``nonstream``/``sync``
sets ``stream``, and booleans are read like Go's ``strconv.ParseBool``. ``body`` replaces the
generated chat request. Unreadable options answer 400.

The page lists the options and the status, then any error, the stream's close error, the
response headers, the streamed chunks and the body (re-indented if it is JSON).

Difference from upstream: an empty ``stream_id`` from the host is reported in the SDK's words
(``host.model.execute_stream: host returned an empty stream_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from cpa_sdk import HostError, ManagementAPI, Plugin
from cpa_sdk.config import NoConfig
from cpa_sdk.wire import (
    HostModelExecutionRequest,
    ManagementRequest,
    ManagementResponse,
)
from reference_plugins._go_text import GoType, json_indent, marshal, marshal_indent, parse_bool, syntax_error
from reference_plugins._html_page import BadOptions, StatusPage, html_response, read_body_options
from reference_plugins._upstream import StatusResource, UpstreamMetadata, host_error_text

HOST_CALLBACKS: Final = (
    "host.model.execute",
    "host.model.execute_stream",
    "host.model.stream_read",
    "host.model.stream_close",
)

DEFAULT_PROMPT: Final = "Summarize host model callbacks in one short sentence."
STREAM_MODES: Final = {
    "stream": True,
    "streaming": True,
    "non-stream": False,
    "non_stream": False,
    "nonstream": False,
    "sync": False,
}
TEXT_OPTIONS: Final = ("model", "entry_protocol", "exit_protocol", "alt")
BODY_FIELDS: Final[dict[str, GoType]] = {
    "model": "string",
    "mode": "string",
    "entry_protocol": "string",
    "exit_protocol": "string",
    "prompt": "string",
    "stream": "bool",
    "body": "json.RawMessage",
    "headers": "map[string][]string",
    "query": "map[string][]string",
    "alt": "string",
    "implicit_close": "bool",
}


@dataclass
class Options:
    model: str = "gpt-5.5"
    stream: bool = False
    entry_protocol: str = "openai"
    exit_protocol: str = "openai"
    prompt: str = DEFAULT_PROMPT
    body: bytes | None = None
    headers: dict[str, list[str]] = field(default_factory=dict)
    query: dict[str, list[str]] = field(default_factory=dict)
    alt: str = ""
    implicit_close: bool = False

    def read(self, request: ManagementRequest) -> None:
        """Apply the JSON body, then the query; stop at the first unreadable option."""
        if request.body:
            body = read_body_options(request.body, "hostModelRequest", BODY_FIELDS)
            self._apply_text({key: body.get(key, "") for key in (*TEXT_OPTIONS, "mode", "prompt")})
            self.stream = body.get("stream", self.stream)
            self.implicit_close = body.get("implicit_close", self.implicit_close)
            if body.get("body", b"null") != b"null":
                self.body = body["body"]
            self.headers = body.get("headers", self.headers)
            self.query = body.get("query", self.query)
        query = request.query or {}
        first = {key: (values or [""])[0] for key, values in query.items()}
        self._apply_text({key: first.get(key, "") for key in (*TEXT_OPTIONS, "mode", "prompt")})
        if first.get("body", "").strip():
            if syntax_error(first["body"].encode()) is not None:
                raise BadOptions("query body must be valid JSON")
            self.body = first["body"].encode()
        for name in ("stream", "implicit_close"):
            if first.get(name, "").strip():
                try:
                    setattr(self, name, parse_bool(first[name].strip()))
                except ValueError as exc:
                    raise BadOptions(f"{name} must be a boolean: {exc}") from None

    def _apply_text(self, values: dict[str, str]) -> None:
        for name in TEXT_OPTIONS:
            if values[name].strip():
                setattr(self, name, values[name].strip())
        mode = values["mode"].strip().lower()
        if mode in STREAM_MODES:
            self.stream = STREAM_MODES[mode]
        if values["prompt"]:
            self.prompt = values["prompt"]  # sent as written, spaces included

    def model_request(self, host_callback_id: str) -> HostModelExecutionRequest:
        body = self.body
        if body is None:
            chat = {"model": self.model, "stream": self.stream, "messages": [{"role": "user", "content": self.prompt}]}
            body = marshal(chat)
        return HostModelExecutionRequest(
            entry_protocol=self.entry_protocol,
            exit_protocol=self.exit_protocol,
            model=self.model,
            stream=self.stream,
            body=body,
            headers=self.headers,
            query=self.query,
            alt=self.alt,
            host_callback_id=host_callback_id,
        )


@dataclass
class Outcome:
    status: int = 0
    headers: dict[str, list[str]] = field(default_factory=dict)
    chunks: bytearray = field(default_factory=bytearray)
    body: bytes = b""
    error: str = ""
    close_error: str = ""


class HostModelCallback(UpstreamMetadata, StatusResource, Plugin[NoConfig], ManagementAPI):
    plugin_id = name = "host-model-callback"
    resource_menu = "Host Model Callback"
    resource_description = "Runs a model request through host.model callbacks and displays the result."

    def handle_management(self, request: ManagementRequest) -> ManagementResponse:
        options = Options()
        try:
            options.read(request)
        except BadOptions as exc:
            return render(options, Outcome(error=str(exc)), status_code=400)
        model_request = options.model_request(request.host_callback_id.strip())
        if options.stream:
            outcome = self.run_stream(model_request, options.implicit_close)
        else:
            outcome = self.run_execute(model_request)
        return render(options, outcome)

    def run_execute(self, request: HostModelExecutionRequest) -> Outcome:
        try:
            response = self.host.model_execute(request)
        except HostError as exc:
            return Outcome(error=host_error_text(exc))
        return Outcome(status=response.status_code, headers=response.headers or {}, body=response.body or b"")

    def run_stream(self, request: HostModelExecutionRequest, implicit_close: bool) -> Outcome:
        try:
            stream = self.host.model_stream(request, implicit_close=implicit_close)
        except HostError as exc:
            return Outcome(error=host_error_text(exc))
        outcome = Outcome(status=stream.status_code, headers=dict(stream.headers))
        try:
            for payload in stream:
                outcome.chunks += payload
        except HostError as exc:
            outcome.error = host_error_text(exc)
        try:
            stream.close()  # no callback with implicit_close: the host closes it when this call returns
        except HostError as exc:
            outcome.close_error = host_error_text(exc)
        return outcome


def render(options: Options, outcome: Outcome, *, status_code: int = 200) -> ManagementResponse:
    page = StatusPage("Host Model Callback")
    page.row("model", options.model)
    page.row("mode", "stream" if options.stream else "non-stream")
    page.row("entry_protocol", options.entry_protocol)
    page.row("exit_protocol", options.exit_protocol)
    page.row("stream", _go_bool(options.stream))
    page.row("implicit_close", _go_bool(options.implicit_close))
    if options.stream:
        closing = (
            "implicit close at management.handle return"
            if options.implicit_close
            else "explicit close through host.model.stream_close"
        )
        page.row("close", closing)
    page.row("status", str(outcome.status))
    if outcome.error:
        page.section("Error", outcome.error, error=True)
    if outcome.close_error:
        page.section("Close Error", outcome.close_error, error=True)
    if outcome.headers:
        page.section("Headers", marshal_indent(dict(sorted(outcome.headers.items()))))
    if outcome.chunks:
        page.section("Stream Chunks", _text(bytes(outcome.chunks)))
    if outcome.body:
        page.section("Body", _text(json_indent(outcome.body) or outcome.body))
    return html_response(page.render(), status_code)


def _go_bool(value: bool) -> str:
    return "true" if value else "false"


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


PLUGIN = HostModelCallback
