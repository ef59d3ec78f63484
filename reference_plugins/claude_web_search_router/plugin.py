"""The plugin class: ``model.route`` answers, and the executor that runs the orchestration."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from cpa_sdk import Executor, ExecutorStream, Host, ModelRouter, Plugin, PluginError
from cpa_sdk.wire import ExecutorRequest, ExecutorResponse, ModelRouteRequest, ModelRouteResponse
from reference_plugins._upstream import UpstreamMetadata
from reference_plugins.claude_web_search_router.config import Config
from reference_plugins.claude_web_search_router.detect import is_builtin_web_search_request, is_claude_source_format
from reference_plugins.claude_web_search_router.execution import SSE_HEADERS, Orchestrator
from reference_plugins.claude_web_search_router.model_resolve import RegistryModel
from reference_plugins.claude_web_search_router.penalty import PenaltyBoard
from reference_plugins.claude_web_search_router.plans import RouteContext, execution_plans, route_decision
from reference_plugins.claude_web_search_router.tavily import KeyRotation, TavilyClient

__all__ = ["ClaudeWebSearchRouter"]

COUNT_TOKENS_ANSWER = b'{"input_tokens":0}'


class ClaudeWebSearchRouter(UpstreamMetadata, Plugin[Config], ModelRouter, Executor):
    plugin_id = name = "claude-web-search-router"
    logo = ""  # upstream registers no logo
    input_formats = ("claude",)
    output_formats = ("claude",)
    model_scope = "static"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.penalties = PenaltyBoard()
        self.tavily_keys = KeyRotation()

    def antigravity_models(self) -> Sequence[RegistryModel]:
        """The antigravity models CPA's registry lists, for choosing a googleSearch model when
        ``antigravity_model`` is empty.

        A plugin cannot read CPA's in-process registry (upstream's lookup sees an empty copy
        inside its own library), so this is empty: configure ``antigravity_model``, or override
        this to supply the list.
        """
        return ()

    # -- model.route ------------------------------------------------------------------------------

    def route_model(self, request: ModelRouteRequest) -> ModelRouteResponse:
        config = self.config
        if not config.enabled or not is_claude_source_format(request.source_format):
            return ModelRouteResponse()
        if not is_builtin_web_search_request(request.body, config.require_web_search_only):
            return ModelRouteResponse()
        context = RouteContext(
            config, request.requested_model, request.available_providers or (), self.antigravity_models()
        )
        return route_decision(context)

    # -- executor -----------------------------------------------------------------------------------

    def executor_identifier(self) -> str:
        return self.plugin_id

    def count_tokens(self, request: ExecutorRequest) -> ExecutorResponse:
        return ExecutorResponse(payload=COUNT_TOKENS_ANSWER)

    def _orchestration(self, request: ExecutorRequest, config: Config) -> tuple[Orchestrator, RouteContext]:
        context = RouteContext(config, request.model.strip(), (), self.antigravity_models())
        tavily = TavilyClient(config.tavily_api_keys, self.host, rotation=self.tavily_keys)
        return Orchestrator(self.host, self.penalties, tavily), context

    def execute(self, request: ExecutorRequest) -> ExecutorResponse:
        orchestrator, context = self._orchestration(request, self.config)
        return orchestrator.execute(request, execution_plans(context))

    def execute_stream(self, request: ExecutorRequest) -> ExecutorStream:
        """Answers the stream headers at once; the backends run after the call has returned."""
        if not request.stream_id.strip():
            raise PluginError("executor_error", "stream_id is required for executor.execute_stream")
        return ExecutorStream(chunks=self.stream_chunks(request, self.config), headers=SSE_HEADERS)

    def stream_chunks(self, request: ExecutorRequest, config: Config) -> Iterator[bytes]:
        """The stream's chunks, produced on the stream's own thread."""
        orchestrator, context = self._orchestration(request, config)
        yield from orchestrator.stream(request, execution_plans(context))
