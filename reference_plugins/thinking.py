"""thinking: a thinking applier that replaces the payload with one naming the plugin.

Port of CPA's generated ``examples/plugin/thinking``, the applier for provider
``example-thinking-python``. ``thinking.apply`` ignores the thinking config and answers
``{"thinking_applied_by":"example-thinking-python"}``.
"""

from __future__ import annotations

from cpa_sdk import ThinkingApplier
from cpa_sdk.wire import PayloadResponse, ThinkingApplyRequest
from reference_plugins._generated import GeneratedExample


class ThinkingExample(GeneratedExample, ThinkingApplier, slug="thinking"):
    def thinking_identifier(self) -> str:
        return self.pid

    def apply_thinking(self, request: ThinkingApplyRequest) -> PayloadResponse:
        return self.stamp("thinking_applied_by")


PLUGIN = ThinkingExample
