"""``executor.*`` (``internal/pluginhost/adapters_executors.go``, ``rpc_client_stream.go``).

``executor.identifier`` uses ``EmptyRequest`` and ``IdentifierResponse`` from ``lifecycle``.
"""

from typing import Any

from cpa_sdk.wire._go import GoBytes, GoModel, Header, go_field
from cpa_sdk.wire._types import GoInt

__all__ = [
    "ExecutorHTTPRequest",
    "ExecutorHTTPResponse",
    "ExecutorRequest",
    "ExecutorResponse",
    "ExecutorStreamChunk",
    "ExecutorStreamResponse",
]


class ExecutorRequest(GoModel):
    """Request of ``executor.execute``, ``executor.count_tokens`` and ``executor.execute_stream``.

    ``Payload`` is already translated into ``SourceFormat``; the plugin must answer in ``Format``.
    Requests routed straight to a plugin executor carry no auth fields.
    """

    auth_id: str = go_field("AuthID", "", description="Selected auth; '' when routed without an auth.")
    auth_provider: str = go_field("AuthProvider", "")
    model: str = go_field("Model", "")
    format: str = go_field("Format", "", description="Negotiated output format the plugin must produce.")
    stream: bool = go_field("Stream", False)
    alt: str = go_field("Alt", "", description="Alternate route or mode suffix.")
    headers: Header = go_field("Headers", None)
    query: Header = go_field("Query", None, description="Query parameters (url.Values).")
    original_request: GoBytes = go_field("OriginalRequest", None, description="Raw client body, untranslated.")
    source_format: str = go_field("SourceFormat", "", description="Negotiated input format: the format of Payload.")
    payload: GoBytes = go_field("Payload", None, description="Request body translated into SourceFormat.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Host/plugin coordination data.")
    storage_json: GoBytes = go_field("StorageJSON", None, description="Provider-owned JSON of the auth, as bytes.")
    auth_metadata: dict[str, Any] | None = go_field(
        "AuthMetadata", None, description="Mutable host-managed auth metadata."
    )
    auth_attributes: dict[str, str] | None = go_field(
        "AuthAttributes", None, description="Routing and provider attributes."
    )
    stream_id: str = go_field(
        "stream_id", "", description="executor.execute_stream only: the stream to feed with host.stream.emit."
    )
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


class ExecutorResponse(GoModel):
    """Result of ``executor.execute`` and ``executor.count_tokens``; always HTTP 200 downstream.

    To fail with a status, return an error envelope with ``http_status``.
    """

    payload: GoBytes = go_field("Payload", None, description="Response body in the request's Format.")
    headers: Header = go_field("Headers", None)
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Executor-specific response data.")


class ExecutorStreamChunk(GoModel):
    """One inline stream chunk of ``executor.execute_stream``.

    The Go struct also has ``Err`` (an ``error`` interface). Go can decode it only from ``null``,
    so this model leaves it out: a plugin must never send it. To fail a stream, return an error
    envelope or use ``host.stream.close`` with ``error``.
    """

    payload: GoBytes = go_field("Payload", None, description="One unit of the negotiated output format.")

    _go_null_only = frozenset({"err"})


class ExecutorStreamResponse(GoModel):
    """Result of ``executor.execute_stream`` (``rpcExecutorStreamResponse``; snake_case keys).

    A non-empty ``chunks`` is inline mode: the stream is those chunks and ends. Empty or absent
    ``chunks`` is async mode: emit with ``host.stream.emit`` after returning, then
    ``host.stream.close``.
    """

    headers: Header = go_field("headers", None, description="Response headers, applied at once.")
    chunks: list[ExecutorStreamChunk] | None = go_field(
        "chunks", None, description="Inline chunks; empty selects async mode."
    )


class ExecutorHTTPRequest(GoModel):
    """Request of ``executor.http_request``: a raw HTTP request sent through this provider's executor."""

    auth_id: str = go_field("AuthID", "")
    auth_provider: str = go_field("AuthProvider", "")
    method: str = go_field("Method", "")
    url: str = go_field("URL", "", description="Absolute upstream URL.")
    headers: Header = go_field("Headers", None)
    body: GoBytes = go_field("Body", None)
    storage_json: GoBytes = go_field("StorageJSON", None, description="Provider-owned JSON of the auth, as bytes.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Mutable host-managed auth metadata.")
    attributes: dict[str, str] | None = go_field("Attributes", None, description="Routing and provider attributes.")
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


class ExecutorHTTPResponse(GoModel):
    """Result of ``executor.http_request``."""

    status_code: GoInt = go_field("StatusCode", 0, description="HTTP status; 0 means 200.")
    headers: Header = go_field("Headers", None)
    body: GoBytes = go_field("Body", None)
