"""simple: the full mixed-capability skeleton, one answer per method.

Port of CPA's ``examples/plugin/simple`` in its C/Rust form, which reads its requests. It is a
model registrar and provider, an auth and frontend-auth provider, a chat-completions executor,
every translator and normaliser, a thinking applier, a usage plugin, a command-line plugin and
a management API, all for the provider ``plugin-example-python``:

* models: one, ``plugin-example-python-model``; auths: one record, which stores the request it
  was parsed or refreshed from; interactive login starts but never completes;
* every client request authenticates;
* ``executor.execute`` echoes the request's ``Model`` (default ``<provider>-model``) and
  ``Format`` (default ``chat-completions``) in a fixed completion, streams send
  ``plugin-example-python`` and a newline, token counts are a quarter of the payload bytes,
  rounded up; ``executor.http_request`` and ``management.handle`` answer JSON naming the
  plugin, the method (default ``GET``) and the target (default: the ``/status`` resource);
* translators and normalisers return the ``Body`` they are given (an error without one);
  ``thinking.apply`` adds ``plugin_example_thinking: {mode, budget, level}`` to a JSON object
  body, or wraps any other body as ``original_body``;
* ``usage.handle`` counts the records it sees.

The config keys ``config1``, ``config2``, ``config3`` and ``mode`` are declared for CPA's UI and,
as upstream, used by nothing.

Differences from upstream, on purpose:

* Requests are decoded as Go and CPA decode them (keys case-insensitively, JSON escapes
  honoured), not with the C variant's text scanner. So ``{"body": ...}`` is a body, and a
  thinking body counts as an object only if it is valid JSON (the scanner splices into any text
  between braces, and the Rust variant leaves a stray space before the final brace).
* A request that is not JSON at all is read, as by the scanner, as one without fields; where
  that is an error (a transform without ``Body``) the answer is the SDK's decode error (rc 1,
  ``plugin_error``) rather than ``invalid_request`` with rc 0.
* ``StorageJSON`` holds the request re-encoded (the fields it carried, in Go's order), which is
  the request's own bytes whenever the host sent compact JSON without zero values; a request
  without fields stores nothing.
* ``usage.handle`` answers ``{}`` and keeps the count in ``usage_records``: CPA ignores the
  answer, and the SDK answers every usage record with ``{}``.
* Where upstream writes ``example-c`` as if it were the plugin ID (the resource path, the
  ``plugin`` field of the echoes), the port writes the ID it was loaded under, and the resource
  description takes the ``ResourceBasePath`` the host sends.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Final

from pydantic import Field

from cpa_sdk import (
    AuthProvider,
    CommandLinePlugin,
    Executor,
    ExecutorStream,
    FrontendAuthProvider,
    Host,
    ManagementAPI,
    ModelProvider,
    ModelRegistrar,
    Plugin,
    PluginConfig,
    PluginError,
    RequestNormalizer,
    RequestTranslator,
    ResponseAfterTranslator,
    ResponseBeforeTranslator,
    ResponseTranslator,
    ThinkingApplier,
    UsagePlugin,
)
from cpa_sdk.capabilities import wire_methods_by_name
from cpa_sdk.json_edit import set_top_level_json
from cpa_sdk.wire import (
    AuthData,
    AuthLoginPollRequest,
    AuthLoginPollResponse,
    AuthLoginStartRequest,
    AuthLoginStartResponse,
    AuthModelRequest,
    AuthParseRequest,
    AuthParseResponse,
    AuthRefreshRequest,
    AuthRefreshResponse,
    CommandLineExecutionRequest,
    CommandLineExecutionResponse,
    CommandLineFlag,
    CommandLineRegistrationRequest,
    CommandLineRegistrationResponse,
    ExecutorHTTPRequest,
    ExecutorHTTPResponse,
    ExecutorRequest,
    ExecutorResponse,
    FrontendAuthRequest,
    FrontendAuthResponse,
    ManagementRegistrationRequest,
    ManagementRegistrationResponse,
    ManagementRequest,
    ManagementResponse,
    ModelRegistrationRequest,
    ModelRegistrationResponse,
    ModelResponse,
    PayloadResponse,
    RequestTransformRequest,
    ResponseTransformRequest,
    StaticModelRequest,
    ThinkingApplyRequest,
    UsageRecord,
)
from cpa_sdk.wire._go import GoModel, WireDecodeError, encode
from reference_plugins._generated import JSON_HEADERS, example_auth, example_model, login_start, status_resource
from reference_plugins._go_text import marshal
from reference_plugins._upstream import UpstreamMetadata

PROVIDER: Final = "plugin-example-python"
MODEL: Final = example_model(PROVIDER, "Plugin Example Python Model")


class Config(PluginConfig):
    config1: bool = Field(False, description="Enables the example boolean option.")
    config2: str = Field("", description="Stores the example string option.")
    config3: int = Field(0, description="Stores the example integer option.")
    mode: str = Field(
        "safe", description="Selects the example execution mode.", json_schema_extra={"enum": ["safe", "fast"]}
    )


class SimpleExample(
    UpstreamMetadata,
    Plugin[Config],
    ModelRegistrar,
    ModelProvider,
    AuthProvider,
    FrontendAuthProvider,
    Executor,
    RequestTranslator,
    RequestNormalizer,
    ResponseTranslator,
    ResponseBeforeTranslator,
    ResponseAfterTranslator,
    ThinkingApplier,
    UsagePlugin,
    CommandLinePlugin,
    ManagementAPI,
):
    plugin_id = name = "example-simple-python"
    schema_version = 1
    input_formats = ("chat-completions",)
    output_formats = ("chat-completions",)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._usage_counter = itertools.count(1)
        self.usage_records = 0

    def on_invalid_request(self, method: str, error: WireDecodeError) -> GoModel | None:
        # The C variant's scanner finds no fields in text that is not JSON; do the same, and
        # answer the decode error where a request without fields is an error too.
        wire = wire_methods_by_name()[method]
        if wire.request is None:
            return None
        try:
            result: GoModel | None = getattr(self, wire.attr)(wire.request())
        except PluginError:
            return None
        return result

    # -- models ---------------------------------------------------------------------------------

    def register_models(self, request: ModelRegistrationRequest) -> ModelRegistrationResponse:
        return ModelRegistrationResponse(provider=PROVIDER, models=[MODEL])

    def static_models(self, request: StaticModelRequest) -> ModelResponse:
        return ModelResponse(provider=PROVIDER, models=[MODEL])

    def models_for_auth(self, request: AuthModelRequest) -> ModelResponse:
        return ModelResponse(provider=PROVIDER, models=[MODEL])

    # -- auth -----------------------------------------------------------------------------------

    def auth_identifier(self) -> str:
        return PROVIDER

    def parse_auth(self, request: AuthParseRequest) -> AuthParseResponse:
        return AuthParseResponse(handled=True, auth=_record(request))

    def start_login(self, request: AuthLoginStartRequest) -> AuthLoginStartResponse:
        return login_start(PROVIDER, "https://example.invalid/plugin-login")

    def poll_login(self, request: AuthLoginPollRequest) -> AuthLoginPollResponse:
        return AuthLoginPollResponse(status="error", message="example plugin has no interactive login")

    def refresh_auth(self, request: AuthRefreshRequest) -> AuthRefreshResponse:
        return AuthRefreshResponse(auth=_record(request))

    def frontend_auth_identifier(self) -> str:
        return PROVIDER

    def authenticate(self, request: FrontendAuthRequest) -> FrontendAuthResponse:
        return FrontendAuthResponse(authenticated=True, principal=PROVIDER, metadata={"provider": PROVIDER})

    # -- executor -------------------------------------------------------------------------------

    def executor_identifier(self) -> str:
        return PROVIDER

    def execute(self, request: ExecutorRequest) -> ExecutorResponse:
        completion = {
            "id": PROVIDER,
            "object": "chat.completion",
            "model": request.model or f"{PROVIDER}-model",
            "format": request.format or "chat-completions",
        }
        return ExecutorResponse(payload=marshal(completion), headers=JSON_HEADERS)

    def execute_stream(self, request: ExecutorRequest) -> ExecutorStream:
        return ExecutorStream(chunks=[f"{PROVIDER}\n".encode()], headers={"content-type": ["text/event-stream"]})

    def count_tokens(self, request: ExecutorRequest) -> ExecutorResponse:
        tokens = (len(request.payload or b"") + 3) // 4
        return ExecutorResponse(payload=marshal({"total_tokens": tokens}), headers=JSON_HEADERS)

    def http_request(self, request: ExecutorHTTPRequest) -> ExecutorHTTPResponse:
        return ExecutorHTTPResponse(status_code=200, headers=JSON_HEADERS, body=self._echo(request.method, request.url))

    # -- payload transforms ---------------------------------------------------------------------

    def translate_request(self, request: RequestTransformRequest) -> PayloadResponse:
        return _echo_body(request.body)

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse:
        return _echo_body(request.body)

    def translate_response(self, request: ResponseTransformRequest) -> PayloadResponse:
        return _echo_body(request.body)

    def normalize_response_before(self, request: ResponseTransformRequest) -> PayloadResponse:
        return _echo_body(request.body)

    def normalize_response_after(self, request: ResponseTransformRequest) -> PayloadResponse:
        return _echo_body(request.body)

    def thinking_identifier(self) -> str:
        return PROVIDER

    def apply_thinking(self, request: ThinkingApplyRequest) -> PayloadResponse:
        config = request.config
        thinking = marshal({"mode": config.mode, "budget": config.budget, "level": config.level}).decode()
        body = request.body or b"{}"
        if isinstance(_json_or_none(body), dict):
            edited = set_top_level_json(body, "plugin_example_thinking", thinking)
            if edited is not None:
                return PayloadResponse(body=edited)
        original = marshal(body.decode("utf-8", errors="replace")).decode()
        return PayloadResponse(body=f'{{"original_body":{original},"plugin_example_thinking":{thinking}}}'.encode())

    # -- usage, command line, management ----------------------------------------------------------

    def handle_usage(self, request: UsageRecord) -> None:
        self.usage_records = next(self._usage_counter)

    def register_flags(self, request: CommandLineRegistrationRequest) -> CommandLineRegistrationResponse:
        flag = CommandLineFlag(
            name=f"{PROVIDER}-command", usage="Run the example Python ABI plugin command", type="bool"
        )
        return CommandLineRegistrationResponse(flags=[flag])

    def execute_command(self, request: CommandLineExecutionRequest) -> CommandLineExecutionResponse:
        return CommandLineExecutionResponse(stdout=b"plugin example python command\n", exit_code=0)

    def register_management(self, request: ManagementRegistrationRequest) -> ManagementRegistrationResponse:
        return status_resource(self, request, "Example Python Plugin")

    def handle_management(self, request: ManagementRequest) -> ManagementResponse:
        return ManagementResponse(status_code=200, headers=JSON_HEADERS, body=self._echo(request.method, request.path))

    def _echo(self, method: str, target: str) -> bytes:
        default_target = f"/v0/resource/plugins/{self.loaded_id}/status"
        return marshal({"plugin": self.loaded_id, "method": method or "GET", "target": target or default_target})


def _record(request: GoModel) -> AuthData:
    stored = encode(request)
    return example_auth(PROVIDER, "Plugin Example Python", b"" if stored == b"{}" else stored)


def _echo_body(body: bytes | None) -> PayloadResponse:
    if body is None:
        raise PluginError("invalid_request", "request body field is required")
    return PayloadResponse(body=body)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


PLUGIN = SimpleExample
