"""Typed client for the ``host.*`` callbacks (CPA's ``internal/pluginhost/host_callbacks.go``).

Every callback goes through one ``HostTransport``: ``(method, request bytes) -> (rc, bytes)``.
Inside a built ``.so`` that is the C shim's call into CPA, in tests it is the recording fake host
of ``cpa_sdk.testing``; the client never knows which.

The current call's ``host_callback_id`` is attached automatically to the callbacks that take it
(``host.log``, ``host.http.do``/``do_stream``, ``host.model.execute``/``execute_stream``), which
ties outgoing HTTP to the client's request, adds ``request_id`` to logs, and cleans up model
streams with the call. Host errors raise ``HostError`` with the host's message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, Final, Literal, TypeVar

import pydantic_core

from cpa_sdk import wire
from cpa_sdk.envelope import parse_host_envelope
from cpa_sdk.errors import HostError
from cpa_sdk.wire._go import GoModel, Header, decode, encode

__all__ = [
    "Host",
    "HostLogHandler",
    "HostTransport",
    "HTTPStream",
    "LogLevel",
    "ModelStream",
    "current_callback_id",
    "enter_callback_scope",
    "leave_callback_scope",
]

HostTransport = Callable[[str, bytes], tuple[int, bytes]]
"""Sends one host callback: ``(method, request JSON) -> (rc, response envelope)``."""

LogLevel = Literal["trace", "debug", "info", "warn", "error"]

_ResultT = TypeVar("_ResultT", bound=GoModel)

_callback_id: Final[ContextVar[str]] = ContextVar("cpa_host_callback_id", default="")


def current_callback_id() -> str:
    """The ``host_callback_id`` of the plugin call running in this context, or ``""``."""
    return _callback_id.get()


# The dispatcher's seam, run around every scoped call: the context variable's own methods, bound,
# so that a request pays for no wrapper frame.
enter_callback_scope: Final[Callable[[str], Token[str]]] = _callback_id.set
"""Make a ``host_callback_id`` the current call's, for the callbacks it makes; returns the token
``leave_callback_scope`` takes back when the call ends."""
leave_callback_scope: Final[Callable[[Token[str]], None]] = _callback_id.reset
"""End the scope ``enter_callback_scope`` opened."""


class Host:
    """The plugin's view of CPA. Thread-safe: it holds no mutable state of its own."""

    def __init__(self, transport: HostTransport) -> None:
        self._transport = transport

    # -- plumbing ---------------------------------------------------------------------------

    def call_raw(self, method: str, request: bytes) -> Any:
        """Send any callback and return its decoded ``result`` JSON (for future methods)."""
        rc, raw = self._transport(method, request)
        return parse_host_envelope(method, rc, raw)

    def _call(self, method: str, request: GoModel, result: type[_ResultT]) -> _ResultT:
        payload = self.call_raw(method, encode(request))
        try:
            return decode(result, pydantic_core.to_json(payload if payload is not None else {}))
        except ValueError as exc:
            raise HostError(method, "invalid_result", f"cannot decode host result: {exc}") from None

    def _call_void(self, method: str, request: GoModel) -> None:
        self.call_raw(method, encode(request))

    # -- host.log ---------------------------------------------------------------------------

    def log(self, message: str, *, level: LogLevel = "info", **fields: Any) -> None:
        """Write to CPA's log. Never raises: a failed log must not fail the plugin call."""
        request = wire.HostLogRequest(
            host_callback_id=_callback_id.get(),
            level=level,
            message=message,
            fields=fields or None,
        )
        try:
            self._call_void("host.log", request)
        except HostError:
            pass

    # -- host.http.* ------------------------------------------------------------------------

    def http_do(self, request: wire.HostHTTPRequest) -> wire.HTTPResponse:
        """``host.http.do``: one buffered HTTP request through CPA's proxy-aware client.

        Non-2xx statuses are results, not errors.
        """
        return self._call("host.http.do", self._with_callback_id(request), wire.HTTPResponse)

    def http(
        self, method: str, url: str, *, headers: Mapping[str, list[str]] | None = None, body: bytes | None = None
    ) -> wire.HTTPResponse:
        """Shorthand for ``http_do``."""
        return self.http_do(wire.HostHTTPRequest(method=method, url=url, headers=_header(headers), body=body))

    def http_do_stream(self, request: wire.HostHTTPRequest) -> wire.HostHTTPStreamResponse:
        """``host.http.do_stream``: answers once the response headers have arrived."""
        return self._call("host.http.do_stream", self._with_callback_id(request), wire.HostHTTPStreamResponse)

    def http_stream_read(self, stream_id: str) -> wire.HostHTTPStreamReadResponse:
        """``host.http.stream_read``: blocks for the next raw read (up to 32 KiB) or EOF."""
        request = wire.StreamIDRequest(stream_id=stream_id)
        return self._call("host.http.stream_read", request, wire.HostHTTPStreamReadResponse)

    def http_stream_close(self, stream_id: str) -> None:
        """``host.http.stream_close``: cancels the upstream request."""
        self._call_void("host.http.stream_close", wire.StreamIDRequest(stream_id=stream_id))

    def http_stream(
        self, method: str, url: str, *, headers: Mapping[str, list[str]] | None = None, body: bytes | None = None
    ) -> HTTPStream:
        """A streamed HTTP response: iterate it for body reads, leave the ``with`` to close it."""
        request = wire.HostHTTPRequest(method=method, url=url, headers=_header(headers), body=body)
        return HTTPStream(self, self.http_do_stream(request))

    # -- host.model.* -----------------------------------------------------------------------

    def model_execute(self, request: wire.HostModelExecutionRequest) -> wire.HostModelExecutionResponse:
        """``host.model.execute``: run a model request through CPA, skipping this plugin's own
        interceptors and router (the host's recursion guard)."""
        request = self._with_callback_id(request).model_copy(update={"stream": False})
        return self._call("host.model.execute", request, wire.HostModelExecutionResponse)

    def model_execute_stream(self, request: wire.HostModelExecutionRequest) -> wire.HostModelStreamResponse:
        """``host.model.execute_stream``: answers after the first chunk (or error) arrived."""
        request = self._with_callback_id(request).model_copy(update={"stream": True})
        return self._call("host.model.execute_stream", request, wire.HostModelStreamResponse)

    def model_stream_read(self, stream_id: str) -> wire.HostModelStreamReadResponse:
        """``host.model.stream_read``: an unknown or closed stream reads as ``done``."""
        request = wire.StreamIDRequest(stream_id=stream_id)
        return self._call("host.model.stream_read", request, wire.HostModelStreamReadResponse)

    def model_stream_close(self, stream_id: str) -> None:
        """``host.model.stream_close``."""
        self._call_void("host.model.stream_close", wire.StreamIDRequest(stream_id=stream_id))

    def model_stream(self, request: wire.HostModelExecutionRequest, *, implicit_close: bool = False) -> ModelStream:
        """A streamed model execution: iterate it for payloads, leave the ``with`` to close it.

        With ``implicit_close`` the stream is not closed explicitly: the host closes it when the
        plugin call that opened it returns (the example's "implicit close").
        """
        return ModelStream(self, self.model_execute_stream(request), implicit_close=implicit_close)

    # -- host.stream.* (async executor output) ----------------------------------------------

    def stream_emit(self, stream_id: str, payload: bytes | None = None, *, error: str = "") -> None:
        """``host.stream.emit``: blocks while the host's 16-chunk buffer is full.

        Raises ``HostError`` once the stream is gone; stop producing then.
        """
        request = wire.HostStreamEmitRequest(stream_id=stream_id, payload=payload, error=error)
        self._call_void("host.stream.emit", request)

    def stream_close(self, stream_id: str, error: str = "") -> None:
        """``host.stream.close``: ends the stream, with a final error chunk if ``error`` is set."""
        self._call_void("host.stream.close", wire.HostStreamCloseRequest(stream_id=stream_id, error=error))

    # -- host.auth.* --------------------------------------------------------------------------

    def auth_list(self) -> list[wire.HostAuthFileEntry]:
        """``host.auth.list``: every auth file, sorted by name."""
        return self._call("host.auth.list", wire.EmptyRequest(), wire.HostAuthListResponse).files or []

    def auth_get(self, auth_index: str) -> wire.HostAuthGetResponse:
        """``host.auth.get``: the auth file's JSON (as a parsed value) by ``auth_index``."""
        return self._call("host.auth.get", wire.HostAuthGetRequest(auth_index=auth_index), wire.HostAuthGetResponse)

    def auth_get_runtime(self, auth_index: str) -> wire.HostAuthFileEntry:
        """``host.auth.get_runtime``: the runtime record (status, counters, retry times)."""
        response = self._call(
            "host.auth.get_runtime", wire.HostAuthGetRequest(auth_index=auth_index), wire.HostAuthGetRuntimeResponse
        )
        return response.auth

    def auth_save(self, name: str, json: Any) -> wire.HostAuthSaveResponse:
        """``host.auth.save``: write ``<auth-dir>/<name>`` (must end in ``.json``) and register it."""
        return self._call("host.auth.save", wire.HostAuthSaveRequest(name=name, json=json), wire.HostAuthSaveResponse)

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _with_callback_id(request: _RequestT) -> _RequestT:
        if request.host_callback_id:
            return request
        callback_id = _callback_id.get()
        if not callback_id:
            return request
        return request.model_copy(update={"host_callback_id": callback_id})


_RequestT = TypeVar("_RequestT", "wire.HostHTTPRequest", "wire.HostModelExecutionRequest")


def _header(headers: Mapping[str, list[str]] | None) -> Header:
    return None if headers is None else {key: list(values) for key, values in headers.items()}


class HTTPStream:
    """An open ``host.http.do_stream`` response. Iterate for body bytes; closes when done."""

    def __init__(self, host: Host, opened: wire.HostHTTPStreamResponse) -> None:
        self._host = host
        self.status_code = opened.status_code
        self.headers = opened.headers or {}
        self.stream_id = opened.stream_id
        self._done = False

    def __iter__(self) -> Iterator[bytes]:
        while not self._done:
            read = self._host.http_stream_read(self.stream_id)
            if read.payload:
                yield read.payload
            if read.error:
                self._done = True
                raise HostError("host.http.stream_read", "stream_error", read.error)
            if read.done:
                self._done = True  # the host closed it at EOF

    def close(self) -> None:
        """Abandon the stream early; harmless after EOF."""
        if not self._done:
            self._done = True
            self._host.http_stream_close(self.stream_id)

    def __enter__(self) -> HTTPStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ModelStream:
    """An open ``host.model.execute_stream``. Iterate for payloads; an error chunk raises."""

    def __init__(self, host: Host, opened: wire.HostModelStreamResponse, *, implicit_close: bool) -> None:
        if not opened.stream_id:
            raise HostError("host.model.execute_stream", "invalid_result", "host returned an empty stream_id")
        self._host = host
        self.status_code = opened.status_code
        self.headers = opened.headers or {}
        self.stream_id = opened.stream_id
        self.implicit_close = implicit_close
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        while True:
            read = self._host.model_stream_read(self.stream_id)
            if read.payload:
                yield read.payload
            if read.error:
                raise HostError("host.model.stream_read", "stream_error", read.error)
            if read.done:
                return

    def close(self) -> None:
        """Close explicitly, unless ``implicit_close`` leaves it to the end of the call."""
        if not self._closed and not self.implicit_close:
            self._closed = True
            self._host.model_stream_close(self.stream_id)

    def __enter__(self) -> ModelStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


_LEVELS: Final[dict[int, LogLevel]] = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warn",
    logging.ERROR: "error",
    logging.CRITICAL: "error",
}


class HostLogHandler(logging.Handler):
    """Forwards Python ``logging`` records to ``host.log``.

    ``logging.getLogger("my_plugin").addHandler(HostLogHandler(self.host))``; the logger name
    and any ``extra={"fields": {...}}`` go along as structured fields.
    """

    def __init__(self, host: Host, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._host = host

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level = _LEVELS.get(record.levelno) or ("trace" if record.levelno < logging.DEBUG else "error")
            fields: dict[str, Any] = {"logger": record.name}
            extra = getattr(record, "fields", None)
            if isinstance(extra, dict):
                fields.update(extra)
            self._host.log(self.format(record), level=level, **fields)
        except Exception:
            self.handleError(record)
