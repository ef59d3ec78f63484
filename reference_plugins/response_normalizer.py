"""response-normalizer: rewrites responses before and after translation.

Port of CPA's generated ``examples/plugin/response-normalizer``, registered for both sides of
the translator. ``response.normalize_before`` answers
``{"response_normalized_before_by":"example-response-normalizer-python"}`` and
``response.normalize_after`` ``{"response_normalized_after_by":...}``.
"""

from __future__ import annotations

from cpa_sdk import ResponseAfterTranslator, ResponseBeforeTranslator
from cpa_sdk.wire import PayloadResponse, ResponseTransformRequest
from reference_plugins._generated import GeneratedExample


class ResponseNormalizerExample(
    GeneratedExample, ResponseBeforeTranslator, ResponseAfterTranslator, slug="response-normalizer"
):
    def normalize_response_before(self, request: ResponseTransformRequest) -> PayloadResponse:
        return self.stamp("response_normalized_before_by")

    def normalize_response_after(self, request: ResponseTransformRequest) -> PayloadResponse:
        return self.stamp("response_normalized_after_by")


PLUGIN = ResponseNormalizerExample
