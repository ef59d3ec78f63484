"""Server-sent events: writing them, and reading them back out of arbitrary chunks.

Executors that answer in ``claude`` or ``openai-response`` stream format emit SSE text
(``event: <name>`` / ``data: <json>`` / blank line) through ``host.stream.emit``; plugins that
call ``host.model.execute_stream`` or ``host.http.do_stream`` read such text back, cut wherever
the upstream's TCP segments happened to end. ``format_event`` writes one event; ``SSEDecoder``
turns a sequence of chunks into whole events, holding back a partial line or event until the
rest arrives, following the WHATWG event-stream rules (``\\n``, ``\\r\\n`` or ``\\r`` line ends,
``data`` lines joined by ``\\n``, comments and unknown fields ignored).

Note that CPA's own stream-chunk interceptors (``response.intercept_stream_chunk``) see bare
payloads with no ``data:`` framing; this module is for plugins that produce or consume SSE.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["SSEDecoder", "SSEEvent", "format_event", "iter_events"]


def format_event(data: bytes | str, event: str = "", *, event_id: str = "") -> bytes:
    """One event as SSE text: ``event:`` (when given), one ``data:`` line per line of ``data``,
    then the blank line that ends the event.

    ``event`` and ``event_id`` must be single lines: a line break there would start a field the
    caller did not write.
    """
    if any(end in name for name in (event, event_id) for end in ("\n", "\r")):
        raise ValueError("SSE event names and ids cannot contain line breaks")
    payload = data.encode() if isinstance(data, str) else bytes(data)
    parts: list[bytes] = []
    if event:
        parts.append(b"event: " + event.encode() + b"\n")
    if event_id:
        parts.append(b"id: " + event_id.encode() + b"\n")
    for line in payload.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"):
        parts.append(b"data: " + line + b"\n")
    parts.append(b"\n")
    return b"".join(parts)


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One dispatched event. ``event`` is ``""`` when the stream named none (``message``)."""

    data: bytes
    event: str = ""
    event_id: str = ""


class SSEDecoder:
    """Incremental SSE parser: ``feed`` chunks as they arrive, get the events they complete.

    Not thread-safe: one decoder per stream.
    """

    __slots__ = ("_buffer", "_data", "_event", "_has_data", "_last_id", "_pending_cr")

    def __init__(self) -> None:
        self._buffer = b""
        self._pending_cr = False
        self._data: list[bytes] = []
        self._has_data = False
        self._event = ""
        self._last_id = ""

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """The events that ``chunk`` completes, in order."""
        if not chunk:
            return []  # keeps a pending \r: an empty read between \r and \n is not a line end
        if self._pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]  # the \n of a \r\n pair split across chunks
        self._pending_cr = False
        buffer = self._buffer + chunk
        events: list[SSEEvent] = []
        start = 0
        while True:
            end, width = _next_line_end(buffer, start)
            if end < 0:
                break
            if width == 1 and buffer[end : end + 1] == b"\r" and end + 1 == len(buffer):
                self._pending_cr = True  # may be the first half of \r\n
            event = self._line(buffer[start:end])
            if event is not None:
                events.append(event)
            start = end + width
        self._buffer = buffer[start:]
        return events

    def close(self) -> None:
        """End of stream: an event still missing its blank line is dropped (WHATWG rules)."""
        self._buffer, self._data, self._has_data, self._event = b"", [], False, ""

    def _line(self, line: bytes) -> SSEEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(b":"):
            return None
        name, sep, value = line.partition(b":")
        if sep and value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            self._data.append(value)
            self._has_data = True
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id" and b"\0" not in value:
            self._last_id = value.decode("utf-8", "replace")
        return None

    def _dispatch(self) -> SSEEvent | None:
        event, has_data = self._event, self._has_data
        data = b"\n".join(self._data)
        self._data, self._has_data, self._event = [], False, ""
        if not has_data:
            return None
        return SSEEvent(data=data, event=event, event_id=self._last_id)


def _next_line_end(buffer: bytes, start: int) -> tuple[int, int]:
    """Index and width of the first line end at or after ``start``; ``(-1, 0)`` if none."""
    lf = buffer.find(b"\n", start)
    cr = buffer.find(b"\r", start, lf if lf >= 0 else len(buffer))
    if cr >= 0:
        return (cr, 2) if buffer[cr + 1 : cr + 2] == b"\n" else (cr, 1)
    return (lf, 1) if lf >= 0 else (-1, 0)


def iter_events(chunks: bytes | Iterable[bytes]) -> Iterator[SSEEvent]:
    """Every complete event in a stream given as chunks (for example a ``ModelStream``), or in
    one chunk given as bytes (a stream-chunk ``Body``): iterating bytes would give integers."""
    decoder = SSEDecoder()
    for chunk in (chunks,) if isinstance(chunks, bytes | bytearray) else chunks:
        yield from decoder.feed(chunk)
    decoder.close()
