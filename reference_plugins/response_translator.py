"""response-translator: translates every response into a body naming the plugin.

Port of CPA's generated ``examples/plugin/response-translator``. ``response.translate`` answers
``{"response_translated_by":"example-response-translator-python"}``.
"""

from __future__ import annotations

from cpa_sdk import ResponseTranslator
from cpa_sdk.wire import PayloadResponse, ResponseTransformRequest
from reference_plugins._generated import GeneratedExample


class ResponseTranslatorExample(GeneratedExample, ResponseTranslator, slug="response-translator"):
    def translate_response(self, request: ResponseTransformRequest) -> PayloadResponse:
        return self.stamp("response_translated_by")


PLUGIN = ResponseTranslatorExample
