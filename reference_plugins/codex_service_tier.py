"""codex-service-tier: put Codex gpt-5.5 Responses requests on the priority service tier.

Port of CPA's ``examples/plugin/codex-service-tier``. With ``fast: true``, every request
normalised for the ``codex`` format (any case) whose model is exactly ``gpt-5.5`` gets
``"service_tier":"priority"``; everything else passes unchanged. The body is edited in place the
way sjson does: only ``service_tier`` changes, every other byte stays.

Differences from upstream, on purpose: a body that is not JSON (upstream turns ``{`` into
``"service_tier":"priority"}``) is left unchanged.
"""

from __future__ import annotations

from pydantic import Field

from cpa_sdk import Plugin, PluginConfig, RequestNormalizer
from cpa_sdk.json_edit import set_top_level_string
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest
from reference_plugins._upstream import UpstreamMetadata


class Config(PluginConfig):
    fast: bool = Field(False, description="Sets Codex gpt-5.5 Responses requests to the priority service tier.")


class CodexServiceTier(UpstreamMetadata, Plugin[Config], RequestNormalizer):
    plugin_id = name = "codex-service-tier"

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse:
        applies = self.config.fast and request.to_format.lower() == "codex" and request.model == "gpt-5.5"
        if not applies:
            return PayloadResponse(body=request.body)
        edited = set_top_level_string(request.body, "service_tier", "priority")
        return PayloadResponse(body=request.body if edited is None else edited)


PLUGIN = CodexServiceTier
