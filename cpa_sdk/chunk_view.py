"""``StreamChunkView``: a ``response.intercept_stream_chunk`` request decoded field by field.

Stream-chunk interceptors run once per chunk of every streaming response, and ``HistoryChunks``
can hold up to 1 MiB per call, so the view does not validate the request whole: the JSON is
parsed once and each field is checked and decoded when read, as ``StreamChunkInterceptRequest``
would decode it (Go's case-insensitive keys, strict base64). Decoding through the model instead
costs about 2.5 times as much per chunk (measured while merging issue 16 and 17), which the
interceptor benchmark rows of docs/performance.md would not stay within.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Final

import pydantic_core
from pydantic_core import core_schema

from cpa_sdk.wire._go import WireDecodeError, _sent_canonically, b64decode, decode, go_fold

if TYPE_CHECKING:
    from cpa_sdk.wire import StreamChunkInterceptRequest

__all__ = ["StreamChunkView"]


_CHUNK_KEYS: Final = frozenset(
    {
        "RequestID",
        "SourceFormat",
        "Model",
        "RequestedModel",
        "RequestHeaders",
        "ResponseHeaders",
        "OriginalRequest",
        "RequestBody",
        "Body",
        "HistoryChunks",
        "ChunkIndex",
        "Metadata",
        "host_callback_id",
    }
)
"""The JSON names of ``StreamChunkInterceptRequest`` (with the RPC wrapper's ``host_callback_id``)."""
_CHUNK_KEYS_FOLDED: Final = {go_fold(key): key for key in _CHUNK_KEYS}


_RUST_BASE64_FROM: Final = 2048
"""Base64 fields from this length on are decoded by pydantic-core (``StreamChunkView._bytes``)."""


@functools.cache
def _bytes_reader(key: str) -> pydantic_core.SchemaValidator:
    field = core_schema.typed_dict_field(core_schema.bytes_schema(), required=False)
    config = core_schema.CoreConfig(val_json_bytes="base64")
    return pydantic_core.SchemaValidator(
        core_schema.typed_dict_schema({key: field}, extra_behavior="ignore", config=config)
    )


class StreamChunkView:
    """A ``response.intercept_stream_chunk`` request, decoded field by field on access.

    Keys are matched case-insensitively, as Go does. Byte fields are strict base64, like the
    typed model. Use ``raw`` for anything else.
    """

    __slots__ = ("_fields", "_parsed", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        try:
            parsed = pydantic_core.from_json(raw, cache_strings="keys")
        except ValueError as exc:
            raise WireDecodeError(f"invalid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise WireDecodeError("cannot decode a non-object into StreamChunkInterceptRequest")
        self._parsed = parsed
        if parsed.keys() <= _CHUNK_KEYS:  # what the host sends: the canonical keys, looked up as they are
            self._fields: dict[str, Any] = parsed
        else:  # Go's matching: case-insensitive, the last of the keys that fold alike wins, others ignored
            self._fields = {}
            for key, value in parsed.items():
                canonical = _CHUNK_KEYS_FOLDED.get(go_fold(key))
                if canonical is not None:
                    self._fields[canonical] = value

    def _via_model(self, key: str) -> Any:
        """Field ``key`` decoded by the wire model itself: for values of another shape than the
        host writes (a byte array for []byte, a wrong type), so that they read, or fail, as a
        whole decode would have them."""
        model = _model()
        part = decode(model, pydantic_core.to_json({key: self._fields[key]}))
        return getattr(part, _attribute_names(model)[key])

    def _str(self, key: str) -> str:
        value = self._fields.get(key)
        if value is None:
            return ""
        if type(value) is not str:
            return self._via_model(key)  # type: ignore[no-any-return]
        return value

    def _bytes(self, key: str) -> bytes | None:
        value = self._fields.get(key)
        if value is None:
            return None
        if type(value) is not str:
            return self._via_model(key)  # type: ignore[no-any-return]
        if len(value) >= _RUST_BASE64_FROM and self._fields is self._parsed:
            # pydantic-core decodes base64 several times faster than binascii (it reads the text
            # again, which costs less); what it accepts beyond Go's alphabet is caught by the check
            try:
                decoded = _bytes_reader(key).validate_json(self.raw).get(key)
            except ValueError:  # not base64 at all: binascii says how
                decoded = None
            if decoded is not None and _sent_canonically(decoded, self.raw):
                return decoded  # type: ignore[no-any-return]
        return b64decode(value)

    def _header(self, key: str) -> dict[str, list[str]] | None:
        value = self._fields.get(key)
        if value is not None and type(value) is not dict:
            return self._via_model(key)  # type: ignore[no-any-return]
        return value

    @property
    def request_id(self) -> str:
        return self._str("RequestID")

    @property
    def source_format(self) -> str:
        return self._str("SourceFormat")

    @property
    def model(self) -> str:
        return self._str("Model")

    @property
    def requested_model(self) -> str:
        return self._str("RequestedModel")

    @property
    def host_callback_id(self) -> str:
        return self._str("host_callback_id")

    @property
    def chunk_index(self) -> int:
        value = self._fields.get("ChunkIndex", 0)
        if value is None:
            return 0
        if type(value) is not int:
            return self._via_model("ChunkIndex")  # type: ignore[no-any-return]
        return value

    @property
    def is_header_init(self) -> bool:
        """The ``ChunkIndex`` -1 call: only header changes count."""
        return self.chunk_index == -1

    @property
    def body(self) -> bytes | None:
        return self._bytes("Body")

    @property
    def original_request(self) -> bytes | None:
        return self._bytes("OriginalRequest")

    @property
    def request_body(self) -> bytes | None:
        return self._bytes("RequestBody")

    @property
    def request_headers(self) -> dict[str, list[str]] | None:
        return self._header("RequestHeaders")

    @property
    def response_headers(self) -> dict[str, list[str]] | None:
        return self._header("ResponseHeaders")

    @property
    def metadata(self) -> dict[str, Any] | None:
        value = self._fields.get("Metadata")
        if value is not None and type(value) is not dict:
            return self._via_model("Metadata")  # type: ignore[no-any-return]
        return value

    @property
    def history_chunks(self) -> list[bytes]:
        value = self._fields.get("HistoryChunks")
        if value is None:
            return []
        if type(value) is not list or not all(item is None or type(item) is str for item in value):
            history: list[bytes | None] = self._via_model("HistoryChunks") or []
            return [chunk or b"" for chunk in history]
        return [b"" if item is None else b64decode(item) for item in value]


@functools.cache
def _model() -> type[StreamChunkInterceptRequest]:
    # imported on first odd value, so a plugin whose chunks are as the host writes them loads no model
    from cpa_sdk.wire import StreamChunkInterceptRequest

    return StreamChunkInterceptRequest


@functools.cache
def _attribute_names(model: type[StreamChunkInterceptRequest]) -> dict[str, str]:
    return {info.alias or name: name for name, info in model.model_fields.items()}
