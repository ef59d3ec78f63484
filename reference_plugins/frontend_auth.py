"""frontend-auth: a client authenticator that lets every request in.

Port of CPA's generated ``examples/plugin/frontend-auth``. ``frontend_auth.authenticate``
answers authenticated, principal ``example-frontend-auth-python``, metadata
``{"provider": ...}``, without looking at the request. It shows the shape of the capability;
enabled on a real server it opens the proxy to anyone.
"""

from __future__ import annotations

from cpa_sdk import FrontendAuthProvider
from cpa_sdk.wire import FrontendAuthRequest, FrontendAuthResponse
from reference_plugins._generated import GeneratedExample


class FrontendAuthExample(GeneratedExample, FrontendAuthProvider, slug="frontend-auth"):
    def frontend_auth_identifier(self) -> str:
        return self.pid

    def authenticate(self, request: FrontendAuthRequest) -> FrontendAuthResponse:
        return FrontendAuthResponse(authenticated=True, principal=self.pid, metadata={"provider": self.pid})


PLUGIN = FrontendAuthExample
