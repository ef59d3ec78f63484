"""interceptor-outcomes: a request interceptor that fails on one keyword and terminates on another.

For the server tests of CPA's interceptor semantics (cpa-protocol.md §5.9): a body containing
``raise-me`` makes ``request.intercept_before`` raise ``PluginError``, which CPA must log and
ignore (fail open: the request still reaches the upstream); a body containing ``stop-me`` is
answered with ``Terminate`` 451, which CPA must write to the client without calling the
upstream. Everything else passes unchanged. ``fail_closed`` stays CPA's default (False).
"""

from __future__ import annotations

from cpa_sdk import Plugin, PluginError, RequestInterceptor
from cpa_sdk.termination import reject
from cpa_sdk.wire import RequestInterceptRequest, RequestInterceptResponse

RAISE_KEYWORD = b"raise-me"
STOP_KEYWORD = b"stop-me"
STOP_STATUS = 451
STOP_MESSAGE = "interceptor-outcomes stops this request"
RAISE_MESSAGE = "interceptor-outcomes raises on purpose"


class InterceptorOutcomes(Plugin, RequestInterceptor):
    plugin_id = "interceptor-outcomes"
    name = "interceptor-outcomes"
    version = "0.0.1"
    author = "cpa-sdk conformance tests"
    github_repository = "https://example.invalid/cpa-sdk/interceptor-outcomes"
    schema_version = 3

    def intercept_request_before(self, request: RequestInterceptRequest) -> RequestInterceptResponse | None:
        body = request.body or b""
        if STOP_KEYWORD in body:
            return reject(STOP_STATUS, STOP_MESSAGE)
        if RAISE_KEYWORD in body:
            raise PluginError("interceptor_outcomes", RAISE_MESSAGE)
        return None
