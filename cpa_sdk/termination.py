"""Stopping a request from an interceptor: the answer CPA honours, built in one call.

CPA fails open on interceptor errors: when ``request.intercept_before`` or ``_after`` raises
(``PluginError`` included) CPA logs ``pluginhost: request interceptor <id> failed: ...`` and sends
the request on as if the plugin had not been asked. The only way to stop a request is to answer
``Terminate`` with a status, headers and body, which CPA writes to the client unchanged
(``internal/pluginhost/adapters_interceptors.go`` in CPA's source). ``reject`` is that answer
with the JSON error body OpenAI- and Claude-style clients show to their users::

    def intercept_request_before(self, request):
        if b"forbidden" in (request.body or b""):
            return reject(403, "request blocked by policy")
        return None
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from cpa_sdk.wire import RequestInterceptRequest, RequestInterceptResponse

__all__ = ["pass_through", "reject", "terminate"]

HeaderValues = str | Sequence[str]


def terminate(
    status: int,
    body: bytes | str = b"",
    *,
    headers: Mapping[str, HeaderValues] | None = None,
    content_type: str = "",
) -> RequestInterceptResponse:
    """Answer the client directly with ``status``, ``headers`` and ``body``.

    ``status`` must be 200..599: CPA would turn anything else into 403, which is never what the
    caller meant. A ``str`` body is sent as UTF-8. ``content_type``, when given, sets (replaces)
    the ``Content-Type`` header.
    """
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise ValueError(f"termination status must be an HTTP status 200..599, got {status!r}")
    response_headers = {
        name: [value] if isinstance(value, str) else list(value) for name, value in (headers or {}).items()
    }
    if content_type:
        response_headers = {k: v for k, v in response_headers.items() if k.lower() != "content-type"}
        response_headers["Content-Type"] = [content_type]
    payload = body.encode() if isinstance(body, str) else bytes(body)
    return RequestInterceptResponse(
        terminate=True,
        status_code=status,
        response_headers=response_headers or None,
        response_body=payload or None,
    )


def reject(
    status: int,
    message: str,
    *,
    error_type: str = "plugin_request_rejected",
    headers: Mapping[str, HeaderValues] | None = None,
) -> RequestInterceptResponse:
    """``terminate`` with ``{"error":{"message":...,"type":...}}`` as an ``application/json`` body."""
    body = json.dumps({"error": {"message": message, "type": error_type}}, ensure_ascii=False, separators=(",", ":"))
    return terminate(status, body, headers=headers, content_type="application/json")


def pass_through(request: RequestInterceptRequest) -> RequestInterceptResponse:
    """Let the request go on with its headers and body as they are.

    Returning ``None`` does the same with an empty answer; this spells the headers and body
    out, as CPA's Go examples do, for plugins whose answers are compared byte for byte.
    """
    return RequestInterceptResponse(headers=request.headers, body=request.body)
