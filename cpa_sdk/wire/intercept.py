"""Request and response interceptors and ``request.complete`` (``internal/pluginhost/adapters_interceptors.go``,
``sdk/api/handlers/handlers_stream.go``).

Interceptor answers are merged: keys in ``ClearHeaders`` are deleted, then each key in
``Headers`` replaces that header; headers left out are kept. A non-empty ``Body`` replaces the
body.
"""

from typing import Any, Final, Literal

from cpa_sdk.wire._go import GoBytes, GoModel, GoTime, Header, go_field
from cpa_sdk.wire._lazy import decoded_lazily
from cpa_sdk.wire._types import GoInt

__all__ = [
    "REQUEST_COMPLETION_CANCELED",
    "REQUEST_COMPLETION_FAILED",
    "REQUEST_COMPLETION_REJECTED",
    "REQUEST_COMPLETION_SUCCEEDED",
    "STREAM_CHUNK_HEADER_INIT_INDEX",
    "RequestCompletion",
    "RequestCompletionOutcome",
    "RequestInterceptRequest",
    "RequestInterceptResponse",
    "ResponseInterceptRequest",
    "ResponseInterceptResponse",
    "StreamChunkInterceptRequest",
    "StreamChunkInterceptResponse",
]

STREAM_CHUNK_HEADER_INIT_INDEX: Final = -1
"""``ChunkIndex`` of the header-init call that precedes the chunks of each stream (and comes again
after a bootstrap retry)."""

RequestCompletionOutcome = Literal["succeeded", "failed", "rejected", "canceled"]
"""Known values of ``RequestCompletion.Outcome``."""

REQUEST_COMPLETION_SUCCEEDED: Final = "succeeded"
"""The request completed successfully."""
REQUEST_COMPLETION_FAILED: Final = "failed"
"""Model execution failed."""
REQUEST_COMPLETION_REJECTED: Final = "rejected"
"""A request interceptor terminated the request."""
REQUEST_COMPLETION_CANCELED: Final = "canceled"
"""The client went away or the request context was cancelled (status 0)."""


class RequestInterceptRequest(GoModel):
    """Request of ``request.intercept_before`` (before auth selection) and
    ``request.intercept_after`` (after it, once per attempt)."""

    request_id: str = go_field(
        "RequestID", "", description="ID of this model execution; the same in every hook and request.complete."
    )
    trace_id: str = go_field("TraceID", "", description="Log ID of the inbound HTTP request, if any.")
    source_format: str = go_field("SourceFormat", "", description="Client protocol.")
    to_format: str = go_field("ToFormat", "", description="Upstream protocol; '' before auth selection.")
    model: str = go_field("Model", "", description="Current model; the selected upstream model after auth selection.")
    requested_model: str = go_field("RequestedModel", "", description="Model the client asked for.")
    stream: bool = go_field("Stream", False)
    headers: Header = go_field("Headers", None, description="Current upstream request headers.")
    body: GoBytes = go_field("Body", None, description="Current request payload.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Read-only context snapshot.")
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


class RequestInterceptResponse(GoModel):
    """Result of ``request.intercept_*``. ``Terminate`` stops the chain and answers the client
    directly with ``StatusCode`` (outside 200..599 becomes 403), ``ResponseHeaders`` and
    ``ResponseBody``."""

    headers: Header = go_field("Headers", None, description="Headers to set; each key replaces that header.")
    body: GoBytes = go_field("Body", None, description="New payload (and new original request); empty keeps it.")
    clear_headers: list[str] | None = go_field("ClearHeaders", None, description="Headers to delete first.")
    terminate: bool = go_field("Terminate", False, description="Stop here; the request never reaches an upstream.")
    status_code: GoInt = go_field("StatusCode", 0, description="Client status when Terminate; invalid gives 403.")
    response_headers: Header = go_field("ResponseHeaders", None, description="Client headers when Terminate.")
    response_body: GoBytes = go_field("ResponseBody", None, description="Client body when Terminate.")


@decoded_lazily
class RequestCompletion(GoModel):
    """Request of ``request.complete``: sent once per model execution, asynchronously, even after
    the client disconnected. The result is ignored. Decoded lazily: a field when first read."""

    request_id: str = go_field("RequestID", "", description="Same ID the interceptors saw.")
    trace_id: str = go_field("TraceID", "", description="Log ID of the inbound HTTP request, if any.")
    source_format: str = go_field("SourceFormat", "", description="Client protocol.")
    model: str = go_field("Model", "")
    requested_model: str = go_field("RequestedModel", "", description="Model the client asked for.")
    stream: bool = go_field("Stream", False)
    outcome: str = go_field("Outcome", "", description="'succeeded', 'failed', 'rejected' or 'canceled'.")
    status_code: GoInt = go_field("StatusCode", 0, description="Final client status; 0 when canceled.")
    error: str = go_field("Error", "", description="Error text of a failed request.")
    started_at: GoTime = go_field("StartedAt", None, description="Host local time; None is Go's zero time.")
    completed_at: GoTime = go_field("CompletedAt", None, description="Host local time; None is Go's zero time.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Read-only context snapshot.")
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


@decoded_lazily
class ResponseInterceptRequest(GoModel):
    """Request of ``response.intercept_after``: a successful non-streaming response. Decoded
    lazily (a field when first read): both requests ride along with the answer."""

    request_id: str = go_field("RequestID", "", description="Same ID as the request interceptors saw.")
    source_format: str = go_field("SourceFormat", "", description="Client protocol.")
    model: str = go_field("Model", "")
    requested_model: str = go_field("RequestedModel", "", description="Model the client asked for.")
    stream: bool = go_field("Stream", False, description="Always false.")
    request_headers: Header = go_field("RequestHeaders", None)
    response_headers: Header = go_field("ResponseHeaders", None)
    original_request: GoBytes = go_field("OriginalRequest", None, description="Raw client body.")
    request_body: GoBytes = go_field("RequestBody", None, description="Body sent upstream.")
    body: GoBytes = go_field("Body", None, description="Response body.")
    status_code: GoInt = go_field("StatusCode", 0)
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Read-only context snapshot.")
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


class ResponseInterceptResponse(GoModel):
    """Result of ``response.intercept_after``."""

    headers: Header = go_field("Headers", None, description="Headers to set; each key replaces that header.")
    body: GoBytes = go_field("Body", None, description="New body; empty keeps it.")
    clear_headers: list[str] | None = go_field("ClearHeaders", None, description="Headers to delete first.")


@decoded_lazily
class StreamChunkInterceptRequest(GoModel):
    """Request of ``response.intercept_stream_chunk``: first a header-init call
    (``ChunkIndex`` -1, ``Body`` null), then one call per payload chunk.

    For plugins registered with schema 3, ``OriginalRequest`` and ``RequestBody`` are null on
    payload chunks: cache them from the header-init call, keyed by ``RequestID``. Decoded lazily:
    ``HistoryChunks`` can hold 1 MiB on every call, and is decoded only if read.
    """

    request_id: str = go_field("RequestID", "", description="Same ID as the request interceptors saw.")
    source_format: str = go_field("SourceFormat", "", description="Client protocol.")
    model: str = go_field("Model", "")
    requested_model: str = go_field("RequestedModel", "", description="Model the client asked for.")
    request_headers: Header = go_field("RequestHeaders", None)
    response_headers: Header = go_field(
        "ResponseHeaders", None, description="Current headers, earlier changes included."
    )
    original_request: GoBytes = go_field(
        "OriginalRequest", None, description="Raw client body; on payload chunks null for schema >= 3."
    )
    request_body: GoBytes = go_field(
        "RequestBody", None, description="Body sent upstream; on payload chunks null for schema >= 3."
    )
    body: GoBytes = go_field("Body", None, description="The chunk; null on header-init.")
    history_chunks: list[GoBytes] | None = go_field(
        "HistoryChunks", None, description="Chunks already delivered, oldest first; at most 64 and 1 MiB."
    )
    chunk_index: GoInt = go_field("ChunkIndex", 0, description="-1 for header-init, then 0, 1, 2, ...")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Read-only context snapshot.")
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )

    @property
    def is_header_init(self) -> bool:
        """The ``ChunkIndex`` -1 call: only header changes count."""
        return self.chunk_index == -1


class StreamChunkInterceptResponse(GoModel):
    """Result of ``response.intercept_stream_chunk``. On header-init only the header changes
    apply (to the downstream response headers)."""

    headers: Header = go_field("Headers", None, description="Headers to set; each key replaces that header.")
    body: GoBytes = go_field("Body", None, description="New chunk; empty keeps it.")
    clear_headers: list[str] | None = go_field("ClearHeaders", None, description="Headers to delete first.")
    drop_chunk: bool = go_field(
        "DropChunk", False, description="Drop this chunk: not delivered, not in history, later plugins not called."
    )
