"""``scheduler.pick`` and ``model.route`` (``internal/pluginhost/scheduler.go``, ``model_router.go``)."""

from typing import Any, Final, Literal

from cpa_sdk.wire._go import GoBytes, GoModel, Header, go_field
from cpa_sdk.wire._lazy import decoded_lazily
from cpa_sdk.wire._types import GoInt
from cpa_sdk.wire.common import Metadata

__all__ = [
    "MODEL_ROUTE_TARGET_EXECUTOR",
    "MODEL_ROUTE_TARGET_PROVIDER",
    "MODEL_ROUTE_TARGET_SELF",
    "SCHEDULER_BUILTIN_FILL_FIRST",
    "SCHEDULER_BUILTIN_ROUND_ROBIN",
    "ModelRouteRequest",
    "ModelRouteResponse",
    "ModelRouteTargetKind",
    "SchedulerAuthCandidate",
    "SchedulerBuiltin",
    "SchedulerOptions",
    "SchedulerPickRequest",
    "SchedulerPickResponse",
]

SchedulerBuiltin = Literal["round-robin", "fill-first"]
"""The values ``SchedulerPickResponse.DelegateBuiltin`` accepts (exact spelling)."""

SCHEDULER_BUILTIN_ROUND_ROBIN: Final = "round-robin"
"""Delegate the pick to the built-in round-robin scheduler."""
SCHEDULER_BUILTIN_FILL_FIRST: Final = "fill-first"
"""Delegate the pick to the built-in fill-first scheduler."""

ModelRouteTargetKind = Literal["self", "executor", "provider"]
"""Known values of ``ModelRouteResponse.TargetKind`` (compared case-sensitively)."""

MODEL_ROUTE_TARGET_SELF: Final = "self"
"""Route to the router plugin's own executor; ``Target`` is overwritten with its ID."""
MODEL_ROUTE_TARGET_EXECUTOR: Final = "executor"
"""Route to another plugin's executor; ``Target`` is that plugin's ID."""
MODEL_ROUTE_TARGET_PROVIDER: Final = "provider"
"""Route through a built-in provider; ``Target`` is its key, ``TargetModel`` may rename the model."""


class SchedulerOptions(GoModel):
    """Request-scoped inputs of ``scheduler.pick``."""

    headers: Header = go_field("Headers", None, description="Request headers.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Host-provided scheduler context.")


class SchedulerAuthCandidate(GoModel):
    """One auth the scheduler may pick. Sensitive attributes are removed; ``Metadata`` is always null."""

    id: str = go_field("ID", "", description="Auth ID; answer it as SchedulerPickResponse.AuthID.")
    provider: str = go_field("Provider", "")
    priority: GoInt = go_field("Priority", 0, description="Host priority of the auth.")
    status: str = go_field("Status", "", description="Host-visible auth status.")
    attributes: dict[str, str] | None = go_field("Attributes", None, description="Non-sensitive attributes.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Always null from CPA v7.2.140.")


@decoded_lazily
class SchedulerPickRequest(GoModel):
    """Request of ``scheduler.pick``; only the highest-priority scheduler plugin is asked.

    Decoded lazily: a field, and each candidate's fields, are validated when first read.
    """

    plugin: Metadata = go_field("Plugin", default_factory=Metadata, description="The plugin's own metadata.")
    provider: str = go_field("Provider", "", description="Requested provider; '' for a multi-provider route.")
    providers: list[str] | None = go_field("Providers", None, description="Every provider the route accepts.")
    model: str = go_field("Model", "")
    stream: bool = go_field("Stream", False)
    options: SchedulerOptions = go_field("Options", default_factory=SchedulerOptions)
    candidates: list[SchedulerAuthCandidate] | None = go_field(
        "Candidates", None, description="The auths to pick from."
    )


class SchedulerPickResponse(GoModel):
    """Result of ``scheduler.pick``. ``Handled: false`` lets the built-in scheduler pick.

    ``AuthID`` wins over ``DelegateBuiltin``; an invalid answer falls back to the built-in
    scheduler. An error envelope fails the request (use it to deny).
    """

    auth_id: str = go_field("AuthID", "", description="ID of the chosen candidate.")
    delegate_builtin: str = go_field(
        "DelegateBuiltin", "", description="'round-robin' or 'fill-first' to delegate the pick."
    )
    handled: bool = go_field("Handled", False, description="Whether the plugin decided.")


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
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


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
