"""Streaming, both ways: executor output the plugin produces, and chunks the host hands in.

Executor streams (cpa-protocol.md §6.1) go either inline, as ``chunks`` in the response, or
asynchronously through ``host.stream.emit`` once ``executor.execute_stream`` has returned. The
host buffers only 16 chunks and starts draining only after the call returns, so emitting from
inside the call can deadlock. Plugin authors therefore write a generator; ``StreamPump`` drains
it on a thread of its own after the call has returned, stops at the first emit the host refuses
(the client went away), and always closes the stream.

Stream-chunk interceptors run once per chunk of every streaming response, so
``StreamChunkView`` offers the request without validating it whole: fields are decoded when
read, and ``HistoryChunks`` (up to 1 MiB per call) only if asked for.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import pydantic_core
from pydantic_core import core_schema

from cpa_sdk.errors import HostError, PluginError
from cpa_sdk.wire._go import Header, WireDecodeError, _sent_canonically, b64decode, go_fold

if TYPE_CHECKING:
    from cpa_sdk.host import Host

__all__ = ["ExecutorStream", "StreamChunkView", "StreamPump"]


@dataclass(slots=True)
class ExecutorStream:
    """The answer of ``Executor.execute_stream``.

    ``chunks`` as a list or tuple is sent inline with the response: simplest, for output that is
    ready at once. Any other iterable (typically a generator) is drained after the call returns
    and each item is emitted as it is produced, with the host's backpressure. Each chunk is one
    unit of the request's ``Format``; for ``openai`` that is one bare ``chat.completion.chunk``
    JSON object per chunk, with no ``data:`` framing.
    """

    chunks: Iterable[bytes]
    headers: Header = None
    inline: bool = field(init=False)

    def __post_init__(self) -> None:
        self.inline = isinstance(self.chunks, (list, tuple)) and len(self.chunks) > 0


class StreamPump:
    """Runs asynchronous executor streams on threads the plugin owns, and stops them all.

    CPA frees the plugin's host context as soon as ``shutdown`` returns, so ``close`` tells every
    running stream to stop and waits (bounded) for them.
    """

    def __init__(self, host: Host, *, log_failure: Callable[[str, BaseException], None]) -> None:
        self._host = host
        self._log_failure = log_failure
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()

    def start(self, stream_id: str, chunks: Iterable[bytes]) -> None:
        """Drain ``chunks`` into stream ``stream_id``; the caller's context (and with it the
        request's ``host_callback_id``, valid until the stream closes) goes along."""
        context = contextvars.copy_context()
        thread = threading.Thread(
            target=context.run,
            args=(self._pump, stream_id, iter(chunks)),
            name=f"cpa-stream-{stream_id}",
            daemon=True,
        )
        with self._lock:
            if self._closing.is_set():
                raise RuntimeError("plugin is shutting down")
            self._threads.add(thread)
        thread.start()

    def _pump(self, stream_id: str, chunks: Iterator[bytes]) -> None:
        error = ""
        try:
            for chunk in chunks:
                if self._closing.is_set():
                    error = "plugin is shutting down"
                    break
                if not chunk:
                    continue
                try:
                    self._host.stream_emit(stream_id, bytes(chunk))
                except HostError:
                    break  # the stream is gone (client left or inline mode): stop producing
        except PluginError as exc:  # an expected failure: its message is what the client sees
            error = exc.message
        except BaseException as exc:  # plugin code must never take the host down
            error = f"{type(exc).__name__}: {exc}"
            self._log_failure(f"executor stream {stream_id} failed", exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                try:
                    close()
                except BaseException as exc:
                    self._log_failure(f"closing executor stream {stream_id} failed", exc)
            try:
                self._host.stream_close(stream_id, error)
            except HostError:
                pass  # the host answers {} even for unknown streams; nothing to do
            with self._lock:
                self._threads.discard(threading.current_thread())

    def close(self, timeout: float = 5.0) -> None:
        """Stop every stream at its next chunk and wait up to ``timeout`` seconds in all."""
        with self._lock:
            self._closing.set()
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)


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

    def _str(self, key: str) -> str:
        value = self._fields.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise WireDecodeError(f"{key}: expected a string")
        return value

    def _bytes(self, key: str) -> bytes | None:
        value = self._fields.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise WireDecodeError(f"{key}: expected a base64 string")
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
        if value is not None and not isinstance(value, dict):
            raise WireDecodeError(f"{key}: expected an object of string arrays")
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
            raise WireDecodeError("ChunkIndex: expected an integer")
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
        return value if isinstance(value, dict) else None

    @property
    def history_chunks(self) -> list[bytes]:
        value = self._fields.get("HistoryChunks")
        if value is None:
            return []
        if not isinstance(value, list):
            raise WireDecodeError("HistoryChunks: expected an array")
        if not all(item is None or isinstance(item, str) for item in value):
            raise WireDecodeError("HistoryChunks: expected base64 strings")
        return [b"" if item is None else b64decode(item) for item in value]
