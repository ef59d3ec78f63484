"""executor: a provider that answers every request with the same fixed completion.

Port of CPA's generated ``examples/plugin/executor``, a chat-completions executor for models of
any scope. ``executor.execute`` returns ``{"id":"example-executor-python","object":"chat.completion"}``
as JSON; ``executor.execute_stream`` sends one event-stream chunk ``data: example-executor-python``;
``executor.count_tokens`` counts ``{"total_tokens":0}``; ``executor.http_request`` answers 200 with
``{"plugin":"example-executor-python"}``.

Difference from upstream, on purpose: the generator JSON-encodes the stream chunk, so upstream
sends the 33 bytes ``"data: example-executor-c\\n\\n"`` with the quotes and a literal backslash-n;
the port sends the SSE line the template means, ``data: example-executor-python`` and two newlines.
"""

from __future__ import annotations

from cpa_sdk import ExecutorStream
from cpa_sdk.wire import ExecutorHTTPRequest, ExecutorHTTPResponse, ExecutorRequest, ExecutorResponse
from reference_plugins._generated import JSON_HEADERS, ExampleExecutor
from reference_plugins._go_text import marshal


class ExecutorExample(ExampleExecutor, slug="executor"):
    output_formats = ("chat-completions",)

    def execute_stream(self, request: ExecutorRequest) -> ExecutorStream:
        chunk = f"data: {self.pid}\n\n".encode()
        return ExecutorStream(chunks=[chunk], headers={"content-type": ["text/event-stream"]})

    def count_tokens(self, request: ExecutorRequest) -> ExecutorResponse:
        return ExecutorResponse(payload=b'{"total_tokens":0}')

    def http_request(self, request: ExecutorHTTPRequest) -> ExecutorHTTPResponse:
        return ExecutorHTTPResponse(status_code=200, headers=JSON_HEADERS, body=marshal({"plugin": self.pid}))


PLUGIN = ExecutorExample
