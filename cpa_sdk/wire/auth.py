"""``auth.parse``, ``auth.login.start``, ``auth.login.poll`` and ``auth.refresh`` (``internal/pluginhost/auth_provider.go``).

``auth.identifier`` uses ``EmptyRequest`` and ``IdentifierResponse`` from ``lifecycle``.
"""

from typing import Any, Final, Literal

from cpa_sdk.wire._go import GoBytes, GoModel, GoTime, go_field
from cpa_sdk.wire.common import AuthData, HostConfigSummary

__all__ = [
    "AUTH_LOGIN_STATUS_ERROR",
    "AUTH_LOGIN_STATUS_PENDING",
    "AUTH_LOGIN_STATUS_SUCCESS",
    "AuthLoginPollRequest",
    "AuthLoginPollResponse",
    "AuthLoginStartRequest",
    "AuthLoginStartResponse",
    "AuthLoginStatus",
    "AuthParseRequest",
    "AuthParseResponse",
    "AuthRefreshRequest",
    "AuthRefreshResponse",
]

AuthLoginStatus = Literal["pending", "success", "error"]
"""Known values of ``AuthLoginPollResponse.Status``. ``""`` and unknown values mean pending."""

AUTH_LOGIN_STATUS_PENDING: Final = "pending"
"""Keep polling."""
AUTH_LOGIN_STATUS_SUCCESS: Final = "success"
"""The login produced ``Auth``/``Auths``; the host saves them."""
AUTH_LOGIN_STATUS_ERROR: Final = "error"
"""The login failed with ``Message``."""


class AuthParseRequest(GoModel):
    """Request of ``auth.parse``: an auth file found in the auth directory.

    If ``Provider`` is empty every auth plugin is asked in turn, each with its own identifier
    filled in.
    """

    provider: str = go_field("Provider", "", description="The file's 'type', lowercased.")
    path: str = go_field("Path", "", description="Full path of the file.")
    file_name: str = go_field("FileName", "", description="Base name of the file.")
    raw_json: GoBytes = go_field("RawJSON", None, description="The file's bytes.")
    host: HostConfigSummary = go_field("Host", default_factory=HostConfigSummary)


class AuthParseResponse(GoModel):
    """Result of ``auth.parse``. ``Handled: false`` means "not mine"; a non-empty ``Auths``
    replaces ``Auth``; entries with a blank ``Provider`` inherit the request's."""

    handled: bool = go_field("Handled", False, description="Whether this plugin owns the file.")
    auth: AuthData = go_field("Auth", default_factory=AuthData, description="The parsed record.")
    auths: list[AuthData] | None = go_field("Auths", None, description="Several records; replaces Auth when non-empty.")


class AuthLoginStartRequest(GoModel):
    """Request of ``auth.login.start``, triggered by ``/v0/management/<provider>-auth-url``."""

    provider: str = go_field("Provider", "")
    base_url: str = go_field("BaseURL", "", description="Management OAuth callback URL.")
    host: HostConfigSummary = go_field("Host", default_factory=HostConfigSummary)
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Always null from CPA v7.2.140.")
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


class AuthLoginStartResponse(GoModel):
    """Result of ``auth.login.start``.

    ``State`` must be 1-128 characters of ``[A-Za-z0-9._-]`` without ``..``, or the management
    client gets 502.
    """

    provider: str = go_field("Provider", "")
    url: str = go_field("URL", "", description="Login URL shown to the user.")
    state: str = go_field("State", "", description="Opaque session key sent back on each poll.")
    expires_at: GoTime = go_field("ExpiresAt", None, description="Session expiry; None is Go's zero time.")
    metadata: dict[str, Any] | None = go_field(
        "Metadata", None, description="Stored with the session, sent on each poll."
    )


class AuthLoginPollRequest(GoModel):
    """Request of ``auth.login.poll``."""

    provider: str = go_field("Provider", "")
    state: str = go_field("State", "", description="State returned by auth.login.start.")
    host: HostConfigSummary = go_field("Host", default_factory=HostConfigSummary)
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Metadata returned by auth.login.start.")
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


class AuthLoginPollResponse(GoModel):
    """Result of ``auth.login.poll``. On ``success`` every record is saved; one invalid record
    fails the whole login."""

    status: str = go_field("Status", "", description="'pending', 'success' or 'error'; others mean pending.")
    message: str = go_field("Message", "", description="Error text for status 'error'.")
    auth: AuthData = go_field("Auth", default_factory=AuthData)
    auths: list[AuthData] | None = go_field("Auths", None, description="Several records; replaces Auth when non-empty.")


class AuthRefreshRequest(GoModel):
    """Request of ``auth.refresh`` for an auth of this plugin's provider."""

    auth_id: str = go_field("AuthID", "")
    auth_provider: str = go_field("AuthProvider", "")
    storage_json: GoBytes = go_field("StorageJSON", None, description="Provider-owned JSON of the auth, as bytes.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Mutable host-managed auth metadata.")
    attributes: dict[str, str] | None = go_field("Attributes", None, description="Routing and provider attributes.")
    host: HostConfigSummary = go_field("Host", default_factory=HostConfigSummary)
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


class AuthRefreshResponse(GoModel):
    """Result of ``auth.refresh``. Blank fields of ``Auth`` keep the old values.

    The top-level ``NextRefreshAfter`` always overrides ``Auth.NextRefreshAfter``; when it is
    zero the old value is kept.
    """

    auth: AuthData = go_field("Auth", default_factory=AuthData, description="The refreshed record.")
    next_refresh_after: GoTime = go_field(
        "NextRefreshAfter", None, description="Earliest next refresh; None keeps the old value."
    )
