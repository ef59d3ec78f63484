"""A plugin that implements every capability of schema 3, recording what it receives.

Each handler returns a response built from its request, so a test can check both directions:
the Go-shaped request decoded into the right fields, and the response encoded with Go's keys.
"""

from __future__ import annotations

from typing import Any

from cpa_sdk import (
    AuthProvider,
    CommandLinePlugin,
    Executor,
    ExecutorStream,
    FrontendAuthProvider,
    ManagementAPI,
    ModelProvider,
    ModelRegistrar,
    ModelRouter,
    Plugin,
    RequestInterceptor,
    RequestLifecyclePlugin,
    RequestNormalizer,
    RequestTranslator,
    ResponseAfterTranslator,
    ResponseBeforeTranslator,
    ResponseInterceptor,
    ResponseStreamInterceptor,
    ResponseTranslator,
    Scheduler,
    ThinkingApplier,
    UsagePlugin,
    wire as w,
)
from tests.sdk.plugins import META


class Everything(
    Plugin,
    ModelRegistrar,
    ModelProvider,
    AuthProvider,
    FrontendAuthProvider,
    Scheduler,
    ModelRouter,
    Executor,
    RequestTranslator,
    RequestNormalizer,
    RequestInterceptor,
    RequestLifecyclePlugin,
    ResponseTranslator,
    ResponseBeforeTranslator,
    ResponseAfterTranslator,
    ResponseInterceptor,
    ResponseStreamInterceptor,
    ThinkingApplier,
    UsagePlugin,
    CommandLinePlugin,
    ManagementAPI,
):
    plugin_id = "everything"
    name = "Everything"
    version = META["version"]
    author = META["author"]
    github_repository = META["github_repository"]
    input_formats = ("openai",)
    output_formats = ("openai", "claude")
    model_scope = "static"
    exclusive = True

    def __init__(self, host: Any) -> None:
        super().__init__(host)
        self.received: dict[str, Any] = {}

    def _got(self, method: str, request: Any) -> None:
        self.received[method] = request

    def register_models(self, request: w.ModelRegistrationRequest) -> w.ModelRegistrationResponse:
        self._got("model.register", request)
        return w.ModelRegistrationResponse(provider="p", models=[w.ModelInfo(id="m1", context_length=8192)])

    def static_models(self, request: w.StaticModelRequest) -> w.ModelResponse:
        self._got("model.static", request)
        return w.ModelResponse(provider="p", models=[w.ModelInfo(id="m2")])

    def models_for_auth(self, request: w.AuthModelRequest) -> w.ModelResponse:
        self._got("model.for_auth", request)
        return w.ModelResponse(provider=request.auth_provider, models=[w.ModelInfo(id=request.auth_id)])

    def auth_identifier(self) -> str:
        return "auth-id"

    def parse_auth(self, request: w.AuthParseRequest) -> w.AuthParseResponse:
        self._got("auth.parse", request)
        auth = w.AuthData(provider=request.provider, id=request.file_name, storage_json=request.raw_json)
        return w.AuthParseResponse(handled=True, auth=auth)

    def start_login(self, request: w.AuthLoginStartRequest) -> w.AuthLoginStartResponse:
        self._got("auth.login.start", request)
        return w.AuthLoginStartResponse(provider=request.provider, url=request.base_url + "/go", state="st-1")

    def poll_login(self, request: w.AuthLoginPollRequest) -> w.AuthLoginPollResponse:
        self._got("auth.login.poll", request)
        return w.AuthLoginPollResponse(status="success", auths=[w.AuthData(provider="p", id=request.state)])

    def refresh_auth(self, request: w.AuthRefreshRequest) -> w.AuthRefreshResponse:
        self._got("auth.refresh", request)
        return w.AuthRefreshResponse(auth=w.AuthData(id=request.auth_id, storage_json=request.storage_json))

    def frontend_auth_identifier(self) -> str:
        return "front"

    def authenticate(self, request: w.FrontendAuthRequest) -> w.FrontendAuthResponse:
        self._got("frontend_auth.authenticate", request)
        return w.FrontendAuthResponse(authenticated=True, principal=request.path, metadata={"m": request.method})

    def pick_auth(self, request: w.SchedulerPickRequest) -> w.SchedulerPickResponse:
        self._got("scheduler.pick", request)
        return w.SchedulerPickResponse(auth_id=(request.candidates or [])[-1].id, handled=True)

    def route_model(self, request: w.ModelRouteRequest) -> w.ModelRouteResponse:
        self._got("model.route", request)
        return w.ModelRouteResponse(handled=True, target_kind="self", reason=request.requested_model)

    def executor_identifier(self) -> str:
        return "exec"

    def execute(self, request: w.ExecutorRequest) -> w.ExecutorResponse:
        self._got("executor.execute", request)
        return w.ExecutorResponse(payload=request.payload, headers=request.headers, metadata={"n": 1})

    def execute_stream(self, request: w.ExecutorRequest) -> ExecutorStream:
        self._got("executor.execute_stream", request)
        return ExecutorStream(chunks=[request.payload or b"", b"tail"], headers={"X": ["1"]})

    def count_tokens(self, request: w.ExecutorRequest) -> w.ExecutorResponse:
        self._got("executor.count_tokens", request)
        return w.ExecutorResponse(payload=b'{"total_tokens":3}')

    def http_request(self, request: w.ExecutorHTTPRequest) -> w.ExecutorHTTPResponse:
        self._got("executor.http_request", request)
        return w.ExecutorHTTPResponse(status_code=201, body=request.body)

    def translate_request(self, request: w.RequestTransformRequest) -> w.PayloadResponse:
        self._got("request.translate", request)
        return w.PayloadResponse(body=request.body)

    def normalize_request(self, request: w.RequestTransformRequest) -> w.PayloadResponse:
        self._got("request.normalize", request)
        return w.PayloadResponse(body=request.body)

    def intercept_request_before(self, request: w.RequestInterceptRequest) -> w.RequestInterceptResponse:
        self._got("request.intercept_before", request)
        return w.RequestInterceptResponse(terminate=True, status_code=429, response_body=b"slow down")

    def intercept_request_after(self, request: w.RequestInterceptRequest) -> w.RequestInterceptResponse:
        self._got("request.intercept_after", request)
        return w.RequestInterceptResponse(clear_headers=["X-Drop"], headers={"X-Add": ["1"]})

    def complete_request(self, request: w.RequestCompletion) -> None:
        self._got("request.complete", request)

    def translate_response(self, request: w.ResponseTransformRequest) -> w.PayloadResponse:
        self._got("response.translate", request)
        return w.PayloadResponse(body=request.translated_request)

    def normalize_response_before(self, request: w.ResponseTransformRequest) -> w.PayloadResponse:
        self._got("response.normalize_before", request)
        return w.PayloadResponse(body=request.original_request)

    def normalize_response_after(self, request: w.ResponseTransformRequest) -> w.PayloadResponse:
        self._got("response.normalize_after", request)
        return w.PayloadResponse(body=request.body)

    def intercept_response(self, request: w.ResponseInterceptRequest) -> w.ResponseInterceptResponse:
        self._got("response.intercept_after", request)
        return w.ResponseInterceptResponse(body=request.body, headers={"X-Seen": [str(request.status_code)]})

    def intercept_stream_chunk(self, request: w.StreamChunkInterceptRequest) -> w.StreamChunkInterceptResponse:
        self._got("response.intercept_stream_chunk", request)
        return w.StreamChunkInterceptResponse(drop_chunk=request.chunk_index == 2, body=request.body)

    def thinking_identifier(self) -> str:
        return "think"

    def apply_thinking(self, request: w.ThinkingApplyRequest) -> w.PayloadResponse:
        self._got("thinking.apply", request)
        return w.PayloadResponse(body=request.config.level.encode())

    def handle_usage(self, request: w.UsageRecord) -> None:
        self._got("usage.handle", request)

    def register_flags(self, request: w.CommandLineRegistrationRequest) -> w.CommandLineRegistrationResponse:
        self._got("command_line.register", request)
        return w.CommandLineRegistrationResponse(flags=[w.CommandLineFlag(name="go", usage="run", type="bool")])

    def execute_command(self, request: w.CommandLineExecutionRequest) -> w.CommandLineExecutionResponse:
        self._got("command_line.execute", request)
        return w.CommandLineExecutionResponse(stdout=" ".join(request.args or []).encode(), exit_code=3)

    def register_management(self, request: w.ManagementRegistrationRequest) -> w.ManagementRegistrationResponse:
        self._got("management.register", request)
        return w.ManagementRegistrationResponse(
            routes=[w.ManagementRoute(method="POST", path="/x")],
            resources=[w.ResourceRoute(path="/status", menu="Status")],
        )

    def handle_management(self, request: w.ManagementRequest) -> w.ManagementResponse:
        self._got("management.handle", request)
        return w.ManagementResponse(status_code=200, body=request.path.encode())
