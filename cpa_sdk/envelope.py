"""The ``{"ok":...}`` envelope around every response, in both directions.

Plugin responses are built by byte concatenation: the result is already JSON, and wrapping it
needs no parse. Host responses are parsed once and checked the way Go's decoder would read them.
"""

from __future__ import annotations

import json
from typing import Any, Final

import pydantic_core

from cpa_sdk.errors import HostError, HostUnavailableError
from cpa_sdk.wire._go import go_fold

__all__ = ["EMPTY_OK", "OK_PREFIX", "OK_SUFFIX", "error_envelope", "ok_envelope", "parse_host_envelope"]

EMPTY_OK: Final = b'{"ok":true,"result":{}}'
OK_PREFIX: Final = b'{"ok":true,"result":'
OK_SUFFIX: Final = b"}"


def ok_envelope(result: bytes) -> bytes:
    """Wrap an encoded result: ``{"ok":true,"result":<result>}``."""
    return OK_PREFIX + result + OK_SUFFIX


def error_envelope(code: str, message: str, *, retryable: bool = False, http_status: int = 0) -> bytes:
    """An error envelope; the host shows ``message`` and honours ``http_status`` when set."""
    error: dict[str, Any] = {"code": code, "message": message}
    if retryable:
        error["retryable"] = True
    if http_status:
        error["http_status"] = http_status
    return json.dumps({"ok": False, "error": error}, separators=(",", ":"), ensure_ascii=False).encode()


def parse_host_envelope(method: str, rc: int, raw: bytes) -> Any:
    """Return the ``result`` of a host callback's envelope, or raise ``HostError``.

    The host answers rc 0 with an envelope even for failures; rc != 0 with nothing means it could
    not answer at all (CPA's ``internal/pluginhost/host_callbacks_unix.go``). Keys are matched
    case-insensitively, as Go does.
    """
    if not raw:
        raise HostUnavailableError(method, rc)
    try:
        parsed = pydantic_core.from_json(raw)
    except ValueError as exc:
        raise HostError(method, "invalid_envelope", f"host answered invalid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise HostError(method, "invalid_envelope", "host answered a non-object envelope")
    envelope = {go_fold(key): value for key, value in parsed.items()}
    if envelope.get("ok") is True:
        return envelope.get("result")
    error = envelope.get("error")
    if isinstance(error, dict):
        fields = {go_fold(key): value for key, value in error.items()}
        message = str(fields.get("message") or "").strip() or f"host callback {method} failed"
        raise HostError(method, str(fields.get("code") or ""), message)
    raise HostError(method, "", f"host callback {method} failed")
