"""``request.translate``/``request.normalize`` and ``response.translate``/``response.normalize_*``,
plus the ``{Body}`` result they and ``thinking.apply`` share (``internal/pluginhost/adapters_usage_translation.go``)."""

from cpa_sdk.wire._go import GoBytes, GoModel, go_field
from cpa_sdk.wire._lazy import decoded_lazily

__all__ = ["PayloadResponse", "RequestTransformRequest", "ResponseTransformRequest"]


class RequestTransformRequest(GoModel):
    """Request of ``request.translate`` (only when CPA has no native translator) and
    ``request.normalize`` (a chain)."""

    from_format: str = go_field("FromFormat", "", description="Protocol of Body.")
    to_format: str = go_field("ToFormat", "", description="Protocol wanted.")
    model: str = go_field("Model", "")
    stream: bool = go_field("Stream", False)
    body: GoBytes = go_field("Body", None, description="Payload to transform.")


@decoded_lazily
class ResponseTransformRequest(GoModel):
    """Request of ``response.translate``, ``response.normalize_before`` and
    ``response.normalize_after``. For streams it is sent once per frame with ``Stream: true``.

    Decoded lazily (a field when first read): the requests ride along on every call.
    """

    from_format: str = go_field("FromFormat", "", description="Protocol of Body.")
    to_format: str = go_field("ToFormat", "", description="Protocol wanted.")
    model: str = go_field("Model", "")
    stream: bool = go_field("Stream", False, description="True when Body is one stream frame.")
    original_request: GoBytes = go_field("OriginalRequest", None, description="Raw client body.")
    translated_request: GoBytes = go_field("TranslatedRequest", None, description="Body sent upstream.")
    body: GoBytes = go_field("Body", None, description="Response payload to transform.")


class PayloadResponse(GoModel):
    """Result of the translate/normalize methods and ``thinking.apply``.

    An empty ``Body`` means "no change" (normalizers, thinking) or "not handled" (translators).
    """

    body: GoBytes = go_field("Body", None, description="New payload; empty keeps the current one.")
