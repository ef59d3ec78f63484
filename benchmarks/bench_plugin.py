"""The Python side of the per-request rows that have no upstream port: what the Go peer's
handlers of the same methods do (benchmarks/go_peer/main.go), with the SDK's APIs.

* ``response.intercept_stream_chunk``: a chunk naming the upstream model names the model the
  client asked for instead; others pass unchanged (the request is decoded lazily: fields when read).
* ``usage.handle``: adds the record's tokens to per-model totals under a lock.
* ``response.normalize_after``: sets the body's top-level ``model`` to the request's model.
"""

from __future__ import annotations

import threading

from cpa_sdk import Plugin, ResponseAfterTranslator, ResponseStreamInterceptor, UsagePlugin
from cpa_sdk.json_edit import set_top_level_string
from cpa_sdk.wire import (
    PayloadResponse,
    ResponseTransformRequest,
    StreamChunkInterceptRequest,
    StreamChunkInterceptResponse,
    UsageRecord,
)


class BenchRows(Plugin, ResponseStreamInterceptor, UsagePlugin, ResponseAfterTranslator):
    plugin_id = name = "bench-rows"
    version, author, github_repository = "0.1.0", "cpa-sdk benchmarks", "https://github.com/router-for-me/CLIProxyAPI"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lock = threading.Lock()
        self._totals: dict[str, list[int]] = {}

    def intercept_stream_chunk(self, request: StreamChunkInterceptRequest) -> StreamChunkInterceptResponse | None:
        requested, model = request.requested_model, request.model
        if not requested or requested == model:
            return None
        body = request.body or b""
        upstream = f'"model":"{model}"'.encode()
        if upstream not in body:
            return None
        return StreamChunkInterceptResponse(body=body.replace(upstream, f'"model":"{requested}"'.encode()))

    def handle_usage(self, request: UsageRecord) -> None:
        detail = request.detail
        with self._lock:
            total = self._totals.setdefault(request.model, [0, 0, 0])
            total[0] += detail.input_tokens
            total[1] += detail.output_tokens
            total[2] += detail.total_tokens

    def normalize_response_after(self, request: ResponseTransformRequest) -> PayloadResponse | None:
        if not request.model:
            return None
        edited = set_top_level_string(request.body, "model", request.model)
        return None if edited is None else PayloadResponse(body=edited)
