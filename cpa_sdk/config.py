"""Typed plugin configuration from the ``plugins.configs.<id>`` YAML block.

CPA re-serialises the user's block with yaml.v3 and sends it as ``config_yaml`` (CPA's
``internal/pluginhost/config.go``, ``runtimeConfigYAML``). yaml.v3 decodes into typed Go fields:
``fast: yes`` is true for a bool field, while ``mode: yes`` stays the text ``"yes"`` for a string
field. PyYAML alone would turn both into ``True``, so the YAML is read twice, once typed and once as
plain text, and each field takes the reading that fits its type.

The host always adds ``enabled`` and ``priority`` and the plugin store may add ``store``; these
host-owned keys are dropped unless the config model declares them.
"""

from __future__ import annotations

import enum
import re
import types
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError

from cpa_sdk.errors import ConfigError
from cpa_sdk.wire import ConfigField

if TYPE_CHECKING:
    from cpa_sdk.wire import ConfigFieldType

__all__ = ["HOST_OWNED_KEYS", "NoConfig", "PluginConfig", "config_fields", "decode_config", "load_config"]

HOST_OWNED_KEYS = frozenset({"enabled", "priority", "store"})

_ConfigT = TypeVar("_ConfigT", bound="PluginConfig")


class PluginConfig(BaseModel):
    """Base of a plugin's config model.

    Declare fields with defaults; each field becomes a YAML key (its alias, if it has one) and a
    ``ConfigFields`` entry shown in CPA's management UI, with ``Field(description=...)`` as its
    help text; ``json_schema_extra={"enum": [...]}`` on a ``str`` field shows choices without
    rejecting other text. Unknown keys are ignored, as yaml.v3 ignores them. Instances are frozen, so a
    config object handed to a request can never change under it.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, validate_by_name=True, defer_build=True)


class NoConfig(PluginConfig):
    """The config of a plugin that reads none."""


def load_config(model: type[_ConfigT], config_yaml: bytes | None) -> _ConfigT:
    """Decode ``config_yaml`` into ``model``, starting from the model's defaults.

    Every call starts from scratch, as the upstream examples do: a key removed from the YAML goes
    back to its default. Raises ``ConfigError`` with a message naming the offending key.
    """
    return decode_config(model, config_yaml)[0]


def decode_config(model: type[_ConfigT], config_yaml: bytes | None) -> tuple[_ConfigT, list[str]]:
    """``load_config``, and a warning for each key the model does not read.

    yaml.v3 ignores unknown keys and so does the SDK, which turns a misspelt key
    (``max_concurency``) into a silent default: the warnings name it, with the closest field.
    """
    if not config_yaml or not config_yaml.strip():
        return model(), []
    try:
        text = config_yaml.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config is not valid YAML: {exc}") from None
    readings = _flat_readings(text)
    if readings is None:
        typed, plain = _yaml_readings(text)
    else:
        typed, plain = readings
    if typed is None:
        return model(), []
    if not isinstance(typed, dict):
        raise ConfigError(f"config must be a YAML mapping, got {type(typed).__name__}")
    values = {
        key: value
        for key, value in _merge_text(model, typed, plain).items()
        if not (isinstance(key, str) and key in HOST_OWNED_KEYS and key not in _keys_of(model))
    }
    try:
        config = model.model_validate(values)
    except ValidationError as exc:
        raise ConfigError("invalid config: " + _describe(exc)) from None
    return config, _unknown_keys(model, values, "")


def _yaml_readings(text: str) -> tuple[Any, Any]:
    """PyYAML's typed reading and its plain-text one (imported here: most configs never need it)."""
    import yaml

    try:
        typed = yaml.safe_load(text)
        plain = yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds only str/list/dict
    except yaml.YAMLError as exc:
        raise ConfigError(f"config is not valid YAML: {exc}") from None
    return typed, plain


_FLAT_LINE: Final = re.compile(
    r"([A-Za-z_][A-Za-z0-9_-]*): (true|false|0|-?[1-9][0-9]{0,17}|[A-Za-z](?:[A-Za-z0-9_./@+:-]*[A-Za-z0-9_./@+-])?)"
)
"""A ``key: value`` line as yaml.v3 writes a flat mapping of booleans, integers and plain words.

A word starts with a letter, so PyYAML can only read it as a boolean or null besides text (no
number or date starts with one); it may hold ``@``, ``+`` and ``:`` (auth file names, e-mail
addresses, URLs), but not end with ``:``, which would make it a key."""
_YAML_WORDS: Final = frozenset({"yes", "no", "on", "off", "true", "false", "null", "y", "n"})
"""Plain words YAML may read as something other than text (YAML 1.1 booleans, null)."""


def _flat_readings(text: str) -> tuple[dict[str, Any], dict[str, str]] | None:
    """Both readings of a flat ``key: scalar`` mapping without PyYAML, or ``None`` to use it.

    CPA sends ``config_yaml`` re-marshalled by yaml.v3, which for most plugins is a few lines such
    as ``enabled: true`` / ``fast: true`` / ``priority: 0``. Lines of exactly that shape (a plain
    key, one space, ``true``, ``false``, a decimal integer or a plain word that YAML cannot read
    as anything but text, such as ``gpt-5.5``, ``https://host/path`` or ``user@example.com``) are
    read here, giving what PyYAML gives; anything else (quotes, nesting, comments, lists, other
    scalars, a repeated key) goes to PyYAML.
    """
    typed: dict[str, Any] = {}
    plain: dict[str, str] = {}
    for line in text.split("\n"):
        if not line:
            continue
        match = _FLAT_LINE.fullmatch(line)
        if match is None:
            return None
        key, value = match.groups()
        if key in plain or key.lower() in _YAML_WORDS:
            return None
        if value == "true" or value == "false":
            typed[key] = value == "true"
        elif value[0] == "-" or value[0].isdigit():
            typed[key] = int(value)
        elif value.lower() in _YAML_WORDS:
            return None
        else:
            typed[key] = value
        plain[key] = value
    return (typed, plain) if typed else None


def _keys_of(model: type[BaseModel]) -> set[str]:
    """The YAML keys ``model`` reads: each field's alias and its name."""
    return {info.alias or name for name, info in model.model_fields.items()} | set(model.model_fields)


def _unknown_keys(model: type[BaseModel], values: dict[Any, Any], prefix: str) -> list[str]:
    known = _keys_of(model)
    warnings = []
    for key, value in values.items():
        name = str(key)
        if name not in known:
            import difflib

            guess = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else f"; the keys are {', '.join(sorted(known)) or 'none'}"
            warnings.append(f"config key {prefix + name!r} is not read by this plugin{hint}")
            continue
        nested = _nested_model(model, name)
        if nested is not None and isinstance(value, dict):
            warnings += _unknown_keys(nested, value, f"{prefix}{name}.")
    return warnings


def _nested_model(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            for member in _union_members(info.annotation):
                if isinstance(member, type) and issubclass(member, BaseModel):
                    return member
    return None


def _merge_text(model: type[BaseModel], typed: dict[Any, Any], plain: Any) -> dict[Any, Any]:
    """Give string-typed fields the YAML text rather than PyYAML's typed reading."""
    if not isinstance(plain, dict):
        return typed
    fields = {info.alias or name: info.annotation for name, info in model.model_fields.items()}
    fields.update({name: info.annotation for name, info in model.model_fields.items()})
    return {
        key: _prefer_text(fields[key], value, plain.get(key)) if key in fields else value
        for key, value in typed.items()
        if value is not None  # yaml.v3 leaves a field unchanged on null
    }


def _prefer_text(annotation: Any, typed: Any, plain: Any) -> Any:
    members = _union_members(annotation)
    if str in members and not isinstance(typed, (str, dict, list)) and isinstance(plain, str):
        return plain
    for member in members:
        if isinstance(member, type) and issubclass(member, BaseModel) and isinstance(typed, dict):
            return _merge_text(member, typed, plain)
        if get_origin(member) is list and isinstance(typed, list) and isinstance(plain, list):
            (item,) = get_args(member) or (Any,)
            return [_prefer_text(item, t, p) for t, p in zip(typed, plain, strict=False)]
    return typed


def _union_members(annotation: Any) -> tuple[Any, ...]:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(get_args(annotation))
    return (annotation,)


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "config"
        parts.append(f"{where}: {error['msg']} (got {error['input']!r})")
    return "; ".join(parts)


# ------------------------------------------------------------------------------------------
# ConfigFields for the management UI


def config_fields(model: type[PluginConfig]) -> list[ConfigField]:
    """The ``ConfigFields`` of the registration, derived from the config model.

    CPA shows these in its management UI and validates nothing against them
    (``sdk/pluginapi/types.go``, ``ConfigField``). A host-owned key (``enabled``) that the model
    declares is listed too: the plugin reads it, so the UI shows what it does
    (claude-web-search-router documents its ``enabled`` this way).
    """
    fields = []
    for name, info in model.model_fields.items():
        kind, enum_values = _field_type(info.annotation)
        extra = info.json_schema_extra
        if isinstance(extra, dict) and isinstance(extra.get("enum"), list):
            # A plain ``str`` field can still offer choices in the UI without rejecting others.
            kind, enum_values = "enum", [str(v) for v in extra["enum"]]  # type: ignore[union-attr]
        fields.append(
            ConfigField(
                name=info.alias or name,
                type=kind,
                enum_values=enum_values,
                description=info.description or "",
            )
        )
    return fields


def _field_type(annotation: Any) -> tuple[ConfigFieldType, list[str] | None]:
    members = [m for m in _union_members(annotation) if m is not type(None)]
    if len(members) == 1:
        member = members[0]
        origin = get_origin(member)
        if origin is Literal:
            return "enum", [str(v) for v in get_args(member)]
        if isinstance(member, type) and issubclass(member, enum.Enum):
            return "enum", [str(m.value) for m in member]
        if member is bool:
            return "boolean", None
        if member is int:
            return "integer", None
        if member is float:
            return "number", None
        if member is str:
            return "string", None
        if origin in (list, tuple, set, frozenset) or member in (list, tuple, set, frozenset):
            return "array", None
    return "object", None
