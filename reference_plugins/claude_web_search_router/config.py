"""The router's configuration (``plugins.configs.claude-web-search-router``) and its route names."""

from __future__ import annotations

from enum import Enum

from pydantic import Field, field_validator

from cpa_sdk import PluginConfig

__all__ = ["Backend", "Config"]


class Backend(str, Enum):
    """A value of ``route``: one web-search backend, the fallback chain, or a built-in provider."""

    FALLBACK = "fallback"
    ANTIGRAVITY_GOOGLE = "antigravity_google"
    CODEX_WEB_SEARCH = "codex_web_search"
    XAI_WEB_SEARCH = "xai_web_search"
    TAVILY = "tavily"
    DEFAULT_PROVIDER = "default_provider"


class Config(PluginConfig):
    # Upstream decodes into a struct pre-filled with these defaults, so a partial YAML block keeps
    # both booleans true.
    enabled: bool = Field(True, description="When false, the router declines all Claude web_search requests.")
    # Any text is accepted (an unknown route simply declines); the enum only offers the choices.
    route: str = Field(
        Backend.FALLBACK.value,
        description="Backend for Claude Code web_search. fallback (default): antigravity → codex → xai → tavily.",
        json_schema_extra={"enum": [backend.value for backend in Backend]},
    )
    antigravity_model: str = Field(
        "", description="Antigravity googleSearch model (empty: registry lookup, then first supports_web_search)."
    )
    # The description says gpt-5.4; the model used when it is empty is gpt-5.4-mini (as upstream).
    codex_model: str = Field(
        "", description="Codex Responses model for web_search (empty defaults to gpt-5.4, never client Claude model)."
    )
    xai_model: str = Field(
        "", description="xAI Responses model with web_search (empty uses grok-4.3, not the client Claude model)."
    )
    default_provider: str = Field("", description="Built-in provider key when route=default_provider.")
    default_provider_model: str = Field("", description="Optional execution model on default_provider route.")
    tavily_api_keys: list[str] = Field(
        default_factory=list, description="Tavily API keys (round-robin) when route=tavily."
    )
    require_web_search_only: bool = Field(
        True, description="Require tools to be exclusively typed web_search (matches antigravity-only path)."
    )

    @field_validator("route", "antigravity_model", "codex_model", "xai_model", "default_provider_model")
    @classmethod
    def _trim(cls, value: str) -> str:
        return value.strip()

    @field_validator("default_provider")
    @classmethod
    def _provider_key(cls, value: str) -> str:
        return value.strip().lower()
