"""request-translator: translates every request into a body naming the plugin.

Port of CPA's generated ``examples/plugin/request-translator``. ``request.translate`` (asked only
where CPA has no native translator) answers ``{"translated_by":"example-request-translator-python"}``.
"""

from __future__ import annotations

from cpa_sdk import RequestTranslator
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest
from reference_plugins._generated import GeneratedExample


class RequestTranslatorExample(GeneratedExample, RequestTranslator, slug="request-translator"):
    def translate_request(self, request: RequestTransformRequest) -> PayloadResponse:
        return self.stamp("translated_by")


PLUGIN = RequestTranslatorExample
