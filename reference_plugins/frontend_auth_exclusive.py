"""frontend-auth-exclusive: the only authenticator, admitting requests that carry a fixed header.

Port of CPA's ``examples/plugin/frontend-auth-exclusive`` (Go only). Registered as an exclusive
frontend-auth provider, it replaces CPA's API keys and every other provider: a request is
authenticated, as ``example-frontend-auth-exclusive-go`` with metadata ``mode: exclusive``, when
its first ``X-Example-Frontend-Auth`` header value is exactly ``exclusive``; any other request,
and any request that does not decode, is not.

As in Go (``http.Header.Get``), the header is looked up under its canonical name only: CPA sends
canonical names, and a hand-written ``x-example-frontend-auth`` key does not count.
"""

from __future__ import annotations

from typing import Final

from cpa_sdk import FrontendAuthProvider, Plugin
from cpa_sdk.config import NoConfig
from cpa_sdk.wire import FrontendAuthRequest, FrontendAuthResponse, GoModel, WireDecodeError
from reference_plugins._upstream import UpstreamMetadata

HEADER: Final = "X-Example-Frontend-Auth"


class FrontendAuthExclusiveExample(UpstreamMetadata, Plugin[NoConfig], FrontendAuthProvider):
    plugin_id = "frontend-auth-exclusive"
    name = "example-frontend-auth-exclusive-go"
    logo = "https://example.invalid/example-frontend-auth-exclusive-go.png"
    exclusive = True

    def frontend_auth_identifier(self) -> str:
        return self.name

    def authenticate(self, request: FrontendAuthRequest) -> FrontendAuthResponse:
        values = (request.headers or {}).get(HEADER) or [""]
        if values[0] != "exclusive":
            return FrontendAuthResponse(authenticated=False)
        return FrontendAuthResponse(
            authenticated=True, principal=self.name, metadata={"mode": "exclusive", "provider": self.name}
        )

    def on_invalid_request(self, method: str, error: WireDecodeError) -> GoModel | None:
        return FrontendAuthResponse(authenticated=False) if method == "frontend_auth.authenticate" else None


PLUGIN = FrontendAuthExclusiveExample
