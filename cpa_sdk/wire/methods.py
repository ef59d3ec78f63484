"""Every RPC method of CPA v7.2.140 (the 52 ``Method*`` constants of ``sdk/pluginabi``) and the
wire models of its request and result."""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from cpa_sdk.wire._go import GoModel
from cpa_sdk.wire.auth import (
    AuthLoginPollRequest,
    AuthLoginPollResponse,
    AuthLoginStartRequest,
    AuthLoginStartResponse,
    AuthParseRequest,
    AuthParseResponse,
    AuthRefreshRequest,
    AuthRefreshResponse,
)
from cpa_sdk.wire.command_line import (
    CommandLineExecutionRequest,
    CommandLineExecutionResponse,
    CommandLineRegistrationRequest,
    CommandLineRegistrationResponse,
)
from cpa_sdk.wire.executor import (
    ExecutorHTTPRequest,
    ExecutorHTTPResponse,
    ExecutorRequest,
    ExecutorResponse,
    ExecutorStreamResponse,
)
from cpa_sdk.wire.frontend_auth import FrontendAuthRequest, FrontendAuthResponse
from cpa_sdk.wire.host import (
    HostAuthGetRequest,
    HostAuthGetResponse,
    HostAuthGetRuntimeResponse,
    HostAuthListResponse,
    HostAuthSaveRequest,
    HostAuthSaveResponse,
    HostHTTPRequest,
    HostHTTPStreamReadResponse,
    HostHTTPStreamResponse,
    HostLogRequest,
    HostModelExecutionRequest,
    HostModelExecutionResponse,
    HostModelStreamReadResponse,
    HostModelStreamResponse,
    HostStreamCloseRequest,
    HostStreamEmitRequest,
    HTTPResponse,
    StreamIDRequest,
)
from cpa_sdk.wire.intercept import (
    RequestCompletion,
    RequestInterceptRequest,
    RequestInterceptResponse,
    ResponseInterceptRequest,
    ResponseInterceptResponse,
    StreamChunkInterceptRequest,
    StreamChunkInterceptResponse,
)
from cpa_sdk.wire.lifecycle import EmptyRequest, EmptyResponse, IdentifierResponse, LifecycleRequest, Registration
from cpa_sdk.wire.management import (
    ManagementRegistrationRequest,
    ManagementRegistrationResponse,
    ManagementRequest,
    ManagementResponse,
)
from cpa_sdk.wire.models import (
    AuthModelRequest,
    ModelRegistrationRequest,
    ModelRegistrationResponse,
    ModelResponse,
    StaticModelRequest,
)
from cpa_sdk.wire.scheduling import ModelRouteRequest, ModelRouteResponse, SchedulerPickRequest, SchedulerPickResponse
from cpa_sdk.wire.thinking import ThinkingApplyRequest
from cpa_sdk.wire.transform import PayloadResponse, RequestTransformRequest, ResponseTransformRequest
from cpa_sdk.wire.usage import UsageRecord

__all__ = ["METHODS", "MethodWire"]


@dataclass(frozen=True, slots=True)
class MethodWire:
    """The wire shape of one RPC method."""

    name: str
    """Method name, e.g. ``executor.execute``."""
    request: type[GoModel]
    """Model of the request JSON."""
    response: type[GoModel] | None
    """Model of ``result`` in an ok envelope (``EmptyResponse`` where the result is ``{}`` or
    ignored); None would mean the method has no result at all, which no v7.2.140 method has."""
    direction: Literal["plugin", "host"]
    """``"plugin"``: the host calls the plugin. ``"host"``: a ``host.*`` callback the plugin makes."""
    carries_callback_id: bool
    """Whether the request has ``host_callback_id``: for plugin methods, the host always fills it
    (§5.20); for host callbacks, the plugin may pass one back (§7.1)."""


def _table(*rows: MethodWire) -> Mapping[str, MethodWire]:
    table = {row.name: row for row in rows}
    if len(table) != len(rows):
        raise AssertionError("duplicate method name")
    return MappingProxyType(table)


def _plugin(name: str, request: type[GoModel], response: type[GoModel], *, cb: bool = False) -> MethodWire:
    return MethodWire(name, request, response, "plugin", cb)


def _host(name: str, request: type[GoModel], response: type[GoModel], *, cb: bool = False) -> MethodWire:
    return MethodWire(name, request, response, "host", cb)


METHODS: Mapping[str, MethodWire] = _table(
    # Lifecycle (§4). plugin.shutdown is defined but never sent by v7.2.140.
    _plugin("plugin.register", LifecycleRequest, Registration),
    _plugin("plugin.reconfigure", LifecycleRequest, Registration),
    _plugin("plugin.shutdown", EmptyRequest, EmptyResponse),
    # model_registrar, model_provider (§5.1, §5.2)
    _plugin("model.register", ModelRegistrationRequest, ModelRegistrationResponse),
    _plugin("model.static", StaticModelRequest, ModelResponse),
    _plugin("model.for_auth", AuthModelRequest, ModelResponse, cb=True),
    # auth_provider (§5.3)
    _plugin("auth.identifier", EmptyRequest, IdentifierResponse),
    _plugin("auth.parse", AuthParseRequest, AuthParseResponse),
    _plugin("auth.login.start", AuthLoginStartRequest, AuthLoginStartResponse, cb=True),
    _plugin("auth.login.poll", AuthLoginPollRequest, AuthLoginPollResponse, cb=True),
    _plugin("auth.refresh", AuthRefreshRequest, AuthRefreshResponse, cb=True),
    # frontend_auth_provider (§5.4)
    _plugin("frontend_auth.identifier", EmptyRequest, IdentifierResponse),
    _plugin("frontend_auth.authenticate", FrontendAuthRequest, FrontendAuthResponse),
    # scheduler, model_router (§5.5, §5.6)
    _plugin("scheduler.pick", SchedulerPickRequest, SchedulerPickResponse),
    _plugin("model.route", ModelRouteRequest, ModelRouteResponse, cb=True),
    # executor (§5.7, §6.1)
    _plugin("executor.identifier", EmptyRequest, IdentifierResponse),
    _plugin("executor.execute", ExecutorRequest, ExecutorResponse, cb=True),
    _plugin("executor.execute_stream", ExecutorRequest, ExecutorStreamResponse, cb=True),
    _plugin("executor.count_tokens", ExecutorRequest, ExecutorResponse, cb=True),
    _plugin("executor.http_request", ExecutorHTTPRequest, ExecutorHTTPResponse, cb=True),
    # translators, normalizers, interceptors, lifecycle events (§5.8-§5.13)
    _plugin("request.translate", RequestTransformRequest, PayloadResponse),
    _plugin("request.normalize", RequestTransformRequest, PayloadResponse),
    _plugin("request.intercept_before", RequestInterceptRequest, RequestInterceptResponse, cb=True),
    _plugin("request.intercept_after", RequestInterceptRequest, RequestInterceptResponse, cb=True),
    _plugin("request.complete", RequestCompletion, EmptyResponse, cb=True),
    _plugin("response.translate", ResponseTransformRequest, PayloadResponse),
    _plugin("response.normalize_before", ResponseTransformRequest, PayloadResponse),
    _plugin("response.normalize_after", ResponseTransformRequest, PayloadResponse),
    _plugin("response.intercept_after", ResponseInterceptRequest, ResponseInterceptResponse, cb=True),
    _plugin("response.intercept_stream_chunk", StreamChunkInterceptRequest, StreamChunkInterceptResponse, cb=True),
    # thinking_applier, usage_plugin (§5.14, §5.15)
    _plugin("thinking.identifier", EmptyRequest, IdentifierResponse),
    _plugin("thinking.apply", ThinkingApplyRequest, PayloadResponse, cb=True),
    _plugin("usage.handle", UsageRecord, EmptyResponse),
    # command_line_plugin, management_api (§5.16, §5.17)
    _plugin("command_line.register", CommandLineRegistrationRequest, CommandLineRegistrationResponse),
    _plugin("command_line.execute", CommandLineExecutionRequest, CommandLineExecutionResponse),
    _plugin("management.register", ManagementRegistrationRequest, ManagementRegistrationResponse),
    _plugin("management.handle", ManagementRequest, ManagementResponse, cb=True),
    # Host callbacks (§6, §7)
    _host("host.http.do", HostHTTPRequest, HTTPResponse, cb=True),
    _host("host.http.do_stream", HostHTTPRequest, HostHTTPStreamResponse, cb=True),
    _host("host.http.stream_read", StreamIDRequest, HostHTTPStreamReadResponse),
    _host("host.http.stream_close", StreamIDRequest, EmptyResponse),
    _host("host.model.execute", HostModelExecutionRequest, HostModelExecutionResponse, cb=True),
    _host("host.model.execute_stream", HostModelExecutionRequest, HostModelStreamResponse, cb=True),
    _host("host.model.stream_read", StreamIDRequest, HostModelStreamReadResponse),
    _host("host.model.stream_close", StreamIDRequest, EmptyResponse),
    _host("host.stream.emit", HostStreamEmitRequest, EmptyResponse),
    _host("host.stream.close", HostStreamCloseRequest, EmptyResponse),
    _host("host.log", HostLogRequest, EmptyResponse, cb=True),
    _host("host.auth.list", EmptyRequest, HostAuthListResponse),
    _host("host.auth.get", HostAuthGetRequest, HostAuthGetResponse),
    _host("host.auth.get_runtime", HostAuthGetRequest, HostAuthGetRuntimeResponse),
    _host("host.auth.save", HostAuthSaveRequest, HostAuthSaveResponse),
)
"""All 52 methods by name: 37 the host sends to plugins, 15 ``host.*`` callbacks."""
