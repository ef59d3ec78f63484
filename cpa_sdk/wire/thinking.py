"""``thinking.apply`` (``internal/pluginhost/adapters_usage_translation.go``).

``thinking.identifier`` uses ``EmptyRequest`` and ``IdentifierResponse`` from ``lifecycle``; the
result of ``thinking.apply`` is ``PayloadResponse`` from ``transform``.
"""

from typing import Final, Literal

from cpa_sdk.wire._go import GoBytes, GoModel, go_field
from cpa_sdk.wire._types import GoInt
from cpa_sdk.wire.common import ModelInfo

__all__ = [
    "THINKING_MODE_AUTO",
    "THINKING_MODE_BUDGET",
    "THINKING_MODE_LEVEL",
    "THINKING_MODE_NONE",
    "ThinkingApplyRequest",
    "ThinkingConfig",
    "ThinkingMode",
]

ThinkingMode = Literal["budget", "level", "none", "auto"]
"""Documented values of ``ThinkingConfig.Mode``."""

THINKING_MODE_BUDGET: Final = "budget"
"""Use ``Budget`` tokens of reasoning."""
THINKING_MODE_LEVEL: Final = "level"
"""Use the named ``Level``."""
THINKING_MODE_NONE: Final = "none"
"""Reasoning off."""
THINKING_MODE_AUTO: Final = "auto"
"""Let the model decide."""


class ThinkingConfig(GoModel):
    """The parsed and normalised thinking request."""

    mode: str = go_field("Mode", "", description="'budget', 'level', 'none' or 'auto'.")
    budget: GoInt = go_field("Budget", 0, description="Token budget for mode 'budget'.")
    level: str = go_field("Level", "", description="Effort level for mode 'level'.")


class ThinkingApplyRequest(GoModel):
    """Request of ``thinking.apply``: write ``Config`` into ``Body`` in the provider's own terms.

    Sent with a background context: client cancellation does not reach it.
    """

    provider: str = go_field("Provider", "", description="Provider key (this applier's identifier).")
    model: ModelInfo = go_field("Model", default_factory=ModelInfo)
    config: ThinkingConfig = go_field("Config", default_factory=ThinkingConfig)
    body: GoBytes = go_field("Body", None, description="Provider payload to rewrite.")
    host_callback_id: str = go_field(
        "host_callback_id", "", description="Callback scope of this call, passed back on host.* callbacks."
    )
