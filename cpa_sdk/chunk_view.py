"""``StreamChunkView``: a ``response.intercept_stream_chunk`` request decoded field by field.

Stream-chunk interceptors run once per chunk of every streaming response, and ``HistoryChunks``
can hold up to 1 MiB per call. The view parses the JSON once; the first field read decodes the
small fields together, and each of the large ones (``HistoryChunks``, ``OriginalRequest``,
``RequestBody``) is decoded only if it is read. Decoding goes through the wire model
(``StreamChunkInterceptRequest``) itself, so a field reads exactly as a full decode gives it:
Go's case-insensitive keys, strict base64, the same errors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import pydantic_core

from cpa_sdk.wire._go import WireDecodeError, decode, go_fold

if TYPE_CHECKING:
    from cpa_sdk.wire import StreamChunkInterceptRequest

__all__ = ["StreamChunkView"]

_LARGE: Final = frozenset({"historychunks", "originalrequest", "requestbody"})
"""Folded keys of the fields worth decoding only when read: up to 1 MiB each."""


class StreamChunkView:
    """A ``response.intercept_stream_chunk`` request, decoded field by field on access.

    Attributes are those of ``StreamChunkInterceptRequest``; use ``raw`` for anything else.
    """

    __slots__ = ("_large", "_parsed", "_small", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        try:
            parsed = pydantic_core.from_json(raw)
        except ValueError as exc:
            raise WireDecodeError(f"invalid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise WireDecodeError("cannot decode a non-object into StreamChunkInterceptRequest")
        self._parsed: dict[str, Any] = parsed
        self._small: StreamChunkInterceptRequest | None = None
        self._large: dict[str, StreamChunkInterceptRequest] = {}

    def _field(self, name: str) -> Any:
        """Field ``name``, decoded (once) from the JSON keys that can fill it."""
        folded = go_fold(_model().model_fields[name].alias or name)
        if folded in _LARGE:
            part = self._large.get(folded)
            if part is None:
                part = self._large[folded] = self._decode(lambda key: key == folded)
        else:
            part = self._small
            if part is None:
                part = self._small = self._decode(lambda key: key not in _LARGE)
        return getattr(part, name)

    def _decode(self, wanted: Callable[[str], bool]) -> StreamChunkInterceptRequest:
        keys = {key: value for key, value in self._parsed.items() if wanted(go_fold(key))}
        return decode(_model(), pydantic_core.to_json(keys))

    @property
    def request_id(self) -> str:
        return str(self._field("request_id"))

    @property
    def source_format(self) -> str:
        return str(self._field("source_format"))

    @property
    def model(self) -> str:
        return str(self._field("model"))

    @property
    def requested_model(self) -> str:
        return str(self._field("requested_model"))

    @property
    def host_callback_id(self) -> str:
        return str(self._field("host_callback_id"))

    @property
    def chunk_index(self) -> int:
        index: int = self._field("chunk_index")
        return index

    @property
    def is_header_init(self) -> bool:
        """The ``ChunkIndex`` -1 call: only header changes count."""
        return self.chunk_index == -1

    @property
    def body(self) -> bytes | None:
        body: bytes | None = self._field("body")
        return body

    @property
    def original_request(self) -> bytes | None:
        original: bytes | None = self._field("original_request")
        return original

    @property
    def request_body(self) -> bytes | None:
        body: bytes | None = self._field("request_body")
        return body

    @property
    def request_headers(self) -> dict[str, list[str]] | None:
        headers: dict[str, list[str]] | None = self._field("request_headers")
        return headers

    @property
    def response_headers(self) -> dict[str, list[str]] | None:
        headers: dict[str, list[str]] | None = self._field("response_headers")
        return headers

    @property
    def metadata(self) -> dict[str, Any] | None:
        metadata: dict[str, Any] | None = self._field("metadata")
        return metadata

    @property
    def history_chunks(self) -> list[bytes]:
        """Earlier chunks, oldest first; a ``null`` entry reads as empty, as Go's nil slice."""
        history: list[bytes | None] | None = self._field("history_chunks")
        return [chunk or b"" for chunk in history or ()]


@functools.cache
def _model() -> type[StreamChunkInterceptRequest]:
    # imported on first read, so a plugin that never reads a chunk loads no interception models
    from cpa_sdk.wire import StreamChunkInterceptRequest

    return StreamChunkInterceptRequest
