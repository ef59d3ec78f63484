"""``model.route`` (protocol §5.6): a module of its own, so that a scheduler does not build these
models and a router does not build the scheduler's."""

from typing import Any, Final, Literal

from cpa_sdk.wire._go import GoBytes, GoModel, Header, go_field
from cpa_sdk.wire.common import Metadata

__all__ = [
    "MODEL_ROUTE_TARGET_EXECUTOR",
    "MODEL_ROUTE_TARGET_PROVIDER",
    "MODEL_ROUTE_TARGET_SELF",
    "ModelRouteRequest",
    "ModelRouteResponse",
    "ModelRouteTargetKind",
]

ModelRouteTargetKind = Literal["self", "executor", "provider"]
"""Known values of ``ModelRouteResponse.TargetKind`` (compared case-sensitively)."""

MODEL_ROUTE_TARGET_SELF: Final = "self"
"""Route to the router plugin's own executor; ``Target`` is overwritten with its ID."""
MODEL_ROUTE_TARGET_EXECUTOR: Final = "executor"
"""Route to another plugin's executor; ``Target`` is that plugin's ID."""
MODEL_ROUTE_TARGET_PROVIDER: Final = "provider"
"""Route through a built-in provider; ``Target`` is its key, ``TargetModel`` may rename the model."""


class ModelRouteRequest(GoModel):
    """Request of ``model.route``, before model resolution and auth selection."""

    plugin: Metadata = go_field("Plugin", default_factory=Metadata, description="The plugin's own metadata.")
    plugin_id: str = go_field("PluginID", "", description="The router's own plugin ID.")
    source_format: str = go_field("SourceFormat", "", description="Client protocol.")
    requested_model: str = go_field("RequestedModel", "", description="Model the client asked for.")
    stream: bool = go_field("Stream", False)
    headers: Header = go_field("Headers", None, description="Inbound headers.")
    query: Header = go_field("Query", None, description="Query parameters (url.Values).")
    body: GoBytes = go_field("Body", None, description="Raw client body.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Read-only context snapshot.")
    available_providers: list[str] | None = go_field(
        "AvailableProviders", None, description="Sorted provider keys with at least one enabled auth."
    )
    host_callback_id: str = go_field("host_callback_id", "", description="Callback scope of this call (§7.1).")


class ModelRouteResponse(GoModel):
    """Result of ``model.route``. The first valid handled answer wins; an invalid target,
    ``Handled: false`` or an error passes to the next router."""

    handled: bool = go_field("Handled", False, description="Whether the plugin routed the request.")
    target_kind: str = go_field("TargetKind", "", description="'self', 'executor' or 'provider'.")
    target: str = go_field("Target", "", description="Plugin ID (executor) or provider key (provider).")
    target_model: str = go_field(
        "TargetModel", "", description="Model on the provider path; '' keeps the requested one."
    )
    reason: str = go_field("Reason", "", description="Diagnostic text.")
