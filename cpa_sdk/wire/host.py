"""Payloads of the ``host.*`` callbacks a plugin makes (``internal/pluginhost/host_callbacks.go``,
``auth_callbacks.go``, ``stream_bridge.go``, ``sdk/pluginapi``).

Requests go plugin -> host, results host -> plugin. Keys are snake_case tags except for the
``host.http.do`` result, ``HTTPResponse``, which is PascalCase.
"""

import warnings
from typing import Any, Final, Literal

from cpa_sdk.wire._go import GoBytes, GoModel, GoTime, Header, go_field
from cpa_sdk.wire._types import GoInt, GoInt64

__all__ = [
    "HTTPResponse",
    "HostAuthFileEntry",
    "HostAuthGetRequest",
    "HostAuthGetResponse",
    "HostAuthGetRuntimeResponse",
    "HostAuthListResponse",
    "HostAuthSaveRequest",
    "HostAuthSaveResponse",
    "HostHTTPRequest",
    "HostHTTPStreamReadResponse",
    "HostHTTPStreamResponse",
    "HostLogLevel",
    "HostLogRequest",
    "HostModelExecutionRequest",
    "HostModelExecutionResponse",
    "HostModelStreamReadResponse",
    "HostModelStreamResponse",
    "HostRecentRequestEntry",
    "HostStreamCloseRequest",
    "HostStreamEmitRequest",
    "LOG_LEVEL_DEBUG",
    "LOG_LEVEL_ERROR",
    "LOG_LEVEL_INFO",
    "LOG_LEVEL_TRACE",
    "LOG_LEVEL_WARN",
    "StreamIDRequest",
]

HostLogLevel = Literal["trace", "debug", "info", "warn", "warning", "error"]
"""Levels ``host.log`` knows (case-insensitive). Anything else, or none, logs at debug."""

LOG_LEVEL_TRACE: Final = "trace"
"""Trace level."""
LOG_LEVEL_DEBUG: Final = "debug"
"""Debug level (also what unknown levels get)."""
LOG_LEVEL_INFO: Final = "info"
"""Info level."""
LOG_LEVEL_WARN: Final = "warn"
"""Warning level (``warning`` works too)."""
LOG_LEVEL_ERROR: Final = "error"
"""Error level."""

_CALLBACK_ID = "A host_callback_id from the current plugin call; ties the work to that request."


class HostLogRequest(GoModel):
    """Request of ``host.log``; the result is ``{}``. An empty message becomes ``plugin log``."""

    host_callback_id: str = go_field("host_callback_id", "", description=_CALLBACK_ID + " Adds request_id.")
    level: str = go_field("level", "", description="trace, debug, info, warn/warning or error; default debug.")
    message: str = go_field("message", "")
    fields: dict[str, Any] | None = go_field("fields", None, description="Structured fields; blank keys dropped.")


class HostHTTPRequest(GoModel):
    """Request of ``host.http.do`` and ``host.http.do_stream``, in the flat form.

    The host also accepts ``http_client_id`` (ignored) and a nested ``request`` object that, when
    present, replaces the flat fields; this model writes the flat form only. The call uses the
    global proxy and has no timeout: only the callback scope can cancel it.
    """

    host_callback_id: str = go_field("host_callback_id", "", description=_CALLBACK_ID)
    method: str = go_field("method", "", description="HTTP method; '' means GET.")
    url: str = go_field("url", "", description="Absolute URL.")
    headers: Header = go_field("headers", None)
    body: GoBytes = go_field("body", None)


class HTTPResponse(GoModel):
    """Result of ``host.http.do`` (PascalCase keys). Non-2xx statuses are results, not errors."""

    status_code: GoInt = go_field("StatusCode", 0)
    headers: Header = go_field("Headers", None)
    body: GoBytes = go_field("Body", None, description="The whole response body.")


class HostHTTPStreamResponse(GoModel):
    """Result of ``host.http.do_stream``, once the response headers arrived.

    Read the body with ``host.http.stream_read`` and always ``host.http.stream_close`` a stream
    you abandon. (The Go struct also has ``chunks``, which the host never fills.)
    """

    status_code: GoInt = go_field("status_code", 0)
    headers: Header = go_field("headers", None)
    stream_id: str = go_field("stream_id", "", description="Handle for stream_read / stream_close.")


class StreamIDRequest(GoModel):
    """Request of ``host.http.stream_read``, ``host.http.stream_close``,
    ``host.model.stream_read`` and ``host.model.stream_close``."""

    stream_id: str = go_field("stream_id", "", description="A stream ID from do_stream / execute_stream.")


class HostHTTPStreamReadResponse(GoModel):
    """Result of ``host.http.stream_read``: blocks for the next raw read (up to 32 KiB, no framing).

    An unknown or closed stream is an error envelope, unlike model streams.
    """

    payload: GoBytes = go_field("payload", None, description="Next body bytes.")
    error: str = go_field("error", "", description="Read error; comes with done.")
    done: bool = go_field("done", False, description="End of body; the host has closed the stream.")


class HostModelExecutionRequest(GoModel):
    """Request of ``host.model.execute`` (``stream`` must be false) and
    ``host.model.execute_stream`` (``stream`` must be true).

    The nested execution skips the calling plugin's interceptors, router and request.complete.
    """

    entry_protocol: str = go_field("entry_protocol", "", description="Protocol of body, e.g. 'openai'.")
    exit_protocol: str = go_field("exit_protocol", "", description="Protocol of the result; '' means entry_protocol.")
    model: str = go_field("model", "")
    stream: bool = go_field("stream", False, description="False for execute, true for execute_stream.")
    body: GoBytes = go_field("body", None)
    headers: Header = go_field("headers", None)
    query: Header = go_field("query", None, description="Query parameters (url.Values).")
    alt: str = go_field("alt", "", description="Alternate route or mode suffix.")
    host_callback_id: str = go_field(
        "host_callback_id", "", description=_CALLBACK_ID + " Model streams then close with that scope."
    )


class HostModelExecutionResponse(GoModel):
    """Result of ``host.model.execute``."""

    status_code: GoInt = go_field("status_code", 0)
    headers: Header = go_field("headers", None)
    body: GoBytes = go_field("body", None, description="Response body in exit_protocol.")


class HostModelStreamResponse(GoModel):
    """Result of ``host.model.execute_stream``, sent after the first chunk or error."""

    status_code: GoInt = go_field("status_code", 0)
    headers: Header = go_field("headers", None)
    stream_id: str = go_field("stream_id", "", description="Handle for stream_read / stream_close.")


class HostModelStreamReadResponse(GoModel):
    """Result of ``host.model.stream_read``. An unknown or closed stream reads as ``done``, not as
    an error."""

    payload: GoBytes = go_field("payload", None, description="Next chunk.")
    error: str = go_field("error", "", description="Stream error; comes with done.")
    done: bool = go_field("done", False, description="End of stream.")


class HostStreamEmitRequest(GoModel):
    """Request of ``host.stream.emit`` (async ``executor.execute_stream``); the result is ``{}``.

    Blocks while 16 chunks are queued. After an error result, stop producing for that stream.
    """

    stream_id: str = go_field("stream_id", "", description="stream_id of the executor.execute_stream request.")
    payload: GoBytes = go_field("payload", None, description="One chunk in the negotiated output format.")
    error: str = go_field("error", "", description="Non-empty queues an error chunk that ends the stream.")


class HostStreamCloseRequest(GoModel):
    """Request of ``host.stream.close``: ends an async executor stream. Every stream must be closed."""

    stream_id: str = go_field("stream_id", "", description="stream_id of the executor.execute_stream request.")
    error: str = go_field("error", "", description="Non-empty appends a final error chunk.")


class HostRecentRequestEntry(GoModel):
    """One bucket of an auth's recent request counters."""

    time: str = go_field("time", "", description="Bucket label.")
    success: GoInt64 = go_field("success", 0)
    failed: GoInt64 = go_field("failed", 0)


class HostAuthFileEntry(GoModel):
    """One credential as ``host.auth.list`` and ``host.auth.get_runtime`` describe it.

    The host always writes the five times, zero as ``0001-01-01T00:00:00Z``, read here as None.
    """

    id: str = go_field("id", "", description="Auth record ID.")
    auth_index: str = go_field("auth_index", "", description="Stable runtime index; the key of host.auth.get.")
    name: str = go_field("name", "", description="File name or runtime identifier.")
    type: str = go_field("type", "", description="Provider type.")
    provider: str = go_field("provider", "")
    label: str = go_field("label", "")
    status: str = go_field("status", "")
    status_message: str = go_field("status_message", "")
    disabled: bool = go_field("disabled", False)
    unavailable: bool = go_field("unavailable", False)
    runtime_only: bool = go_field("runtime_only", False, description="No backing auth file.")
    source: str = go_field("source", "", description="'file' or 'memory'.")
    path: str = go_field("path", "", description="Backing file path.")
    size: GoInt64 = go_field("size", 0, description="Backing file size.")
    modtime: GoTime = go_field("modtime", None)
    updated_at: GoTime = go_field("updated_at", None)
    created_at: GoTime = go_field("created_at", None)
    last_refresh: GoTime = go_field("last_refresh", None)
    next_retry_after: GoTime = go_field("next_retry_after", None)
    email: str = go_field("email", "")
    project_id: str = go_field("project_id", "")
    account_type: str = go_field("account_type", "")
    account: str = go_field("account", "")
    priority: GoInt = go_field("priority", 0)
    note: str = go_field("note", "")
    websockets: bool = go_field("websockets", False)
    success: GoInt64 = go_field("success", 0, description="Recent success count.")
    failed: GoInt64 = go_field("failed", 0, description="Recent failure count.")
    recent_requests: list[HostRecentRequestEntry] | None = go_field("recent_requests", None)


class HostAuthListResponse(GoModel):
    """Result of ``host.auth.list`` (request: ``{}``): sorted by lowercased name; ``[]`` when empty."""

    files: list[HostAuthFileEntry] | None = go_field("files", None)


class HostAuthGetRequest(GoModel):
    """Request of ``host.auth.get`` and ``host.auth.get_runtime``."""

    auth_index: str = go_field("auth_index", "", description="HostAuthFileEntry.auth_index (a string).")


# ``json`` is the wire name and the snake_case name; it shadows the deprecated BaseModel.json().
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "json"', category=UserWarning)

    class HostAuthGetResponse(GoModel):
        """Result of ``host.auth.get``: the physical auth file. ``json`` is embedded JSON, not base64."""

        auth_index: str = go_field("auth_index", "")
        name: str = go_field("name", "", description="File name or auth ID.")
        path: str = go_field("path", "", description="File path.")
        json: Any = go_field("json", None, description="The file's JSON value, embedded.")

    class HostAuthSaveRequest(GoModel):
        """Request of ``host.auth.save``: write ``<auth-dir>/<name>`` (mode 0600) and register it."""

        name: str = go_field("name", "", description="File name; no path separators, must end in .json.")
        json: Any = go_field("json", None, description="A JSON object, embedded (not base64).")


class HostAuthGetRuntimeResponse(GoModel):
    """Result of ``host.auth.get_runtime``."""

    auth: HostAuthFileEntry = go_field("auth", default_factory=HostAuthFileEntry)


class HostAuthSaveResponse(GoModel):
    """Result of ``host.auth.save``."""

    name: str = go_field("name", "")
    path: str = go_field("path", "", description="Where the file was written.")
