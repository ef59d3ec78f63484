"""usage: a usage plugin that receives every usage record and keeps none.

Port of CPA's generated ``examples/plugin/usage``. ``usage.handle`` answers ``{}``.
"""

from __future__ import annotations

from cpa_sdk import UsagePlugin
from cpa_sdk.wire import UsageRecord
from reference_plugins._generated import GeneratedExample


class UsageExample(GeneratedExample, UsagePlugin, slug="usage"):
    def handle_usage(self, request: UsageRecord) -> None:
        return None


PLUGIN = UsageExample
