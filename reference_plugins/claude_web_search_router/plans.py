"""Which backends can serve a request: the answer to ``model.route``, and the executor's plans.

``model.route`` sees the providers that have an enabled auth (``AvailableProviders``) and keeps
a backend only if its provider is among them. ``executor.execute*`` requests carry no such list,
so the executor rebuilds its plans leniently: codex and xai are always tried, antigravity when
a model resolves, Tavily when a key is configured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cpa_sdk.wire import ModelRouteResponse
from reference_plugins.claude_web_search_router.config import Backend, Config
from reference_plugins.claude_web_search_router.model_resolve import (
    RegistryModel,
    resolve_antigravity_model,
    resolve_codex_model,
    resolve_xai_model,
)

__all__ = [
    "FALLBACK_CHAIN",
    "ORCHESTRATED",
    "ExecutionPlan",
    "RouteContext",
    "execution_plans",
    "is_fallback_route",
    "route_decision",
    "route_plans",
    "try_route_backend",
]

FALLBACK_CHAIN: Final = (Backend.ANTIGRAVITY_GOOGLE, Backend.CODEX_WEB_SEARCH, Backend.XAI_WEB_SEARCH, Backend.TAVILY)

ORCHESTRATED: Final = ModelRouteResponse(handled=True, target_kind="self", reason="claude_code_web_search_orchestrated")
"""Route to this plugin's executor, which runs the plans."""

_PROVIDER_KEYS: Final = {
    Backend.ANTIGRAVITY_GOOGLE: "antigravity",
    Backend.CODEX_WEB_SEARCH: "codex",
    Backend.XAI_WEB_SEARCH: "xai",
}


@dataclass(frozen=True, slots=True)
class ExecutionPlan:
    """One backend to try and the model it runs (``""`` for Tavily)."""

    backend: Backend
    model: str = ""


@dataclass(frozen=True, slots=True)
class RouteContext:
    """What the plans depend on: the config, the client's model, and what CPA has available."""

    config: Config
    requested_model: str = ""
    providers: Sequence[str] = ()
    registry: Sequence[RegistryModel] = ()

    def has_provider(self, key: str) -> bool:
        key = key.strip().lower()
        return any(provider.strip().lower() == key for provider in self.providers)

    def tavily_available(self) -> bool:
        return any(key.strip() for key in self.config.tavily_api_keys)

    def model_for(self, backend: Backend) -> str:
        if backend is Backend.ANTIGRAVITY_GOOGLE:
            return resolve_antigravity_model(self.config.antigravity_model, self.requested_model, self.registry)
        if backend is Backend.CODEX_WEB_SEARCH:
            return resolve_codex_model(self.config.codex_model)
        if backend is Backend.XAI_WEB_SEARCH:
            return resolve_xai_model(self.config.xai_model)
        return ""


def is_fallback_route(route: str) -> bool:
    return route.strip().lower() in ("", Backend.FALLBACK.value)


def _backend(route: str) -> Backend | None:
    """The backend a route names; case-sensitive, as upstream."""
    try:
        return Backend(route.strip())
    except ValueError:
        return None


def _declined(reason: str) -> tuple[ModelRouteResponse, bool]:
    return ModelRouteResponse(reason=reason), False


def try_route_backend(backend: Backend | None, context: RouteContext) -> tuple[ModelRouteResponse, bool]:
    """How ``model.route`` would send the request to ``backend`` alone, and whether it can."""
    if backend is Backend.TAVILY:
        if not context.tavily_available():
            return _declined("tavily_unavailable")
        return ModelRouteResponse(handled=True, target_kind="self", reason="claude_code_web_search_tavily"), True
    if backend in _PROVIDER_KEYS:
        assert backend is not None
        provider = _PROVIDER_KEYS[backend]
        if not context.has_provider(provider):
            return _declined(f"{provider}_unavailable")
        model = context.model_for(backend)
        if not model:
            return _declined("antigravity_web_search_model_unresolved")
        reason = "claude_code_web_search_" + ("antigravity_google" if provider == "antigravity" else provider)
        return ModelRouteResponse(
            handled=True, target_kind="provider", target=provider, target_model=model, reason=reason
        ), True
    if backend is Backend.DEFAULT_PROVIDER:
        provider = context.config.default_provider
        if not provider or not context.has_provider(provider):
            return _declined("default_provider_unavailable")
        return ModelRouteResponse(
            handled=True,
            target_kind="provider",
            target=provider,
            target_model=context.config.default_provider_model,
            reason="claude_code_web_search_default_provider",
        ), True
    return ModelRouteResponse(), False


def _runnable_without_providers(backend: Backend | None, context: RouteContext) -> bool:
    if backend is Backend.TAVILY:
        return context.tavily_available()
    if backend is Backend.ANTIGRAVITY_GOOGLE:
        return context.model_for(backend) != ""
    return backend in (Backend.CODEX_WEB_SEARCH, Backend.XAI_WEB_SEARCH)


def _plan(backend: Backend, context: RouteContext) -> ExecutionPlan:
    return ExecutionPlan(backend, context.model_for(backend))


def route_plans(context: RouteContext, route: str) -> list[ExecutionPlan]:
    """The plans ``model.route`` finds for ``route``, available providers required."""
    if is_fallback_route(route):
        return [_plan(b, context) for b in FALLBACK_CHAIN if try_route_backend(b, context)[1]]
    backend = _backend(route)
    if backend is None or not try_route_backend(backend, context)[1]:
        return []
    return [_plan(backend, context)] if _runnable_without_providers(backend, context) else []


def execution_plans(context: RouteContext) -> list[ExecutionPlan]:
    """The plans the executor tries, in chain order, without looking at providers."""
    route = context.config.route
    backends = FALLBACK_CHAIN if is_fallback_route(route) else (_backend(route),)
    return [_plan(b, context) for b in backends if b is not None and _runnable_without_providers(b, context)]


def route_decision(context: RouteContext) -> ModelRouteResponse:
    """``model.route`` for a detected web-search request."""
    route = context.config.route
    if route_plans(context, route):
        return ORCHESTRATED
    if is_fallback_route(route):
        return ModelRouteResponse(reason="web_search_fallback_exhausted")
    # default_provider, or a backend that cannot run: say why (an unknown route says nothing).
    return try_route_backend(_backend(route), context)[0]
