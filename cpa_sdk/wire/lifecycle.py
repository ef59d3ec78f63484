"""``plugin.register`` / ``plugin.reconfigure`` / ``plugin.shutdown`` and the shared empty and
identifier shapes (``internal/pluginhost/rpc_schema.go``, ``host.go``).

These structs carry snake_case JSON tags, unlike the PascalCase ``sdk/pluginapi`` types.
"""

import functools
from typing import TYPE_CHECKING, Any, Final, Literal, cast, get_args

from pydantic import create_model

from cpa_sdk.methods import METHODS, MethodTable
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
    "capability_flags_model",
]

SCHEMA_VERSION: Final = 3
"""RPC schema version of CPA v7.2.140 (``pluginabi.SchemaVersion``)."""

ExecutorModelScope = Literal["both", "static", "oauth"]
"""Known values of ``executor_model_scope``. Empty or any other value, even in another case,
counts as ``"both"``."""

EXECUTOR_MODEL_SCOPE_BOTH: Final[ExecutorModelScope] = "both"
"""The executor serves static models and OAuth auth-bound models (the default)."""
EXECUTOR_MODEL_SCOPE_STATIC: Final[ExecutorModelScope] = "static"
"""The executor serves only static (non-OAuth) models; ``model.for_auth`` is not asked."""
EXECUTOR_MODEL_SCOPE_OAUTH: Final[ExecutorModelScope] = "oauth"
"""The executor serves only OAuth auth-bound models; ``model.register``/``model.static`` are
skipped and model routers cannot target it."""


_MODEL_SCOPES: Final = " or ".join(repr(scope) for scope in get_args(ExecutorModelScope))


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


_SETTINGS: Final[dict[str, dict[str, tuple[Any, Any]]]] = {
    "frontend_auth_provider": {
        "frontend_auth_provider_exclusive": (
            bool,
            go_field(
                "frontend_auth_provider_exclusive",
                False,
                description="Make this the only request authenticator; needs frontend_auth_provider.",
            ),
        ),
    },
    "executor": {
        "executor_model_scope": (
            str,
            go_field("executor_model_scope", "", description=f"{_MODEL_SCOPES}; anything else counts as 'both'."),
        ),
        "executor_input_formats": (
            list[str] | None,
            go_field(
                "executor_input_formats", None, description="Request protocols the executor accepts; must be non-empty."
            ),
        ),
        "executor_output_formats": (
            list[str] | None,
            go_field(
                "executor_output_formats", None, description="Response protocols the executor emits; must be non-empty."
            ),
        ),
    },
}
"""The flags that are settings of a capability rather than a switch, after the flag they qualify
(Go's field order)."""

_FLAGS_DOC: Final = """Which plugin methods the host may call (``rpcCapabilities``).

Flags must be JSON booleans. At least one flag other than
``frontend_auth_provider_exclusive`` must be true or the registration is rejected.
"""


@functools.cache
def capability_flags_model(table: MethodTable) -> "type[CapabilityFlags]":
    """The ``capabilities`` model of a registration: one boolean per capability of ``table``, in
    its order, each followed by its settings. Derived, so a new capability is a new table row."""
    fields: dict[str, Any] = {}
    for key in table.capability_keys():
        enabled = ", ".join(row.name for row in table.of_capability(key))
        fields[key] = (bool, go_field(key, False, description=f"Enables {enabled}."))
        fields.update(_SETTINGS.get(key, {}))
    model = create_model("CapabilityFlags", __base__=GoModel, __module__=__name__, __doc__=_FLAGS_DOC, **fields)
    return cast("type[CapabilityFlags]", model)  # the one class type checkers know stands for each


if TYPE_CHECKING:

    class CapabilityFlags(GoModel):
        """Which plugin methods the host may call; the fields come from ``cpa_sdk.methods``."""

        def __getattr__(self, name: str) -> Any: ...

else:
    CapabilityFlags = capability_flags_model(METHODS)


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
