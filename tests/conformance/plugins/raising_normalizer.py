"""raising-normalizer: a request normalizer whose every call raises.

CPA must treat the failed ``request.normalize`` as "no change", keep serving the request and run
the other normalizers of the chain (cpa-protocol.md §5.8). The exception must not take the host
down with it.
"""

from __future__ import annotations

from cpa_sdk import Plugin, RequestNormalizer
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest


class RaisingNormalizer(Plugin, RequestNormalizer):
    plugin_id = "raising-normalizer"
    name = "raising-normalizer"
    version = "0.0.1"
    author = "cpa-sdk conformance tests"
    github_repository = "https://example.invalid/cpa-sdk/raising-normalizer"
    schema_version = 3

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
        raise RuntimeError(f"raising-normalizer refuses {request.model!r} on purpose")
