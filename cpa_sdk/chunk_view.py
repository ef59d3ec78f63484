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
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, overload

import pydantic_core

from cpa_sdk.wire._go import WireDecodeError, decode, go_fold

if TYPE_CHECKING:
    from cpa_sdk.wire import StreamChunkInterceptRequest

__all__ = ["StreamChunkView"]

_T = TypeVar("_T")

_LARGE: Final = frozenset({"historychunks", "originalrequest", "requestbody"})
"""Folded keys of the fields worth decoding only when read: up to 1 MiB each."""


class _Field(Generic[_T]):
    """A field of the view, named as in the wire model and decoded when first read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, view: None, owner: type) -> _Field[_T]: ...
    @overload
    def __get__(self, view: StreamChunkView, owner: type) -> _T: ...
    def __get__(self, view: StreamChunkView | None, owner: type) -> _T | _Field[_T]:
        if view is None:  # read on the class: the descriptor, for help() and documentation
            return self
        value: _T = view._field(self._name)
        return value


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

    request_id = _Field[str]()
    source_format = _Field[str]()
    model = _Field[str]()
    requested_model = _Field[str]()
    host_callback_id = _Field[str]()
    chunk_index = _Field[int]()
    body = _Field["bytes | None"]()
    original_request = _Field["bytes | None"]()
    request_body = _Field["bytes | None"]()
    request_headers = _Field["dict[str, list[str]] | None"]()
    response_headers = _Field["dict[str, list[str]] | None"]()
    metadata = _Field["dict[str, Any] | None"]()

    @property
    def is_header_init(self) -> bool:
        """The ``ChunkIndex`` -1 call: only header changes count."""
        return self.chunk_index == -1

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
