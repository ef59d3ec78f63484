"""request-lifecycle: admission control with active termination and exactly-once release.

Port of CPA's ``examples/plugin/request-lifecycle``, which needs a host speaking RPC schema 2 or
newer (``request.complete``). Before auth selection every request is checked, in this order:

1. a request already admitted passes (CPA may ask again for the same ``RequestID``);
2. a body containing ``reject_keyword`` is terminated with 403;
3. with ``max_concurrency`` requests in flight, it is terminated with 429 and ``Retry-After: 1``;
4. otherwise it is admitted and passes.

CPA reports the end of every model execution, whatever its outcome (succeeded, failed,
rejected, canceled), with ``request.complete``; that frees the request's slot. Completions of
requests never admitted, and repeated completions, change nothing. Reconfiguring keeps the
requests in flight; shutting down forgets them.

```yaml
plugins:
  enabled: true
  configs:
    request-lifecycle:
      enabled: true
      max_concurrency: 2
      reject_keyword: blocked
```

Differences from upstream, on purpose: the error for a host below schema 2 also names the
schema the host speaks (the SDK's wording for every schema-2 capability); a request without an
ID is refused with return code 0 rather than 1, as the SDK answers every ``PluginError`` (CPA
reads an error envelope the same with either code, ``internal/pluginhost/loader_unix.go``); a
schema-2 host gets a schema-2 registration, where upstream always answers 3, which such a host
refuses (``internal/pluginhost/rpc_client.go``).
"""

from __future__ import annotations

from pydantic import Field, field_validator

from cpa_sdk import Host, Plugin, PluginConfig, PluginError, RequestInterceptor, RequestLifecyclePlugin
from cpa_sdk.admission import AdmissionSet
from cpa_sdk.termination import pass_through, reject
from cpa_sdk.wire import RequestCompletion, RequestInterceptRequest, RequestInterceptResponse
from reference_plugins._upstream import UpstreamMetadata


class Config(PluginConfig):
    max_concurrency: int = Field(2, description="Maximum number of intercepted requests allowed in flight.")
    reject_keyword: str = Field("blocked", description="Terminates requests whose raw JSON body contains this keyword.")

    @field_validator("max_concurrency")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be greater than zero")
        return value

    @field_validator("reject_keyword")
    @classmethod
    def _trim(cls, value: str) -> str:
        return value.strip()


class RequestLifecycle(UpstreamMetadata, Plugin[Config], RequestInterceptor, RequestLifecyclePlugin):
    plugin_id = name = "request-lifecycle"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.in_flight = AdmissionSet(Config().max_concurrency)

    def on_configure(self, config: Config) -> None:
        self.in_flight.capacity = config.max_concurrency

    def on_shutdown(self) -> None:
        self.in_flight.clear()

    def intercept_request_before(self, request: RequestInterceptRequest) -> RequestInterceptResponse:
        if not request.request_id:
            raise PluginError("plugin_error", "request ID is required")
        if request.request_id not in self.in_flight:
            keyword = self.config.reject_keyword
            if keyword and keyword.encode() in (request.body or b""):
                return reject(403, "request blocked by plugin policy")
            if not self.in_flight.admit(request.request_id):
                return reject(429, "plugin concurrency limit reached", headers={"Retry-After": "1"})
        return pass_through(request)

    def intercept_request_after(self, request: RequestInterceptRequest) -> RequestInterceptResponse:
        return pass_through(request)

    def complete_request(self, request: RequestCompletion) -> None:
        self.in_flight.release(request.request_id)


PLUGIN = RequestLifecycle
