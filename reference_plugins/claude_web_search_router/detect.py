"""Recognising Claude Code's built-in ``web_search`` requests, and reading the search out of them.

Upstream reads the body with gjson, which is forgiving: a missing or mistyped member reads as
empty text. ``_text`` gives the same reading of a decoded JSON value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

__all__ = [
    "extract_max_uses",
    "extract_query",
    "has_only_typed_web_search_tools",
    "has_typed_web_search_tool",
    "is_builtin_web_search_request",
    "is_claude_source_format",
    "looks_like_claude_code_web_search",
    "message_text",
]

WEB_SEARCH_TOOL_TYPES: Final = frozenset({"web_search_20250305", "web_search_20260209"})
PERFORM_PREFIX: Final = "perform a web search for the query:"
DEFAULT_MAX_USES: Final = 5


def is_claude_source_format(source: str) -> bool:
    """The inbound protocol is Claude / Anthropic Messages."""
    return source.strip().lower() in ("claude", "anthropic")


def _first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # gjson answers the first of duplicate keys; json.loads would keep the last.
    members: dict[str, Any] = {}
    for key, value in pairs:
        members.setdefault(key, value)
    return members


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _document(body: bytes | None) -> dict[str, Any]:
    """The body's top-level object; anything that is not one reads as empty."""
    if not body:
        return {}
    try:
        parsed = json.loads(body, object_pairs_hook=_first_wins, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _member(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _text(value: Any) -> str:
    """gjson's ``String()``: strings as they are, null or missing as "", anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _array(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _tool_types(body: bytes | None) -> Iterator[tuple[str, str]]:
    """``(type, name)`` of each entry of ``tools``."""
    for tool in _array(_document(body).get("tools")):
        yield _text(_member(tool, "type")), _text(_member(tool, "name"))


def has_typed_web_search_tool(body: bytes | None) -> bool:
    return any(kind in WEB_SEARCH_TOOL_TYPES for kind, _ in _tool_types(body))


def has_only_typed_web_search_tools(body: bytes | None) -> bool:
    """At least one typed web-search tool, and every other entry has neither type nor name."""
    found = False
    for kind, name in _tool_types(body):
        if kind in WEB_SEARCH_TOOL_TYPES:
            found = True
        elif kind or name:
            return False
    return found


def message_text(content: Any) -> str:
    """A message's text: string content as it is, else its non-blank text blocks, trimmed, one a line."""
    if isinstance(content, str):
        return content
    parts = []
    for block in _array(content):
        if _text(_member(block, "type")) != "text":
            continue
        text = _text(_member(block, "text")).strip()
        if text:
            parts.append(text)
    return "\n".join(parts)


def _user_texts(document: dict[str, Any]) -> Iterator[str]:
    for message in _array(document.get("messages")):
        if _text(_member(message, "role")) == "user":
            yield message_text(_member(message, "content"))


def looks_like_claude_code_web_search(body: bytes | None) -> bool:
    """Claude Code's web-search sub-agent: its system prompt, or its "Perform a web search" turn."""
    document = _document(body)
    system = document.get("system")
    for block in _array(system):
        text = _text(_member(block, "text")).lower()
        if "web search tool use" in text or "performing a web search" in text:
            return True
    if isinstance(system, str) and "web search tool use" in system.lower():
        return True
    return any(text.lower().startswith(PERFORM_PREFIX) for text in _user_texts(document))


def is_builtin_web_search_request(body: bytes | None, require_web_search_only: bool) -> bool:
    if not has_typed_web_search_tool(body):
        return False
    only = has_only_typed_web_search_tools(body)
    if require_web_search_only and not only:
        return False
    return only or looks_like_claude_code_web_search(body)


def extract_query(body: bytes | None) -> str:
    """The search: what follows "Perform a web search for the query:" in a user message, else the
    text of the last user (or role-less) message that has any."""
    document = _document(body)
    for text in _user_texts(document):
        text = text.strip()
        if text.lower().startswith(PERFORM_PREFIX):
            return text[len(PERFORM_PREFIX) :].strip()
    for message in reversed(_array(document.get("messages"))):
        if _text(_member(message, "role")) not in ("", "user"):
            continue
        query = message_text(_member(message, "content")).strip()
        if query:
            return query
    return ""


def _gjson_int(value: Any) -> int:
    """gjson's ``Int()``: numbers truncated, true as 1, digit strings parsed, anything else 0."""
    if value is True:
        return 1
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        digits = value[1:] if value.startswith("-") else value
        return int(value) if digits.isascii() and digits.isdigit() else 0
    return 0


def extract_max_uses(body: bytes | None, default: int = DEFAULT_MAX_USES) -> int:
    """The first positive ``max_uses`` of a typed web-search tool, else ``default``."""
    if default <= 0:
        default = DEFAULT_MAX_USES
    for tool in _array(_document(body).get("tools")):
        if _text(_member(tool, "type")) not in WEB_SEARCH_TOOL_TYPES:
            continue
        max_uses = _gjson_int(_member(tool, "max_uses"))
        if max_uses > 0:
            return max_uses
    return default
