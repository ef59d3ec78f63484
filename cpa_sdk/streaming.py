"""Executor streams: the output an executor plugin produces, inline or emitted after the call.

Executor streams (CPA's ``internal/pluginhost/rpc_client_stream.go``) go either inline, as
``chunks`` in the response, or asynchronously through ``host.stream.emit`` once
``executor.execute_stream`` has returned. The host buffers only 16 chunks and starts draining only
after the call returns, so emitting from inside the call can deadlock. Plugin authors therefore
write a generator; ``StreamPump`` drains it on a thread of its own after the call has returned,
stops at the first emit the host refuses (the client went away), and always closes the stream.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cpa_sdk.errors import HostError, PluginError
from cpa_sdk.wire._go import Header

if TYPE_CHECKING:
    from cpa_sdk.host import Host

__all__ = ["ExecutorStream", "StreamPump"]


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
