"""Which model each backend runs: never the client's Claude model name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DEFAULT_CODEX_MODEL",
    "DEFAULT_XAI_MODEL",
    "RegistryModel",
    "resolve_antigravity_model",
    "resolve_codex_model",
    "resolve_xai_model",
]

DEFAULT_CODEX_MODEL: Final = "gpt-5.4-mini"
DEFAULT_XAI_MODEL: Final = "grok-4.3"  # xAI documents server-side web_search for grok-4.3


@dataclass(frozen=True, slots=True)
class RegistryModel:
    """One antigravity model as CPA's model registry lists it."""

    id: str
    supports_web_search: bool = False


def _capability_id(model_id: str) -> str:
    """A model ID as the registry compares capabilities: lower-case, without a ``(level)`` suffix."""
    model_id = model_id.strip().lower()
    open_paren = model_id.rfind("(")
    if open_paren >= 0 and model_id.endswith(")"):
        model_id = model_id[:open_paren].strip()
    return model_id


def _web_search_model_for(requested: str, registry: Sequence[RegistryModel]) -> str:
    """The requested model itself when the registry lists it as able to search, else ""."""
    wanted = _capability_id(requested)
    if not wanted:
        return ""
    for model in registry:
        current = _capability_id(model.id)
        if current and current == wanted:
            return current if model.supports_web_search else ""
    return ""


def resolve_antigravity_model(configured: str, requested: str, registry: Sequence[RegistryModel]) -> str:
    """``antigravity_model`` when set; else the requested model if the registry says it can run
    googleSearch; else the registry's first antigravity model that can; else ""."""
    if configured.strip():
        return configured.strip()
    model = _web_search_model_for(requested, registry)
    if model:
        return model
    for candidate in registry:
        if candidate.supports_web_search and candidate.id.strip():
            return candidate.id.strip()
    return ""


def resolve_codex_model(configured: str) -> str:
    return configured.strip() or DEFAULT_CODEX_MODEL


def resolve_xai_model(configured: str) -> str:
    return configured.strip() or DEFAULT_XAI_MODEL
