"""The one table of CPA's RPC methods (v7.2.140: the 52 ``Method*`` constants of ``sdk/pluginabi``).

Each row says everything the SDK needs about a method: its name, who calls it, the capability
flag that enables it, the Python method that answers it, whether a plugin must implement it, and
the wire models of its request and result. Everything else is derived from ``METHODS``: the
capability flags of the registration (``cpa_sdk.wire.lifecycle``), the base-class methods and
their signature checks (``cpa_sdk.capabilities``, ``cpa_sdk.plugin``), the dispatch routes
(``cpa_sdk.dispatch``), typed answers in the test harness, ``cpa-sdk check`` and ``schema``, and
the reference pages. Adding a CPA method is adding a row.

Rows name their models rather than import them: importing the table loads no model module, so a
plugin still pays at start-up only for the models of the methods it answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from cpa_sdk.wire._go import GoModel

__all__ = ["METHODS", "CpaMethod", "MethodKind", "MethodTable"]

MethodKind = Literal["model", "identifier", "void", "stream"]
"""How a plugin answers: a wire model (or ``None``), an identifier string, nothing the host
reads, or an ``ExecutorStream``."""

_KIND_OF_RESPONSE: Final[dict[str, MethodKind]] = {
    "IdentifierResponse": "identifier",
    "EmptyResponse": "void",
    "ExecutorStreamResponse": "stream",
}
_RETURNS: Final[dict[MethodKind, str]] = {"identifier": "str", "void": "None", "stream": "ExecutorStream"}


@dataclass(frozen=True, slots=True)
class CpaMethod:
    """One RPC method of CPA."""

    name: str
    """CPA's method name, e.g. ``scheduler.pick``."""
    direction: Literal["plugin", "host"]
    """``"plugin"``: the host calls the plugin. ``"host"``: a ``host.*`` callback the plugin makes."""
    capability: str
    """The registration flag that enables it; ``""`` for the ``plugin.*`` lifecycle and callbacks."""
    attr: str
    """The method of the capability class that answers it; ``""`` where there is none."""
    request_name: str
    """The ``cpa_sdk.wire`` model of the request JSON."""
    response_name: str
    """The ``cpa_sdk.wire`` model of ``result`` in an ok envelope (``EmptyResponse`` where the
    result is ``{}`` or ignored)."""
    required: bool = False
    """Whether a plugin of the capability must implement it; the others have a default."""
    carries_callback_id: bool = False
    """Whether the request has ``host_callback_id``: for plugin methods the host always fills it
    (``rpc_schema.go``); for host callbacks the plugin may pass one back (``callback_contexts.go``)."""
    min_schema: int = 1
    """The lowest RPC schema that has the method."""

    @property
    def kind(self) -> MethodKind:
        """How the plugin answers, which follows from the result model."""
        return _KIND_OF_RESPONSE.get(self.response_name, "model")

    @property
    def request(self) -> type[GoModel]:
        """The request model, imported on first use."""
        return _model(self.request_name)

    @property
    def response(self) -> type[GoModel]:
        """The result model, imported on first use."""
        return _model(self.response_name)

    def signature(self) -> str:
        """The signature a plugin implements, for error messages and docs."""
        request = "" if self.kind == "identifier" else f", request: {self.request_name}"
        returns = _RETURNS.get(self.kind, f"{self.response_name} | None")
        return f"def {self.attr}(self{request}) -> {returns}"


def _model(name: str) -> type[GoModel]:
    from cpa_sdk import wire

    model: type[GoModel] = getattr(wire, name)
    return model


class MethodTable(Mapping[str, CpaMethod]):
    """Rows by method name, in order. The order of capabilities is that of their first method,
    which is the order of CPA's ``rpcCapabilities``.

    Compared and hashed by identity: a table is a declaration, and derived things (the flags
    model) are cached per table.
    """

    __slots__ = ("_keys", "_rows")

    def __init__(self, *rows: CpaMethod) -> None:
        self._rows = {row.name: row for row in rows}
        if len(self._rows) != len(rows):
            raise ValueError("duplicate method name")
        self._keys = tuple(dict.fromkeys(row.capability for row in rows if row.capability))

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other

    def __getitem__(self, name: str) -> CpaMethod:
        return self._rows[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def capability_keys(self) -> tuple[str, ...]:
        """Every registration flag that enables methods, in CPA's order."""
        return self._keys

    def of_capability(self, key: str) -> tuple[CpaMethod, ...]:
        """The methods flag ``key`` enables, in order."""
        return tuple(row for row in self._rows.values() if row.capability == key)


def _lifecycle(name: str, request: str, response: str) -> CpaMethod:
    return CpaMethod(name, "plugin", "", "", request, response)


def _plugin(
    name: str,
    capability: str,
    attr: str,
    request: str,
    response: str,
    *,
    required: bool = True,
    cb: bool = False,
    min_schema: int = 1,
) -> CpaMethod:
    return CpaMethod(name, "plugin", capability, attr, request, response, required, cb, min_schema)


def _host(name: str, request: str, response: str, *, cb: bool = False) -> CpaMethod:
    return CpaMethod(name, "host", "", "", request, response, carries_callback_id=cb)


_ID = ("EmptyRequest", "IdentifierResponse")
_TRANSFORM_REQUEST = ("RequestTransformRequest", "PayloadResponse")
_TRANSFORM_RESPONSE = ("ResponseTransformRequest", "PayloadResponse")

# One row per line, so the table reads as a table (the formatter would wrap rows into look-alike blocks).
# fmt: off
METHODS: Final = MethodTable(
    # Lifecycle (rpc_schema.go, host.go). plugin.shutdown is defined but never sent by v7.2.140.
    _lifecycle("plugin.register", "LifecycleRequest", "Registration"),
    _lifecycle("plugin.reconfigure", "LifecycleRequest", "Registration"),
    _lifecycle("plugin.shutdown", "EmptyRequest", "EmptyResponse"),
    # model_registrar, model_provider (adapters.go)
    _plugin("model.register", "model_registrar", "register_models", "ModelRegistrationRequest", "ModelRegistrationResponse"),
    _plugin("model.static", "model_provider", "static_models", "StaticModelRequest", "ModelResponse"),
    _plugin("model.for_auth", "model_provider", "models_for_auth", "AuthModelRequest", "ModelResponse", cb=True),
    # auth_provider (auth_provider.go)
    _plugin("auth.identifier", "auth_provider", "auth_identifier", *_ID),
    _plugin("auth.parse", "auth_provider", "parse_auth", "AuthParseRequest", "AuthParseResponse"),
    _plugin("auth.login.start", "auth_provider", "start_login", "AuthLoginStartRequest", "AuthLoginStartResponse", required=False, cb=True),
    _plugin("auth.login.poll", "auth_provider", "poll_login", "AuthLoginPollRequest", "AuthLoginPollResponse", required=False, cb=True),
    _plugin("auth.refresh", "auth_provider", "refresh_auth", "AuthRefreshRequest", "AuthRefreshResponse", required=False, cb=True),
    # frontend_auth_provider (adapters_auth.go)
    _plugin("frontend_auth.identifier", "frontend_auth_provider", "frontend_auth_identifier", *_ID),
    _plugin("frontend_auth.authenticate", "frontend_auth_provider", "authenticate", "FrontendAuthRequest", "FrontendAuthResponse"),
    # scheduler, model_router (scheduler.go, model_router.go)
    _plugin("scheduler.pick", "scheduler", "pick_auth", "SchedulerPickRequest", "SchedulerPickResponse"),
    _plugin("model.route", "model_router", "route_model", "ModelRouteRequest", "ModelRouteResponse", cb=True),
    # executor (adapters_executors.go, rpc_client_stream.go)
    _plugin("executor.identifier", "executor", "executor_identifier", *_ID),
    _plugin("executor.execute", "executor", "execute", "ExecutorRequest", "ExecutorResponse", cb=True),
    _plugin("executor.execute_stream", "executor", "execute_stream", "ExecutorRequest", "ExecutorStreamResponse", required=False, cb=True),
    _plugin("executor.count_tokens", "executor", "count_tokens", "ExecutorRequest", "ExecutorResponse", required=False, cb=True),
    _plugin("executor.http_request", "executor", "http_request", "ExecutorHTTPRequest", "ExecutorHTTPResponse", required=False, cb=True),
    # translators, normalizers, interceptors, lifecycle events (adapters_usage_translation.go, adapters_interceptors.go)
    _plugin("request.translate", "request_translator", "translate_request", *_TRANSFORM_REQUEST),
    _plugin("request.normalize", "request_normalizer", "normalize_request", *_TRANSFORM_REQUEST),
    _plugin("request.intercept_before", "request_interceptor", "intercept_request_before", "RequestInterceptRequest", "RequestInterceptResponse", required=False, cb=True),
    _plugin("request.intercept_after", "request_interceptor", "intercept_request_after", "RequestInterceptRequest", "RequestInterceptResponse", required=False, cb=True),
    _plugin("request.complete", "request_lifecycle_plugin", "complete_request", "RequestCompletion", "EmptyResponse", cb=True, min_schema=2),
    _plugin("response.translate", "response_translator", "translate_response", *_TRANSFORM_RESPONSE),
    _plugin("response.normalize_before", "response_before_translator", "normalize_response_before", *_TRANSFORM_RESPONSE),
    _plugin("response.normalize_after", "response_after_translator", "normalize_response_after", *_TRANSFORM_RESPONSE),
    _plugin("response.intercept_after", "response_interceptor", "intercept_response", "ResponseInterceptRequest", "ResponseInterceptResponse", cb=True),
    _plugin("response.intercept_stream_chunk", "response_stream_interceptor", "intercept_stream_chunk", "StreamChunkInterceptRequest", "StreamChunkInterceptResponse", cb=True),
    # thinking_applier, usage_plugin (adapters_usage_translation.go)
    _plugin("thinking.identifier", "thinking_applier", "thinking_identifier", *_ID),
    _plugin("thinking.apply", "thinking_applier", "apply_thinking", "ThinkingApplyRequest", "PayloadResponse", cb=True),
    _plugin("usage.handle", "usage_plugin", "handle_usage", "UsageRecord", "EmptyResponse"),
    # command_line_plugin, management_api (command_line.go, management.go)
    _plugin("command_line.register", "command_line_plugin", "register_flags", "CommandLineRegistrationRequest", "CommandLineRegistrationResponse"),
    _plugin("command_line.execute", "command_line_plugin", "execute_command", "CommandLineExecutionRequest", "CommandLineExecutionResponse"),
    _plugin("management.register", "management_api", "register_management", "ManagementRegistrationRequest", "ManagementRegistrationResponse"),
    _plugin("management.handle", "management_api", "handle_management", "ManagementRequest", "ManagementResponse", cb=True),
    # Host callbacks (host_callbacks.go, auth_callbacks.go)
    _host("host.http.do", "HostHTTPRequest", "HTTPResponse", cb=True),
    _host("host.http.do_stream", "HostHTTPRequest", "HostHTTPStreamResponse", cb=True),
    _host("host.http.stream_read", "StreamIDRequest", "HostHTTPStreamReadResponse"),
    _host("host.http.stream_close", "StreamIDRequest", "EmptyResponse"),
    _host("host.model.execute", "HostModelExecutionRequest", "HostModelExecutionResponse", cb=True),
    _host("host.model.execute_stream", "HostModelExecutionRequest", "HostModelStreamResponse", cb=True),
    _host("host.model.stream_read", "StreamIDRequest", "HostModelStreamReadResponse"),
    _host("host.model.stream_close", "StreamIDRequest", "EmptyResponse"),
    _host("host.stream.emit", "HostStreamEmitRequest", "EmptyResponse"),
    _host("host.stream.close", "HostStreamCloseRequest", "EmptyResponse"),
    _host("host.log", "HostLogRequest", "EmptyResponse", cb=True),
    _host("host.auth.list", "EmptyRequest", "HostAuthListResponse"),
    _host("host.auth.get", "HostAuthGetRequest", "HostAuthGetResponse"),
    _host("host.auth.get_runtime", "HostAuthGetRequest", "HostAuthGetRuntimeResponse"),
    _host("host.auth.save", "HostAuthSaveRequest", "HostAuthSaveResponse"),
)
"""All 52 methods by name: 37 the host sends to plugins, 15 ``host.*`` callbacks."""
# fmt: on
