"""Every reference plugin, by the name of the upstream example it ports.

The one list of the ports: the tests, ``python -m reference_plugins.build_all`` and ``docs/reference-plugins.md``
all read it. Each entry is a port module (or package); its ``PLUGIN`` is the plugin class and its
``HOST_CALLBACKS`` (when it makes any) the ``host.*`` methods it calls.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Final

from cpa_sdk import Plugin
from reference_plugins import (
    auth,
    claude_web_search_router,
    cli,
    codex_service_tier,
    executor,
    frontend_auth,
    frontend_auth_exclusive,
    host_callback,
    host_callback_auth_files,
    host_model_callback,
    management_api,
    model,
    protocol_format,
    request_lifecycle,
    request_normalizer,
    request_translator,
    response_normalizer,
    response_translator,
    scheduler,
    simple,
    thinking,
    usage,
)

__all__ = ["MODULES", "PLUGINS", "host_callbacks", "target"]

MODULES: Final[dict[str, ModuleType]] = {
    "simple": simple,
    "model": model,
    "auth": auth,
    "frontend-auth": frontend_auth,
    "frontend-auth-exclusive": frontend_auth_exclusive,
    "executor": executor,
    "protocol-format": protocol_format,
    "request-translator": request_translator,
    "request-normalizer": request_normalizer,
    "response-translator": response_translator,
    "response-normalizer": response_normalizer,
    "thinking": thinking,
    "usage": usage,
    "cli": cli,
    "management-api": management_api,
    "host-callback": host_callback,
    "codex-service-tier": codex_service_tier,
    "request-lifecycle": request_lifecycle,
    "scheduler": scheduler,
    "host-callback-auth-files": host_callback_auth_files,
    "host-model-callback": host_model_callback,
    "claude-web-search-router": claude_web_search_router,
}
"""Port module by upstream example name (``examples/plugin/<name>``), in upstream's order."""

PLUGINS: Final[dict[str, type[Plugin[Any]]]] = {name: module.PLUGIN for name, module in MODULES.items()}
"""Plugin class by upstream example name."""


def host_callbacks(name: str) -> tuple[str, ...]:
    """The ``host.*`` methods the port of example ``name`` calls, in the order it calls them."""
    return tuple(getattr(MODULES[name], "HOST_CALLBACKS", ()))


def target(name: str) -> str:
    """The ``package.module:Class`` reference ``cpa-sdk build`` takes for example ``name``."""
    plugin = PLUGINS[name]
    return f"{plugin.__module__}:{plugin.__qualname__}"
