"""cpa-sdk: write CLIProxyAPI plugins in Python.

A plugin is one class deriving from ``Plugin`` and any capability classes; ``cpa-sdk build``
turns it into the ``<id>.so`` that CPA loads, and ``cpa_sdk.testing`` runs it without CPA.
"""

from cpa_sdk import _startup  # first: before pydantic builds a validator (see its docstring)

with _startup.paused_gc():  # the SDK's import makes objects, not garbage (cpa_sdk._startup)
    from cpa_sdk.capabilities import (
        AuthProvider,
        Capability,
        CommandLinePlugin,
        Executor,
        FrontendAuthProvider,
        ManagementAPI,
        ModelProvider,
        ModelRegistrar,
        ModelRouter,
        RequestInterceptor,
        RequestLifecyclePlugin,
        RequestNormalizer,
        RequestTranslator,
        ResponseAfterTranslator,
        ResponseBeforeTranslator,
        ResponseInterceptor,
        ResponseStreamInterceptor,
        ResponseTranslator,
        Scheduler,
        ThinkingApplier,
        UsagePlugin,
    )
    from cpa_sdk.config import NoConfig, PluginConfig
    from cpa_sdk.definition_warnings import PluginDefinitionWarning
    from cpa_sdk.dispatch import Dispatcher
    from cpa_sdk.errors import ConfigError, HostError, HostUnavailableError, PluginError, PluginLoadError
    from cpa_sdk.host import Host, HostLogHandler, HTTPStream, ModelStream
    from cpa_sdk.plugin import SCHEMA_VERSION, Plugin
    from cpa_sdk.streaming import ExecutorStream

__all__ = [
    "SCHEMA_VERSION",
    "AuthProvider",
    "Capability",
    "CommandLinePlugin",
    "ConfigError",
    "Dispatcher",
    "Executor",
    "ExecutorStream",
    "FrontendAuthProvider",
    "HTTPStream",
    "Host",
    "HostError",
    "HostLogHandler",
    "HostUnavailableError",
    "ManagementAPI",
    "ModelProvider",
    "ModelRegistrar",
    "ModelRouter",
    "ModelStream",
    "NoConfig",
    "Plugin",
    "PluginConfig",
    "PluginDefinitionWarning",
    "PluginError",
    "PluginLoadError",
    "RequestInterceptor",
    "RequestLifecyclePlugin",
    "RequestNormalizer",
    "RequestTranslator",
    "ResponseAfterTranslator",
    "ResponseBeforeTranslator",
    "ResponseInterceptor",
    "ResponseStreamInterceptor",
    "ResponseTranslator",
    "Scheduler",
    "ThinkingApplier",
    "UsagePlugin",
]
