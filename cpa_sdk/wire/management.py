"""``management.register`` and ``management.handle`` (``internal/pluginhost/management.go``)."""

from cpa_sdk.wire._go import GoBytes, GoModel, Header, go_field
from cpa_sdk.wire._types import GoInt
from cpa_sdk.wire.common import Metadata

__all__ = [
    "ManagementRegistrationRequest",
    "ManagementRegistrationResponse",
    "ManagementRequest",
    "ManagementResponse",
    "ManagementRoute",
    "ResourceRoute",
]


class ManagementRegistrationRequest(GoModel):
    """Request of ``management.register``, re-sent on every sync."""

    plugin: Metadata = go_field("Plugin", default_factory=Metadata, description="The plugin's own metadata.")
    base_path: str = go_field("BasePath", "", description="Always '/v0/management'.")
    resource_base_path: str = go_field("ResourceBasePath", "", description="'/v0/resource/plugins/<plugin-id>'.")


class ManagementRoute(GoModel):
    """An authenticated Management API route (exact method and path).

    The Go struct also has ``Handler`` (an interface): Go decodes it only from ``null``, so this
    model leaves it out and a plugin must never send it. A GET route with a ``Menu`` becomes a
    resource (legacy form).
    """

    method: str = go_field("Method", "", description="HTTP method; uppercased, default GET.")
    path: str = go_field("Path", "", description="Path under /v0/management; no whitespace, ':' or '*'.")
    menu: str = go_field("Menu", "", description="Legacy: turns a GET route into a menu resource.")
    description: str = go_field("Description", "")

    _go_null_only = frozenset({"handler"})


class ResourceRoute(GoModel):
    """An unauthenticated GET resource under ``/v0/resource/plugins/<plugin-id>``.

    The Go struct also has ``Handler``; this model leaves it out and a plugin must never send it.
    """

    path: str = go_field("Path", "", description="Path under the resource base; no '..', ':', '*' or whitespace.")
    menu: str = go_field("Menu", "", description="Non-empty lists the resource in the plugin's menu.")
    description: str = go_field("Description", "")

    _go_null_only = frozenset({"handler"})


class ManagementRegistrationResponse(GoModel):
    """Result of ``management.register`` (``rpcManagementRegistrationResponse``; snake_case keys)."""

    routes: list[ManagementRoute] | None = go_field("routes", None, description="Authenticated management routes.")
    resources: list[ResourceRoute] | None = go_field("resources", None, description="Unauthenticated GET resources.")


class ManagementRequest(GoModel):
    """Request of ``management.handle``, for routes and resources alike: dispatch on ``Path``.

    For resources ``Method`` is GET and ``Body`` null. JSON bodies of management routes arrive with
    their string values HTML-escaped.
    """

    method: str = go_field("Method", "")
    path: str = go_field("Path", "", description="Full request path, e.g. /v0/management/foo.")
    headers: Header = go_field("Headers", None)
    query: Header = go_field("Query", None, description="Query parameters (url.Values).")
    body: GoBytes = go_field("Body", None)
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


class ManagementResponse(GoModel):
    """Result of ``management.handle``. An error envelope gives the client 502."""

    status_code: GoInt = go_field("StatusCode", 0, description="HTTP status; 0 means 200.")
    headers: Header = go_field("Headers", None)
    body: GoBytes = go_field("Body", None)
