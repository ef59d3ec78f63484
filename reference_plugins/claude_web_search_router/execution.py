"""The executor's orchestration: try each planned backend, least-penalised first, until one answers.

A backend that fails is skipped for the next one within the same request; a failure naming 429,
503 or 502 also penalises a host backend for later requests, and a success relieves it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from cpa_sdk import Host, PluginError
from cpa_sdk.wire import ExecutorRequest, ExecutorResponse
from reference_plugins.claude_web_search_router.claude_response import ClaudeMessageBuilder
from reference_plugins.claude_web_search_router.config import Backend
from reference_plugins.claude_web_search_router.detect import extract_max_uses, extract_query
from reference_plugins.claude_web_search_router.penalty import PenaltyBoard
from reference_plugins.claude_web_search_router.plans import ExecutionPlan
from reference_plugins.claude_web_search_router.stream_forward import (
    BackendFailure,
    execute_on_host,
    retryable_status_in,
    stream_from_host,
)
from reference_plugins.claude_web_search_router.tavily import TavilyClient, TavilyError

__all__ = [
    "ALL_FAILED",
    "JSON_HEADERS",
    "NO_BACKEND",
    "SSE_HEADERS",
    "Orchestrator",
    "claude_body",
    "tavily_message",
    "tavily_stream",
]

Headers = dict[str, list[str]]

JSON_HEADERS: Final[Headers] = {"Content-Type": ["application/json"]}
SSE_HEADERS: Final[Headers] = {"Content-Type": ["text/event-stream"]}
NO_BACKEND: Final = "web search execution: no backend available"
ALL_FAILED: Final = "web search execution: all backends failed"
_FAILURES: Final = (BackendFailure, TavilyError)


def claude_body(request: ExecutorRequest) -> bytes | None:
    """The client's Claude body: ``OriginalRequest``, else the translated ``Payload``."""
    return request.original_request or request.payload


def _tavily_answer(request: ExecutorRequest, client: TavilyClient, *, stream: bool) -> bytes:
    query = extract_query(request.original_request) or extract_query(request.payload)
    hits, answer = client.search(query, extract_max_uses(request.original_request))
    builder = ClaudeMessageBuilder.for_model(request.model)
    return builder.sse_stream(query, hits, answer) if stream else builder.message_json(query, hits, answer)


def tavily_message(request: ExecutorRequest, client: TavilyClient) -> tuple[bytes, Headers]:
    """Search with Tavily and answer as one Claude message."""
    return _tavily_answer(request, client, stream=False), JSON_HEADERS


def tavily_stream(request: ExecutorRequest, client: TavilyClient) -> tuple[bytes, Headers]:
    """Search with Tavily and answer as Claude SSE (all events in one piece)."""
    return _tavily_answer(request, client, stream=True), SSE_HEADERS


class _Run:
    """One request's pass over its plans: the order, the last error, the penalties."""

    def __init__(self, penalties: PenaltyBoard, plans: Sequence[ExecutionPlan]) -> None:
        if not plans:
            raise PluginError("executor_error", NO_BACKEND)
        self._penalties = penalties
        by_backend = {plan.backend: plan for plan in plans}
        self.plans = [by_backend[backend] for backend in penalties.ordered(by_backend)]
        self._last_error = ""

    def failed(self, plan: ExecutionPlan, failure: Exception) -> None:
        self._last_error = str(failure)
        if plan.backend is not Backend.TAVILY and retryable_status_in(self._last_error):
            self._penalties.record_failure(plan.backend)

    def succeeded(self, plan: ExecutionPlan) -> None:
        self._penalties.record_success(plan.backend)

    def exhausted(self) -> PluginError:
        return PluginError("executor_error", self._last_error or ALL_FAILED)


class Orchestrator:
    def __init__(self, host: Host, penalties: PenaltyBoard, tavily: TavilyClient) -> None:
        self.host = host
        self.penalties = penalties
        self.tavily = tavily

    def execute(self, request: ExecutorRequest, plans: Sequence[ExecutionPlan]) -> ExecutorResponse:
        """``executor.execute``: the first backend's whole answer."""
        run = _Run(self.penalties, plans)
        for plan in run.plans:
            payload: bytes | None
            try:
                if plan.backend is Backend.TAVILY:
                    payload, headers = tavily_message(request, self.tavily)
                else:
                    payload, headers = execute_on_host(self.host, plan.model, claude_body(request)), JSON_HEADERS
            except _FAILURES as failure:
                run.failed(plan, failure)
                continue
            run.succeeded(plan)
            return ExecutorResponse(payload=payload, headers=headers)
        raise run.exhausted()

    def stream(self, request: ExecutorRequest, plans: Sequence[ExecutionPlan]) -> Iterator[bytes]:
        """``executor.execute_stream``'s chunks: a host backend's payloads as they come, or
        Tavily's events in one chunk.

        A host backend that fails after some payloads went out still passes to the next one, as
        upstream does. When the consumer stops (the host refused an emit), nothing more is tried.
        """
        run = _Run(self.penalties, plans)
        for plan in run.plans:
            try:
                if plan.backend is Backend.TAVILY:
                    yield tavily_stream(request, self.tavily)[0]
                else:
                    yield from stream_from_host(self.host, plan.model, claude_body(request))
            except _FAILURES as failure:
                run.failed(plan, failure)
                continue
            run.succeeded(plan)
            return
        raise run.exhausted()
