"""``model.register``, ``model.static`` and ``model.for_auth`` (``internal/pluginhost/adapters.go``)."""

from typing import Any

from cpa_sdk.wire._go import GoBytes, GoModel, go_field
from cpa_sdk.wire.common import AuthData, HostConfigSummary, Metadata, ModelInfo

__all__ = [
    "AuthModelRequest",
    "ModelRegistrationRequest",
    "ModelRegistrationResponse",
    "ModelResponse",
    "StaticModelRequest",
]


class ModelRegistrationRequest(GoModel):
    """Request of ``model.register``, sent on every model sync to plugins with
    ``model_registrar`` but without ``model_provider``."""

    plugin: Metadata = go_field("Plugin", default_factory=Metadata, description="The plugin's own metadata.")


class ModelRegistrationResponse(GoModel):
    """Result of ``model.register``. An empty ``Provider`` or ``Models`` registers nothing.

    With ``executor`` declared, ``Provider`` becomes the executor's provider key and overrides
    ``executor.identifier``.
    """

    provider: str = go_field("Provider", "", description="Provider key; trimmed and lowercased by the host.")
    models: list[ModelInfo] | None = go_field("Models", None, description="Complete model set; blank IDs dropped.")


class StaticModelRequest(GoModel):
    """Request of ``model.static``; takes precedence over ``model.register``."""

    plugin: Metadata = go_field("Plugin", default_factory=Metadata, description="The plugin's own metadata.")
    host: HostConfigSummary = go_field("Host", default_factory=HostConfigSummary)


class AuthModelRequest(GoModel):
    """Request of ``model.for_auth``: list the models of one auth record.

    Sent for every auth on every model sync and whenever an auth is added or updated.
    """

    plugin: Metadata = go_field("Plugin", default_factory=Metadata, description="The plugin's own metadata.")
    auth_id: str = go_field("AuthID", "", description="Auth record ID.")
    auth_provider: str = go_field("AuthProvider", "", description="Provider of the auth record.")
    storage_json: GoBytes = go_field("StorageJSON", None, description="Provider-owned JSON of the auth, as bytes.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Mutable host-managed auth metadata.")
    attributes: dict[str, str] | None = go_field("Attributes", None, description="Routing and provider attributes.")
    host: HostConfigSummary = go_field("Host", default_factory=HostConfigSummary)
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )


class ModelResponse(GoModel):
    """Result of ``model.static`` and ``model.for_auth``.

    For ``model.for_auth`` a non-empty ``Provider`` that differs from the auth's means "not mine";
    a non-empty ``AuthUpdate`` updates the auth record. ``model.static`` ignores ``AuthUpdate``.
    """

    provider: str = go_field(
        "Provider", "", description="Provider key; for model.for_auth, a mismatch means 'not mine'."
    )
    models: list[ModelInfo] | None = go_field("Models", None)
    auth_update: AuthData = go_field(
        "AuthUpdate", default_factory=AuthData, description="Fields to update on the auth (model.for_auth only)."
    )
