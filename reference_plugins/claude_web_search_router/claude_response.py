"""Claude Messages output for a Tavily search: one message JSON, or the same as an SSE stream.

The content is what Claude's own server-side web search produces: a ``server_tool_use`` block
with the query, a ``web_search_tool_result`` block listing the hits, and a text block with the
answer. Upstream builds every object as a Go map, so keys come out sorted (``_go_json``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from cpa_sdk.sse import format_event
from reference_plugins._go_text import marshal
from reference_plugins.claude_web_search_router.tavily import SearchHit

__all__ = ["ClaudeMessageBuilder", "answer_text", "estimate_tokens", "host_of"]

DEFAULT_MODEL: Final = "claude-sonnet-4-6"
INPUT_TOKENS: Final = 85
NO_RESULTS: Final = "No web search results were returned."


def _sorted_maps(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted_maps(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_maps(item) for item in value]
    return value


def _go_json(value: Any) -> bytes:
    """``json.Marshal`` of nested Go maps: sorted keys, compact, HTML-escaped."""
    return marshal(_sorted_maps(value))


def host_of(url: str) -> str:
    """The host part of ``url`` (what follows ``://`` up to the first ``/``)."""
    url = url.strip()
    _, sep, rest = url.partition("://")
    return (rest if sep else url).split("/", 1)[0]


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def answer_text(answer: str, hits: Sequence[SearchHit]) -> str:
    """Tavily's answer; without one, each hit's title, URL and snippet; without hits, a notice."""
    if answer.strip():
        return answer
    if not hits:
        return NO_RESULTS
    parts = []
    for hit in hits:
        lines = [f"{hit.title}\n" if hit.title else "", f"{hit.url}\n" if hit.url else "", hit.snippet]
        parts.append("".join(lines))
    return "\n\n".join(parts)


def _result_blocks(hits: Sequence[SearchHit]) -> list[dict[str, Any]]:
    return [
        {"type": "web_search_result", "title": hit.title or host_of(hit.url), "url": hit.url, "page_age": None}
        for hit in hits
    ]


@dataclass(frozen=True, slots=True)
class ClaudeMessageBuilder:
    model: str
    message_id: str
    tool_use_id: str

    @classmethod
    def for_model(cls, model: str) -> ClaudeMessageBuilder:
        """IDs from the clock, as upstream: ``msg_<hex ns>`` and ``srvtoolu_<decimal ns>``."""
        now = time.time_ns()
        return cls(model=model.strip() or DEFAULT_MODEL, message_id=f"msg_{now:x}", tool_use_id=f"srvtoolu_{now}")

    def _usage(self, text: str) -> dict[str, Any]:
        return {
            "input_tokens": INPUT_TOKENS,
            "output_tokens": estimate_tokens(text),
            "server_tool_use": {"web_search_requests": 1},
        }

    def message_json(self, query: str, hits: Sequence[SearchHit], answer: str) -> bytes:
        text = answer_text(answer, hits)
        content = [
            {"type": "server_tool_use", "id": self.tool_use_id, "name": "web_search", "input": {"query": query}},
            {"type": "web_search_tool_result", "tool_use_id": self.tool_use_id, "content": _result_blocks(hits)},
            {"type": "text", "text": text},
        ]
        return _go_json(
            {
                "id": self.message_id,
                "type": "message",
                "role": "assistant",
                "model": self.model,
                "content": content,
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": self._usage(text),
            }
        )

    def sse_stream(self, query: str, hits: Sequence[SearchHit], answer: str) -> bytes:
        """The 11 events of the same message, as one piece of SSE text."""
        text = answer_text(answer, hits)
        events: list[tuple[str, dict[str, Any]]] = []

        def block(index: int, content_block: dict[str, Any], *deltas: dict[str, Any]) -> None:
            events.append(
                ("content_block_start", {"type": "content_block_start", "index": index, "content_block": content_block})
            )
            for delta in deltas:
                events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))

        message: dict[str, Any] = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": self.model,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": INPUT_TOKENS, "output_tokens": 0},
        }
        events.append(("message_start", {"type": "message_start", "message": message}))
        tool_use = {"type": "server_tool_use", "id": self.tool_use_id, "name": "web_search", "input": {}}
        partial = marshal({"query": query}).decode()
        block(0, tool_use, {"type": "input_json_delta", "partial_json": partial})
        block(1, {"type": "web_search_tool_result", "tool_use_id": self.tool_use_id, "content": _result_blocks(hits)})
        block(2, {"type": "text", "text": ""}, {"type": "text_delta", "text": text})
        events.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": self._usage(text),
                },
            )
        )
        events.append(("message_stop", {"type": "message_stop"}))
        return b"".join(format_event(_go_json(data), name) for name, data in events)
