"""request-normalizer: replaces every request body with one naming the plugin.

Port of CPA's generated ``examples/plugin/request-normalizer``. ``request.normalize`` answers
``{"normalized_by":"example-request-normalizer-python"}``.
"""

from __future__ import annotations

from cpa_sdk import RequestNormalizer
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest
from reference_plugins._generated import GeneratedExample


class RequestNormalizerExample(GeneratedExample, RequestNormalizer, slug="request-normalizer"):
    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse:
        return self.stamp("normalized_by")


PLUGIN = RequestNormalizerExample
