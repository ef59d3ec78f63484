"""Object shapes shared by many methods (``sdk/pluginapi/types.go``).

None of these Go structs has JSON tags, so every key is the PascalCase Go field name.
"""

from typing import Any, Final, Literal

from cpa_sdk.wire._go import GoBytes, GoModel, GoTime, go_field
from cpa_sdk.wire._types import GoInt, GoInt64

__all__ = [
    "CONFIG_FIELD_TYPE_ARRAY",
    "CONFIG_FIELD_TYPE_BOOLEAN",
    "CONFIG_FIELD_TYPE_ENUM",
    "CONFIG_FIELD_TYPE_INTEGER",
    "CONFIG_FIELD_TYPE_NUMBER",
    "CONFIG_FIELD_TYPE_OBJECT",
    "CONFIG_FIELD_TYPE_STRING",
    "AuthData",
    "ConfigField",
    "ConfigFieldType",
    "HostConfigSummary",
    "Metadata",
    "ModelAlias",
    "ModelInfo",
    "ThinkingSupport",
]

ConfigFieldType = Literal["string", "number", "integer", "boolean", "enum", "array", "object"]
"""Documented values of ``ConfigField.Type`` (Go ``ConfigFieldType``). The host passes any string
through to the management UI unchecked."""

CONFIG_FIELD_TYPE_STRING: Final = "string"
"""A string configuration value."""
CONFIG_FIELD_TYPE_NUMBER: Final = "number"
"""A numeric configuration value."""
CONFIG_FIELD_TYPE_INTEGER: Final = "integer"
"""An integer configuration value."""
CONFIG_FIELD_TYPE_BOOLEAN: Final = "boolean"
"""A boolean configuration value."""
CONFIG_FIELD_TYPE_ENUM: Final = "enum"
"""A string limited to ``ConfigField.EnumValues``."""
CONFIG_FIELD_TYPE_ARRAY: Final = "array"
"""An array configuration value."""
CONFIG_FIELD_TYPE_OBJECT: Final = "object"
"""An object configuration value."""


class ConfigField(GoModel):
    """A management-UI hint about one key of the plugin's config block.

    The host never validates these; it HTML-escapes them and lists them in
    ``GET /v0/management/plugins``.
    """

    name: str = go_field("Name", "", description="Key under plugins.configs.<plugin-id>.")
    type: str = go_field("Type", "", description="One of ConfigFieldType; not checked by the host.")
    enum_values: list[str] | None = go_field("EnumValues", None, description="Allowed values when Type is 'enum'.")
    description: str = go_field("Description", "")


class Metadata(GoModel):
    """Plugin identity, sent in the registration response and echoed back as ``Plugin`` in requests.

    ``Name``, ``Version``, ``Author`` and ``GitHubRepository`` must be non-blank or the host rejects
    the registration. The key is exactly ``GitHubRepository``: ``github_repository`` matches nothing.
    """

    name: str = go_field("Name", "", description="Display name; not the plugin ID, which comes from the file name.")
    version: str = go_field("Version", "", description="Used when the library file name carries no -v<version>.")
    author: str = go_field("Author", "")
    github_repository: str = go_field("GitHubRepository", "", description="Source and support URL.")
    logo: str = go_field("Logo", "", description="URL or asset reference shown by management clients.")
    config_fields: list[ConfigField] | None = go_field(
        "ConfigFields", None, description="Management-UI hints about the config block."
    )


class ThinkingSupport(GoModel):
    """Reasoning controls a model supports."""

    min: GoInt = go_field("Min", 0, description="Smallest reasoning budget.")
    max: GoInt = go_field("Max", 0, description="Largest reasoning budget.")
    zero_allowed: bool = go_field("ZeroAllowed", False, description="Whether a budget of 0 (reasoning off) is allowed.")
    dynamic_allowed: bool = go_field("DynamicAllowed", False, description="Whether automatic budgets are allowed.")
    levels: list[str] | None = go_field("Levels", None, description="Named reasoning levels.")


class ModelInfo(GoModel):
    """One model a plugin contributes. Models with a blank ``ID`` are dropped; IDs are trimmed."""

    id: str = go_field("ID", "", description="Model identifier used in API requests.")
    object: str = go_field("Object", "", description="API object type, usually 'model'.")
    created: GoInt64 = go_field("Created", 0, description="Unix timestamp, seconds.")
    owned_by: str = go_field("OwnedBy", "")
    type: str = go_field("Type", "", description="Model capability family.")
    display_name: str = go_field("DisplayName", "")
    name: str = go_field("Name", "", description="Provider-native model name.")
    version: str = go_field("Version", "")
    description: str = go_field("Description", "")
    input_token_limit: GoInt64 = go_field("InputTokenLimit", 0)
    output_token_limit: GoInt64 = go_field("OutputTokenLimit", 0)
    supported_generation_methods: list[str] | None = go_field("SupportedGenerationMethods", None)
    context_length: GoInt64 = go_field("ContextLength", 0)
    max_completion_tokens: GoInt64 = go_field("MaxCompletionTokens", 0)
    supported_parameters: list[str] | None = go_field("SupportedParameters", None)
    supported_input_modalities: list[str] | None = go_field("SupportedInputModalities", None)
    supported_output_modalities: list[str] | None = go_field("SupportedOutputModalities", None)
    thinking: ThinkingSupport | None = go_field("Thinking", None, description="Reasoning controls; null when none.")
    user_defined: bool = go_field("UserDefined", False, description="Whether user configuration defined the model.")


class ModelAlias(GoModel):
    """One configured model alias of a provider."""

    name: str = go_field("Name", "", description="Provider model name.")
    alias: str = go_field("Alias", "", description="Name clients use.")


class HostConfigSummary(GoModel):
    """The part of the host configuration that provider plugins need.

    Provider keys of both maps are lowercased by the host.
    """

    auth_dir: str = go_field("AuthDir", "", description="Resolved auth directory.")
    proxy_url: str = go_field("ProxyURL", "", description="Global upstream proxy URL.")
    force_model_prefix: bool = go_field("ForceModelPrefix", False)
    oauth_model_alias: dict[str, list[ModelAlias]] | None = go_field(
        "OAuthModelAlias", None, description="Provider -> configured model aliases."
    )
    excluded_models: dict[str, list[str]] | None = go_field(
        "ExcludedModels", None, description="Provider -> model names hidden by configuration."
    )


class AuthData(GoModel):
    """A provider auth record exchanged with the host.

    ``Provider`` is required (lowercased by the host); ``Metadata["type"]`` is forced to it. Blank
    fields of an update are filled from the existing record.
    """

    provider: str = go_field("Provider", "", description="Provider key; required, lowercased by the host.")
    id: str = go_field("ID", "", description="Host auth ID; defaults to the file path relative to the auth dir.")
    file_name: str = go_field("FileName", "", description="Source or persisted auth file name.")
    label: str = go_field("Label", "", description="User-facing label.")
    prefix: str = go_field("Prefix", "", description="Model prefix for this auth.")
    proxy_url: str = go_field("ProxyURL", "", description="Per-auth proxy URL.")
    disabled: bool = go_field("Disabled", False, description="True gives the record status 'disabled'.")
    storage_json: GoBytes = go_field("StorageJSON", None, description="Provider-owned JSON document, as bytes.")
    metadata: dict[str, Any] | None = go_field("Metadata", None, description="Mutable host-managed metadata.")
    attributes: dict[str, str] | None = go_field("Attributes", None, description="Routing and provider attributes.")
    next_refresh_after: GoTime = go_field(
        "NextRefreshAfter", None, description="Earliest next refresh; None is Go's zero time (unset)."
    )
