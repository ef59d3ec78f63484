"""The ``Plugin`` base class: metadata, typed config, host client, and the checks that make a
broken plugin class fail when it is defined rather than on its first production call.

A plugin is one class::

    class Config(PluginConfig):
        fast: bool = Field(False, description="Use the priority tier.")

    class CodexServiceTier(Plugin[Config], RequestNormalizer):
        plugin_id = "codex-service-tier"
        name = "codex-service-tier"
        version = "0.1.0"
        author = "me"
        github_repository = "https://github.com/me/codex-service-tier"

        def normalize_request(self, request): ...

The capability flags of the registration come from the capability base classes; ``ConfigFields``
come from the config model.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any, ClassVar, Final, Generic, get_args, get_origin

from typing_extensions import TypeVar

from cpa_sdk.capabilities import (
    Capability,
    Executor,
    FrontendAuthProvider,
    capabilities_of,
)
from cpa_sdk.config import NoConfig, PluginConfig
from cpa_sdk.definition_warnings import PluginDefinitionWarning, misspelt_hooks
from cpa_sdk.errors import PluginLoadError
from cpa_sdk.host import Host
from cpa_sdk.methods import METHODS, CpaMethod, MethodTable
from cpa_sdk.plugin_files import PLUGIN_ID_PATTERN
from cpa_sdk.wire import CapabilityFlags, ExecutorModelScope, Metadata
from cpa_sdk.wire._go import GoModel, WireDecodeError
from cpa_sdk.wire.lifecycle import SCHEMA_VERSION, capability_flags_model

__all__ = ["Plugin", "SCHEMA_VERSION"]

_ConfigT = TypeVar("_ConfigT", bound=PluginConfig, default=NoConfig)

_METADATA_ATTRS: Final = ("name", "version", "author", "github_repository")


class Plugin(Generic[_ConfigT]):
    """Base of every plugin class. Combine with capability classes from ``cpa_sdk``.

    Class attributes: ``plugin_id`` (the file name CPA knows it by), ``name``, ``version``,
    ``author``, ``github_repository`` (all required, non-blank), ``logo`` (optional), and
    ``schema_version`` to pin the RPC schema answered at registration (default: the lowest that
    covers the capabilities, capped at the host's).

    Pass ``abstract=True`` in the class statement for an intermediate base class that is not a
    complete plugin.
    """

    plugin_id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    version: ClassVar[str] = ""
    author: ClassVar[str] = ""
    github_repository: ClassVar[str] = ""
    logo: ClassVar[str] = ""
    schema_version: ClassVar[int | None] = None
    config_model: ClassVar[type[PluginConfig]] = NoConfig

    host: Host
    """Typed client for CPA's ``host.*`` callbacks."""

    loaded_id: str
    """The plugin ID CPA loaded this instance under (from the file name; ``-v<version>`` cut)."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.loaded_id = type(self).plugin_id
        self._config: PluginConfig = self.config_model()

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        config = _config_model_of(cls)
        if config is not None and "config_model" not in vars(cls):
            cls.config_model = config
        if not abstract:
            _check_plugin_class(cls)
            for warning in misspelt_hooks(cls, Plugin):
                warnings.warn(warning, PluginDefinitionWarning, stacklevel=2)

    # -- configuration ------------------------------------------------------------------------

    @property
    def config(self) -> _ConfigT:
        """The config in force. Replaced whole on reconfigure, so read it once per request."""
        return self._config  # type: ignore[return-value]

    def on_configure(self, config: _ConfigT) -> None:
        """Called with a newly decoded config before it takes effect.

        Raise ``PluginError`` to reject it: the previous config stays in force.
        """

    def on_shutdown(self) -> None:
        """Called once when CPA unloads the plugin: release resources, stop threads."""

    def on_invalid_request(self, method: str, error: WireDecodeError) -> GoModel | None:
        """Answer a request that does not decode; ``None`` (the default) answers rc 1
        ``plugin_error``, as CPA's examples do.

        Override to be lenient where the host expects it, for example treating an undecodable
        ``frontend_auth.authenticate`` request as "not authenticated", or raise ``PluginError`` to
        answer a specific error (rc 0). For a request decoded lazily (``scheduler.pick``,
        ``usage.handle``, stream chunks, response transforms and interceptors,
        ``request.complete``) this runs when the handler reads the field that does not decode.
        """
        return None

    # -- registration ---------------------------------------------------------------------------

    @classmethod
    def capabilities(cls) -> list[type[Capability]]:
        """The capability classes this plugin implements, in registration order."""
        return capabilities_of(cls)

    @classmethod
    def min_schema_version(cls) -> int:
        """The lowest RPC schema that covers every capability of this plugin."""
        return max((cap.min_schema for cap in cls.capabilities()), default=1)

    @classmethod
    def metadata(cls) -> Metadata:
        """The ``metadata`` of the registration response."""
        from cpa_sdk.config import config_fields

        return Metadata(
            name=cls.name,
            version=cls.version,
            author=cls.author,
            github_repository=cls.github_repository,
            logo=cls.logo,
            config_fields=config_fields(cls.config_model),
        )

    @classmethod
    def cpa_method_table(cls) -> MethodTable:
        """The table the capabilities' methods come from: CPA's, unless a test extends it."""
        tables = {cap.method_table for cap in cls.capabilities()}
        return tables.pop() if len(tables) == 1 else METHODS

    @classmethod
    def capability_flags(cls) -> CapabilityFlags:
        """The ``capabilities`` of the registration response, derived from the base classes."""
        flags: dict[str, Any] = {cap.capability_key: True for cap in cls.capabilities()}
        if issubclass(cls, FrontendAuthProvider) and cls.exclusive:
            flags["frontend_auth_provider_exclusive"] = True
        if issubclass(cls, Executor):
            flags["executor_model_scope"] = cls.model_scope
            flags["executor_input_formats"] = list(cls.input_formats)
            flags["executor_output_formats"] = list(cls.output_formats)
        return capability_flags_model(cls.cpa_method_table()).model_validate(flags)

    @classmethod
    def cpa_methods(cls) -> list[CpaMethod]:
        """Every CPA method this plugin answers, besides the ``plugin.*`` lifecycle."""
        return [method for cap in cls.capabilities() for method in cap.capability_methods]


def install_config(plugin: Plugin[Any], config: PluginConfig) -> None:
    """Put a config in force; only the dispatcher calls this, once ``on_configure`` accepted it."""
    plugin._config = config


def _config_model_of(cls: type) -> type[PluginConfig] | None:
    """The config ``cls`` names by ``Plugin[Config]`` among its own bases, if any.

    Only its own: ``getattr(cls, "__orig_bases__")`` would read the bases of some class further
    down the MRO and skip the classes between, so a mixin listed first that sets ``config_model``
    lost to the base after it. Every class that names a config sets ``config_model``, so the
    attribute lookup walks the MRO and the nearest one wins, mixins included.
    """
    for base in vars(cls).get("__orig_bases__", ()):
        if get_origin(base) is Plugin:
            (arg,) = get_args(base)
            if isinstance(arg, type) and issubclass(arg, PluginConfig):
                return arg
    return None


def _check_plugin_class(cls: type[Plugin[Any]]) -> None:
    """Fail at class definition, with the fix in the message, on anything CPA would reject."""
    problems: list[str] = []
    if not PLUGIN_ID_PATTERN.match(cls.plugin_id):
        problems.append(
            f"plugin_id {cls.plugin_id!r} must match {PLUGIN_ID_PATTERN.pattern}: it is the file name CPA loads"
        )
    for attr in _METADATA_ATTRS:
        value = getattr(cls, attr)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{attr} must be a non-blank string (CPA rejects the registration otherwise)")
    capabilities = cls.capabilities()
    if not capabilities:
        problems.append("derive from at least one capability class, for example RequestNormalizer")
    if len({cap.method_table for cap in capabilities}) > 1:
        problems.append("the capability classes come from different method tables")
    for cap in capabilities:
        for method in cap.capability_methods:
            problems.extend(_check_method(cls, cap, method))
    if issubclass(cls, Executor):
        for attr in ("input_formats", "output_formats"):
            formats = getattr(cls, attr)
            if not formats or not all(isinstance(f, str) and f for f in formats):
                problems.append(f"Executor.{attr} must name at least one format, for example ('openai',)")
        scopes = get_args(ExecutorModelScope)
        if cls.model_scope not in scopes:
            problems.append(f"Executor.model_scope must be one of {', '.join(map(repr, scopes))}")
    if cls.schema_version is not None and not 1 <= cls.schema_version <= SCHEMA_VERSION:
        problems.append(f"schema_version must be between 1 and {SCHEMA_VERSION}")
    elif cls.schema_version is not None and cls.schema_version < cls.min_schema_version():
        problems.append(
            f"schema_version {cls.schema_version} is below {cls.min_schema_version()}, "
            "the lowest that covers this plugin's capabilities"
        )
    if problems:
        raise PluginLoadError(f"plugin class {cls.__qualname__} is not valid:\n  - " + "\n  - ".join(problems))


def _check_method(cls: type, cap: type[Capability], method: CpaMethod) -> list[str]:
    implementation = getattr(cls, method.attr)
    if method.required and implementation is getattr(cap, method.attr):
        return [f"{cap.__name__} requires {method.signature()}  # CPA method {method.name}"]
    if inspect.iscoroutinefunction(implementation) or inspect.isasyncgenfunction(implementation):
        return [
            f"{cls.__name__}.{method.attr} must be a plain def, not async def: CPA calls plugins "
            f"synchronously and would get a coroutine  # CPA method {method.name}"
        ]
    expected = 0 if method.kind == "identifier" else 1
    try:
        parameters = list(inspect.signature(implementation).parameters.values())[1:]
    except (TypeError, ValueError):
        return []
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    if len(required) > expected or (len(positional) < expected and not variadic):
        return [f"{cls.__name__}.{method.attr} must look like {method.signature()}  # CPA method {method.name}"]
    return []
