"""Tavily's search API, called through CPA's HTTP client (``host.http.do``).

Going through the host rather than Python's own HTTP stack means the call uses CPA's proxy
settings and works from a bundle whose embedded Python has no ``ssl``. The base URL is
``https://api.tavily.com``; the environment variable ``CPA_TAVILY_BASE_URL`` replaces it (read
on every search, so tests can point it at a local server).
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from cpa_sdk import Host, HostError
from cpa_sdk.wire import HostHTTPRequest
from reference_plugins._go_text import marshal, unmarshal_struct
from reference_plugins._upstream import host_error_text

__all__ = ["BASE_URL_ENV", "DEFAULT_BASE_URL", "KeyRotation", "SearchHit", "TavilyClient", "TavilyError", "search_url"]

DEFAULT_BASE_URL: Final = "https://api.tavily.com"
BASE_URL_ENV: Final = "CPA_TAVILY_BASE_URL"
ERROR_BODY_LIMIT: Final = 512
_GO_KINDS: Final[dict[type, str]] = {dict: "object", str: "string", bool: "bool"}


class TavilyError(Exception):
    """A search that did not produce results; the text is what upstream reports."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    title: str
    url: str
    snippet: str


class KeyRotation:
    """Hands out positions 0, 1, 2, ... across threads, for round-robin key choice."""

    def __init__(self) -> None:
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def next_index(self, size: int) -> int:
        with self._lock:
            return next(self._counter) % size


def search_url() -> str:
    base = os.environ.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL
    return base.rstrip("/") + "/search"


def _truncated(body: bytes, limit: int = ERROR_BODY_LIMIT) -> str:
    if len(body) <= limit:
        return body.decode("utf-8", "replace")
    return body[:limit].decode("utf-8", "replace") + "..."


def _parse_response(body: bytes) -> tuple[list[SearchHit], str]:
    """``{"answer": ..., "results": [{"title", "url", "content"}]}``, read as Go's decoder does."""
    try:
        top = unmarshal_struct(body, "tavilySearchResponse", {"answer": "string", "results": "json.RawMessage"})
        results: Any = json.loads(top["results"]) if "results" in top else None
        if results is not None and not isinstance(results, list):
            raise ValueError(
                f"json: cannot unmarshal {_GO_KINDS.get(type(results), 'number')} into Go struct field "
                "tavilySearchResponse.results of type []struct"
            )
        hits = []
        for item in results or []:
            fields = unmarshal_struct(
                json.dumps(item).encode(),
                "tavilySearchResponse.results",
                {"title": "string", "url": "string", "content": "string"},
            )
            hits.append(
                SearchHit(
                    title=fields.get("title", "").strip(),
                    url=fields.get("url", "").strip(),
                    snippet=fields.get("content", "").strip(),
                )
            )
    except ValueError as exc:
        raise TavilyError(str(exc)) from None
    return hits, str(top.get("answer", "")).strip()


class TavilyClient:
    """Searches with one of ``keys`` (trimmed, blanks dropped), taking them in turn."""

    def __init__(self, keys: Sequence[str], host: Host, *, rotation: KeyRotation | None = None) -> None:
        self.keys = [key.strip() for key in keys if key.strip()]
        self._host = host
        self._rotation = rotation if rotation is not None else KeyRotation()

    def available(self) -> bool:
        return bool(self.keys)

    def _next_key(self) -> str:
        return self.keys[self._rotation.next_index(len(self.keys))]

    def search(self, query: str, max_results: int) -> tuple[list[SearchHit], str]:
        """The hits and Tavily's own answer (``""`` when it gave none)."""
        if not self.available():
            raise TavilyError("tavily_api_keys is empty")
        query = query.strip()
        if not query:
            raise TavilyError("web search query is empty")
        payload = {
            "api_key": self._next_key(),
            "query": query,
            "search_depth": "basic",
            "max_results": max_results if max_results > 0 else 5,
            "include_answer": True,
        }
        request = HostHTTPRequest(
            method="POST",
            url=search_url(),
            headers={"Content-Type": ["application/json"]},
            body=marshal(payload),
        )
        try:
            response = self._host.http_do(request)
        except HostError as exc:
            raise TavilyError(host_error_text(exc)) from None
        body = response.body or b""
        if not 200 <= response.status_code < 300:
            raise TavilyError(f"tavily http {response.status_code}: {_truncated(body)}")
        return _parse_response(body)
