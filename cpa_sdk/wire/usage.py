"""``usage.handle`` (``internal/pluginhost/adapters_usage_translation.go``)."""

from datetime import timedelta

from cpa_sdk.wire._go import GoDuration, GoModel, GoTime, Header, go_field
from cpa_sdk.wire._lazy import decoded_lazily
from cpa_sdk.wire._types import GoInt, GoInt64

__all__ = ["UsageDetail", "UsageFailure", "UsageRecord"]


class UsageFailure(GoModel):
    """Failure details of a usage record."""

    status_code: GoInt = go_field("StatusCode", 0, description="HTTP status of the failure.")
    body: str = go_field("Body", "", description="Failure body or message.")


class UsageDetail(GoModel):
    """Token counters of a usage record."""

    input_tokens: GoInt64 = go_field("InputTokens", 0)
    output_tokens: GoInt64 = go_field("OutputTokens", 0)
    reasoning_tokens: GoInt64 = go_field("ReasoningTokens", 0)
    cached_tokens: GoInt64 = go_field("CachedTokens", 0)
    cache_read_tokens: GoInt64 = go_field("CacheReadTokens", 0)
    cache_creation_tokens: GoInt64 = go_field("CacheCreationTokens", 0)
    total_tokens: GoInt64 = go_field("TotalTokens", 0)


@decoded_lazily
class UsageRecord(GoModel):
    """Request of ``usage.handle``. The result and any error are ignored.

    Records are delivered serially by one worker shared with every usage consumer: return fast.
    Decoded lazily: a field is validated when first read.
    """

    provider: str = go_field("Provider", "", description="Upstream provider.")
    executor_type: str = go_field("ExecutorType", "", description="Executor implementation.")
    model: str = go_field("Model", "")
    alias: str = go_field("Alias", "", description="Model alias the client used, if any.")
    api_key: str = go_field("APIKey", "", description="Client API key identifier.")
    auth_id: str = go_field("AuthID", "", description="Selected auth.")
    auth_index: str = go_field("AuthIndex", "")
    auth_type: str = go_field("AuthType", "")
    source: str = go_field("Source", "", description="Request source or integration.")
    reasoning_effort: str = go_field("ReasoningEffort", "")
    service_tier: str = go_field("ServiceTier", "")
    generate: bool = go_field("Generate", False, description="True unless the client asked for no generation.")
    requested_at: GoTime = go_field(
        "RequestedAt", None, description="When the request arrived; None is Go's zero time."
    )
    latency: GoDuration = go_field(
        "Latency", default_factory=timedelta, description="Total latency (int ns on the wire)."
    )
    ttft: GoDuration = go_field(
        "TTFT", default_factory=timedelta, description="Time to first token (int ns on the wire)."
    )
    failed: bool = go_field("Failed", False)
    failure: UsageFailure = go_field("Failure", default_factory=UsageFailure, description="Set when Failed.")
    detail: UsageDetail = go_field("Detail", default_factory=UsageDetail, description="Token counters.")
    response_headers: Header = go_field("ResponseHeaders", None, description="Selected upstream response headers.")
