"""Running one request on a built-in provider through ``host.model.*``, buffered or streamed.

A failure raises ``BackendFailure`` with upstream's error text; the orchestration then moves on
to the next backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from cpa_sdk import Host, HostError
from cpa_sdk.wire import HostModelExecutionRequest
from reference_plugins._upstream import host_error_text

__all__ = [
    "BackendFailure",
    "RETRYABLE_STATUSES",
    "execute_on_host",
    "looks_like_openai_responses_sse",
    "retryable_status_in",
    "stream_from_host",
]

RETRYABLE_STATUSES: Final = (429, 503, 502)  # the order upstream looks for them in an error text
WRONG_STREAM_FORMAT: Final = "host model stream returned OpenAI Responses SSE instead of Claude Messages SSE"


class BackendFailure(Exception):
    """One backend did not answer; ``str()`` is the error text upstream reports."""


def retryable_status_in(error: str) -> int:
    """The first of 429, 503, 502 that the error text mentions anywhere, else 0."""
    return next((status for status in RETRYABLE_STATUSES if str(status) in error), 0)


def looks_like_openai_responses_sse(payload: bytes | None) -> bool:
    """Whether a chunk is OpenAI Responses SSE rather than Claude Messages SSE."""
    if not payload:
        return False
    text = payload.decode("utf-8", "replace")
    if "event: message_start" in text:
        return False
    return "event: response." in text or '"type":"response.' in text or '"type": "response.' in text


def _claude_request(model: str, body: bytes | None) -> HostModelExecutionRequest:
    return HostModelExecutionRequest(entry_protocol="claude", exit_protocol="claude", model=model, body=body)


def execute_on_host(host: Host, model: str, body: bytes | None) -> bytes | None:
    """``host.model.execute`` in Claude format; a status of 400 or more is a failure."""
    try:
        response = host.model_execute(_claude_request(model, body))
    except HostError as exc:
        raise BackendFailure(host_error_text(exc)) from None
    if response.status_code >= 400:
        raise BackendFailure(f"host model status {response.status_code}")
    return response.body


def _close_quietly(host: Host, stream_id: str) -> None:
    try:
        host.model_stream_close(stream_id)
    except HostError:
        pass


def stream_from_host(host: Host, model: str, body: bytes | None) -> Iterator[bytes]:
    """Each non-empty payload of ``host.model.execute_stream``, as it arrives.

    The host stream is always closed, also when the consumer stops early. A first payload in
    OpenAI Responses format means the provider cannot answer in Claude format: a failure.
    """
    try:
        opened = host.model_execute_stream(_claude_request(model, body))
    except HostError as exc:
        raise BackendFailure(host_error_text(exc)) from None
    if opened.status_code >= 400:
        _close_quietly(host, opened.stream_id)
        raise BackendFailure(f"host model status {opened.status_code}")
    if not opened.stream_id.strip():
        raise BackendFailure("host model stream: empty stream_id")
    try:
        first = True
        while True:
            try:
                read = host.model_stream_read(opened.stream_id)
            except HostError as exc:
                raise BackendFailure(host_error_text(exc)) from None
            if read.error:
                raise BackendFailure(read.error)
            if read.payload:
                if first and looks_like_openai_responses_sse(read.payload):
                    raise BackendFailure(WRONG_STREAM_FORMAT)
                first = False
                yield bytes(read.payload)
            if read.done:
                return
    finally:
        _close_quietly(host, opened.stream_id)
