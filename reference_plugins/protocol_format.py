"""protocol-format: an executor that takes chat completions and declares Responses output.

Port of CPA's generated ``examples/plugin/protocol-format``. Format declarations belong to
executors, so the example is the minimal executor (identifier and a fixed
``{"id":"example-protocol-format-python","object":"chat.completion"}``) whose registration says
``executor_input_formats: ["chat-completions"]`` and ``executor_output_formats: ["responses"]``:
CPA translates requests into the one and responses out of the other.

Difference from upstream: upstream answers ``unknown_method`` to ``executor.execute_stream``,
``count_tokens`` and ``http_request``; the port gets the SDK's defaults for them (the execute
payload as one chunk, and 501 refusals).
"""

from __future__ import annotations

from reference_plugins._generated import ExampleExecutor


class ProtocolFormatExample(ExampleExecutor, slug="protocol-format"):
    output_formats = ("responses",)


PLUGIN = ProtocolFormatExample
