"""``frontend_auth.authenticate`` (``internal/pluginhost/adapters_auth.go``).

``frontend_auth.identifier`` uses ``EmptyRequest`` and ``IdentifierResponse`` from ``lifecycle``.
"""

from cpa_sdk.wire._go import GoBytes, GoModel, Header, go_field

__all__ = ["FrontendAuthRequest", "FrontendAuthResponse"]


class FrontendAuthRequest(GoModel):
    """Request of ``frontend_auth.authenticate``: the inbound client request, body included."""

    method: str = go_field("Method", "", description="HTTP method.")
    path: str = go_field("Path", "", description="Request path.")
    headers: Header = go_field("Headers", None, description="Inbound headers, canonical MIME keys.")
    query: Header = go_field("Query", None, description="Query parameters (url.Values).")
    body: GoBytes = go_field("Body", None, description="Full request body.")


class FrontendAuthResponse(GoModel):
    """Result of ``frontend_auth.authenticate``.

    ``Authenticated: false`` (or an error) means "not handled": other providers are tried. It
    never means "denied".
    """

    authenticated: bool = go_field("Authenticated", False, description="Whether this plugin accepts the request.")
    principal: str = go_field("Principal", "", description="Authenticated subject.")
    metadata: dict[str, str] | None = go_field("Metadata", None, description="Identity attributes for later use.")
