"""``plugin.register`` / ``plugin.reconfigure`` / ``plugin.shutdown`` and the shared empty and
identifier shapes (``internal/pluginhost/rpc_schema.go``; protocol §4).

These structs carry snake_case JSON tags, unlike the PascalCase ``sdk/pluginapi`` types.
"""

from typing import Final, Literal

from cpa_sdk.wire._go import GoBytes, GoModel, go_field
from cpa_sdk.wire._types import GoUint32
from cpa_sdk.wire.common import Metadata

__all__ = [
    "EXECUTOR_MODEL_SCOPE_BOTH",
    "EXECUTOR_MODEL_SCOPE_OAUTH",
    "EXECUTOR_MODEL_SCOPE_STATIC",
    "SCHEMA_VERSION",
    "CapabilityFlags",
    "EmptyRequest",
    "EmptyResponse",
    "ExecutorModelScope",
    "IdentifierResponse",
    "LifecycleRequest",
    "Registration",
]

SCHEMA_VERSION: Final = 3
"""RPC schema version of CPA v7.2.140 (``pluginabi.SchemaVersion``)."""

ExecutorModelScope = Literal["both", "static", "oauth"]
"""Known values of ``executor_model_scope``. Empty or any other value, even in another case,
counts as ``"both"``."""

EXECUTOR_MODEL_SCOPE_BOTH: Final = "both"
"""The executor serves static models and OAuth auth-bound models (the default)."""
EXECUTOR_MODEL_SCOPE_STATIC: Final = "static"
"""The executor serves only static (non-OAuth) models; ``model.for_auth`` is not asked."""
EXECUTOR_MODEL_SCOPE_OAUTH: Final = "oauth"
"""The executor serves only OAuth auth-bound models; ``model.register``/``model.static`` are
skipped and model routers cannot target it."""


class EmptyRequest(GoModel):
    """Request without fields: the host sends ``{}``.

    Used by the ``*.identifier`` methods, ``plugin.shutdown`` and ``host.auth.list``.
    """


class EmptyResponse(GoModel):
    """Result without fields: ``{}``. The host ignores whatever a plugin puts here."""


class IdentifierResponse(GoModel):
    """Result of ``auth.identifier``, ``frontend_auth.identifier``, ``executor.identifier`` and
    ``thinking.identifier``. The host trims and lowercases it; empty hides the capability.

    Called very often: must be constant and cheap.
    """

    identifier: str = go_field("identifier", "", description="Provider key this capability owns.")


class LifecycleRequest(GoModel):
    """Request of ``plugin.register`` (first call to a fresh library) and ``plugin.reconfigure``
    (every later config sync). Both expect a full ``Registration`` back."""

    config_yaml: GoBytes = go_field(
        "config_yaml",
        None,
        description="YAML text of plugins.configs.<id>, re-serialised; always has 'enabled' and 'priority'.",
    )
    schema_version: GoUint32 = go_field("schema_version", 0, description="The host's RPC schema version (3).")


class CapabilityFlags(GoModel):
    """Which plugin methods the host may call (``rpcCapabilities``).

    Flags must be JSON booleans. At least one flag other than
    ``frontend_auth_provider_exclusive`` must be true or the registration is rejected.
    """

    model_registrar: bool = go_field("model_registrar", False, description="Enables model.register.")
    model_provider: bool = go_field("model_provider", False, description="Enables model.static and model.for_auth.")
    auth_provider: bool = go_field(
        "auth_provider", False, description="Enables auth.identifier, auth.parse, auth.login.*, auth.refresh."
    )
    frontend_auth_provider: bool = go_field(
        "frontend_auth_provider", False, description="Enables frontend_auth.identifier and frontend_auth.authenticate."
    )
    frontend_auth_provider_exclusive: bool = go_field(
        "frontend_auth_provider_exclusive",
        False,
        description="Make this the only request authenticator; needs frontend_auth_provider.",
    )
    scheduler: bool = go_field("scheduler", False, description="Enables scheduler.pick (highest priority plugin only).")
    model_router: bool = go_field("model_router", False, description="Enables model.route.")
    executor: bool = go_field("executor", False, description="Enables executor.*.")
    executor_model_scope: str = go_field(
        "executor_model_scope", "", description="'static', 'oauth' or 'both'; anything else counts as 'both'."
    )
    executor_input_formats: list[str] | None = go_field(
        "executor_input_formats", None, description="Request protocols the executor accepts; must be non-empty."
    )
    executor_output_formats: list[str] | None = go_field(
        "executor_output_formats", None, description="Response protocols the executor emits; must be non-empty."
    )
    request_translator: bool = go_field("request_translator", False, description="Enables request.translate.")
    request_normalizer: bool = go_field("request_normalizer", False, description="Enables request.normalize.")
    request_interceptor: bool = go_field(
        "request_interceptor", False, description="Enables request.intercept_before and request.intercept_after."
    )
    request_lifecycle_plugin: bool = go_field(
        "request_lifecycle_plugin", False, description="Enables request.complete."
    )
    response_translator: bool = go_field("response_translator", False, description="Enables response.translate.")
    response_before_translator: bool = go_field(
        "response_before_translator", False, description="Enables response.normalize_before."
    )
    response_after_translator: bool = go_field(
        "response_after_translator", False, description="Enables response.normalize_after."
    )
    response_interceptor: bool = go_field(
        "response_interceptor", False, description="Enables response.intercept_after."
    )
    response_stream_interceptor: bool = go_field(
        "response_stream_interceptor",
        False,
        description="Enables response.intercept_stream_chunk (Go field StreamChunkInterceptor).",
    )
    thinking_applier: bool = go_field(
        "thinking_applier", False, description="Enables thinking.identifier and thinking.apply."
    )
    usage_plugin: bool = go_field("usage_plugin", False, description="Enables usage.handle.")
    command_line_plugin: bool = go_field(
        "command_line_plugin", False, description="Enables command_line.register and command_line.execute."
    )
    management_api: bool = go_field(
        "management_api", False, description="Enables management.register and management.handle."
    )


class Registration(GoModel):
    """Result of ``plugin.register`` and ``plugin.reconfigure``.

    The host rebuilds the plugin's metadata and capability set from every reply, and rejects a
    ``schema_version`` above its own; ``0`` counts as ``1``.
    """

    schema_version: GoUint32 = go_field(
        "schema_version", 0, description="Contract version the plugin implements; at most the host's."
    )
    metadata: Metadata = go_field("metadata", default_factory=Metadata)
    capabilities: CapabilityFlags = go_field("capabilities", default_factory=CapabilityFlags)
