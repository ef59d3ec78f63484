"""auth: an auth provider whose every file, login and refresh yields the same record.

Port of CPA's generated ``examples/plugin/auth``. The provider ``example-auth-python`` claims
every auth file it is asked about, logs in without user interaction and refreshes without
change. The record is ``example-auth-python.json``, labelled "Auth Example", storing
``{"type":"example-auth-python","token":"example-token"}``; logins and refreshes are good
until 2030-01-01.
"""

from __future__ import annotations

from cpa_sdk import AuthProvider
from cpa_sdk.wire import (
    AuthData,
    AuthLoginPollRequest,
    AuthLoginPollResponse,
    AuthLoginStartRequest,
    AuthLoginStartResponse,
    AuthParseRequest,
    AuthParseResponse,
    AuthRefreshRequest,
    AuthRefreshResponse,
)
from reference_plugins._generated import EXAMPLE_EXPIRY, GeneratedExample, example_auth, login_start
from reference_plugins._go_text import marshal


class AuthExample(GeneratedExample, AuthProvider, slug="auth"):
    def auth_identifier(self) -> str:
        return self.pid

    def parse_auth(self, request: AuthParseRequest) -> AuthParseResponse:
        return AuthParseResponse(handled=True, auth=self.record())

    def start_login(self, request: AuthLoginStartRequest) -> AuthLoginStartResponse:
        return login_start(self.pid, "https://example.invalid/login")

    def poll_login(self, request: AuthLoginPollRequest) -> AuthLoginPollResponse:
        return AuthLoginPollResponse(status="success", message="example login complete", auth=self.record())

    def refresh_auth(self, request: AuthRefreshRequest) -> AuthRefreshResponse:
        return AuthRefreshResponse(auth=self.record(), next_refresh_after=EXAMPLE_EXPIRY)

    def record(self) -> AuthData:
        storage = marshal({"type": self.pid, "token": "example-token"})
        return example_auth(self.pid, "Auth Example", storage)


PLUGIN = AuthExample
