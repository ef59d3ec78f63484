"""One base class per CPA capability: the single place that declares what a plugin can do.

Each class maps to one registration key (``scheduler``, ``executor``, ...) and each of its
``@wire`` methods to one ABI method (``scheduler.pick``). A plugin derives from any combination;
the registration's capability flags, the dispatch table and the reference pages are all derived
from these declarations, so there is no second list to keep in step.

Method conventions:

* the request is the one typed argument; the host client is ``self.host`` and the typed config
  ``self.config`` (see ``cpa_sdk.plugin.Plugin``);
* returning ``None`` answers ``{}``, Go's zero value: "not handled", "unchanged", "no models";
* ``*_identifier`` methods take no request and return the identifier string;
* raise ``PluginError`` for an expected failure with a code and, for executors, an HTTP status.

Methods marked ``required=True`` must be implemented; the others have the documented default.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, TypeVar, get_type_hints

from cpa_sdk.errors import PluginError
from cpa_sdk.streaming import ExecutorStream, StreamChunkView

if TYPE_CHECKING:
    from cpa_sdk.wire import (
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
        ModelRouteRequest,
        ModelRouteResponse,
        PayloadResponse,
        RequestCompletion,
        RequestInterceptRequest,
        RequestInterceptResponse,
        RequestTransformRequest,
        ResponseInterceptRequest,
        ResponseInterceptResponse,
        ResponseTransformRequest,
        SchedulerPickRequest,
        SchedulerPickResponse,
        StaticModelRequest,
        StreamChunkInterceptRequest,
        StreamChunkInterceptResponse,
        ThinkingApplyRequest,
        UsageRecord,
    )
from cpa_sdk.wire._go import GoModel

__all__ = [
    "CAPABILITIES",
    "AuthProvider",
    "Capability",
    "CommandLinePlugin",
    "Executor",
    "FrontendAuthProvider",
    "ManagementAPI",
    "ModelProvider",
    "ModelRegistrar",
    "ModelRouter",
    "RequestInterceptor",
    "RequestLifecyclePlugin",
    "RequestNormalizer",
    "RequestTranslator",
    "ResponseAfterTranslator",
    "ResponseBeforeTranslator",
    "ResponseInterceptor",
    "ResponseStreamInterceptor",
    "ResponseTranslator",
    "Scheduler",
    "ThinkingApplier",
    "UsagePlugin",
    "WireMethod",
    "wire",
]

_F = TypeVar("_F", bound=Callable[..., Any])

MethodKind = Literal["model", "identifier", "void", "stream"]


@dataclass(frozen=True, slots=True)
class WireMethod:
    """One ABI method as a capability declares it."""

    name: str  # CPA's method name, e.g. "scheduler.pick"
    attr: str  # the Python method implementing it
    capability: str  # the registration key that enables it
    kind: MethodKind
    request: type[GoModel] | None  # None for identifier methods (the host sends {})
    response: type[GoModel] | None  # None for identifier, void and stream methods
    required: bool
    doc: str

    def signature(self) -> str:
        """The signature a plugin must implement, for error messages and docs."""
        request = "" if self.request is None else f", request: {self.request.__name__}"
        returns = {
            "identifier": "str",
            "void": "None",
            "stream": "ExecutorStream",
        }.get(self.kind, f"{self.response.__name__ if self.response else 'None'} | None")
        return f"def {self.attr}(self{request}) -> {returns}"


def wire(name: str, *, required: bool = False) -> Callable[[_F], _F]:
    """Mark a capability method as the implementation point of ABI method ``name``."""

    def mark(func: _F) -> _F:
        func.__cpa_wire__ = (name, required)  # type: ignore[attr-defined]
        return func

    return mark


CAPABILITIES: Final[dict[str, type[Capability]]] = {}
"""Registration key -> capability class, in the order CPA's ``rpcCapabilities`` lists them."""


class Capability:
    """Base of every capability class. ``key`` is the registration flag it sets."""

    capability_key: ClassVar[str]
    min_schema: ClassVar[int] = 1
    capability_methods: ClassVar[tuple[WireMethod, ...]] = ()

    def __init_subclass__(cls, *, key: str | None = None, min_schema: int = 1, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if key is None:
            return
        cls.capability_key = key
        cls.min_schema = min_schema
        setattr(cls, "capability_methods", _ResolvedOnFirstUse(key))
        CAPABILITIES[key] = cls


class _ResolvedOnFirstUse:
    """A capability's methods, worked out from their annotations when first read.

    The annotations name wire models; resolving them only for the capabilities a plugin really
    uses keeps the other model modules unimported, and ``cliproxy_plugin_init`` short.
    """

    def __init__(self, key: str) -> None:
        self._key = key
        self._methods: tuple[WireMethod, ...] | None = None

    def __get__(self, instance: object, owner: type) -> tuple[WireMethod, ...]:
        if self._methods is None:  # a race only computes the same tuple twice
            self._methods = tuple(_collect(CAPABILITIES[self._key], self._key))
        return self._methods


class _WireNames(dict[str, Any]):
    """Annotation namespace that imports a wire model the first time a name is looked up."""

    def __missing__(self, name: str) -> Any:
        from cpa_sdk import wire

        try:
            return getattr(wire, name)
        except AttributeError:
            raise KeyError(name) from None  # let eval fall back to the module's globals


def _collect(cls: type, key: str) -> Iterable[WireMethod]:
    for attr, func in vars(cls).items():
        mark = getattr(func, "__cpa_wire__", None)
        if mark is None:
            continue
        name, required = mark
        hints = get_type_hints(func, localns=_WireNames())
        returns = hints.get("return")
        params = [p for p in inspect.signature(func).parameters if p != "self"]
        request = hints.get(params[0]) if params else None
        kind: MethodKind
        if returns is str:
            kind, response = "identifier", None
        elif returns is ExecutorStream:
            kind, response = "stream", None
        elif returns is type(None):
            kind, response = "void", None
        else:
            kind, response = "model", _model_in(returns)
        yield WireMethod(
            name=name,
            attr=attr,
            capability=key,
            kind=kind,
            request=request,
            response=response,
            required=required,
            doc=inspect.getdoc(func) or "",
        )


def _model_in(annotation: Any) -> type[GoModel]:
    for member in getattr(annotation, "__args__", (annotation,)):
        if isinstance(member, type) and issubclass(member, GoModel):
            return member
    raise TypeError(f"no wire model in return annotation {annotation!r}")


def _unsupported(method: str) -> PluginError:
    return PluginError("unsupported", f"this plugin does not implement {method}", http_status=501)


# ------------------------------------------------------------------------------------------
# Models and providers


class ModelRegistrar(Capability, key="model_registrar"):
    """Registers a static model list (``model.register``), re-queried on every sync.

    Ignored when the plugin is also a ``ModelProvider``. With ``Executor``, the models become the
    executor's model set and ``Provider`` its provider key.
    """

    @wire("model.register", required=True)
    def register_models(self, request: ModelRegistrationRequest) -> ModelRegistrationResponse | None:
        """Return the provider key and its models; an empty answer registers nothing."""
        raise NotImplementedError


class ModelProvider(Capability, key="model_provider"):
    """Provides static models and per-auth models (``model.static``, ``model.for_auth``)."""

    @wire("model.static", required=True)
    def static_models(self, request: StaticModelRequest) -> ModelResponse | None:
        """Models that exist without any auth; takes precedence over ``model.register``."""
        raise NotImplementedError

    @wire("model.for_auth", required=True)
    def models_for_auth(self, request: AuthModelRequest) -> ModelResponse | None:
        """Models of one auth record. A different non-empty ``Provider`` means "not mine"."""
        raise NotImplementedError


class AuthProvider(Capability, key="auth_provider"):
    """Owns a provider's auth files: parsing, interactive login and refresh."""

    @wire("auth.identifier", required=True)
    def auth_identifier(self) -> str:
        """The provider key this plugin owns. Called very often: keep it constant and cheap."""
        raise NotImplementedError

    @wire("auth.parse", required=True)
    def parse_auth(self, request: AuthParseRequest) -> AuthParseResponse | None:
        """Parse one auth file; answer ``Handled: false`` (or ``None``) for files not yours."""
        raise NotImplementedError

    @wire("auth.login.start")
    def start_login(self, request: AuthLoginStartRequest) -> AuthLoginStartResponse | None:
        """Start an interactive login. Default: refuse, as API-key-only providers do."""
        raise _unsupported("auth.login.start")

    @wire("auth.login.poll")
    def poll_login(self, request: AuthLoginPollRequest) -> AuthLoginPollResponse | None:
        """Report a login's progress: ``pending``, ``success`` with the auth, or ``error``."""
        raise _unsupported("auth.login.poll")

    @wire("auth.refresh")
    def refresh_auth(self, request: AuthRefreshRequest) -> AuthRefreshResponse | None:
        """Refresh credentials. Default: keep the record as it is (blank fields are kept)."""
        return None


class FrontendAuthProvider(Capability, key="frontend_auth_provider"):
    """Authenticates inbound client requests.

    Set ``exclusive = True`` to become the only request authenticator (built-in API keys and
    other providers are then disabled; the highest-priority exclusive plugin wins).
    """

    exclusive: ClassVar[bool] = False

    @wire("frontend_auth.identifier", required=True)
    def frontend_auth_identifier(self) -> str:
        """The name of the access provider; it registers as ``plugin:<id>:<identifier>``."""
        raise NotImplementedError

    @wire("frontend_auth.authenticate", required=True)
    def authenticate(self, request: FrontendAuthRequest) -> FrontendAuthResponse | None:
        """``Authenticated: false`` or an error means "not handled", never "denied"."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------------
# Routing and scheduling


class Scheduler(Capability, key="scheduler"):
    """Picks the auth for a request. Only the highest-priority scheduler plugin is asked."""

    @wire("scheduler.pick", required=True)
    def pick_auth(self, request: SchedulerPickRequest) -> SchedulerPickResponse | None:
        """Answer ``AuthID`` of a candidate, or ``DelegateBuiltin``; raise ``PluginError`` to deny."""
        raise NotImplementedError


class ModelRouter(Capability, key="model_router"):
    """Routes a requested model to this plugin's executor, another plugin, or a provider."""

    @wire("model.route", required=True)
    def route_model(self, request: ModelRouteRequest) -> ModelRouteResponse | None:
        """``Handled`` with ``TargetKind`` self, executor or provider; else the next router decides."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------------
# Executors


class Executor(Capability, key="executor"):
    """Runs model requests itself, as a provider.

    ``input_formats`` and ``output_formats`` must be non-empty lists of canonical format names
    (``openai``, ``openai-response``, ``claude``, ``gemini``, ...): the host translates requests
    into one of the inputs and responses from one of the outputs. ``model_scope`` says which
    model lists apply: ``static`` (``model.register``/``model.static``), ``oauth``
    (``model.for_auth``) or ``both``.
    """

    input_formats: ClassVar[tuple[str, ...]] = ()
    output_formats: ClassVar[tuple[str, ...]] = ()
    model_scope: ClassVar[Literal["static", "oauth", "both"]] = "both"

    @wire("executor.identifier", required=True)
    def executor_identifier(self) -> str:
        """The provider key, unless ``model.register``/``model.static`` named one."""
        raise NotImplementedError

    @wire("executor.execute", required=True)
    def execute(self, request: ExecutorRequest) -> ExecutorResponse | None:
        """Produce ``request.format`` output from ``request.payload`` (in ``source_format``)."""
        raise NotImplementedError

    @wire("executor.execute_stream")
    def execute_stream(self, request: ExecutorRequest) -> ExecutorStream:
        """Stream the response. Return ``ExecutorStream(chunks=...)``: a list is sent inline in
        the response, a generator runs after the call returns and is emitted chunk by chunk.
        Default: one chunk holding the ``execute`` payload.
        """
        from cpa_sdk.wire import ExecutorResponse

        response = self.execute(request) or ExecutorResponse()
        chunks = [response.payload] if response.payload else []
        return ExecutorStream(headers=response.headers, chunks=chunks)

    @wire("executor.count_tokens")
    def count_tokens(self, request: ExecutorRequest) -> ExecutorResponse | None:
        """Count tokens of the request. Default: refuse with HTTP 501."""
        raise _unsupported("executor.count_tokens")

    @wire("executor.http_request")
    def http_request(self, request: ExecutorHTTPRequest) -> ExecutorHTTPResponse | None:
        """Send a raw HTTP request with this provider's credentials. Default: refuse with 501."""
        raise _unsupported("executor.http_request")


# ------------------------------------------------------------------------------------------
# Translation and normalisation of payloads


class RequestTranslator(Capability, key="request_translator"):
    """Translates requests between formats CPA has no native translator for."""

    @wire("request.translate", required=True)
    def translate_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
        """First non-empty ``Body`` wins; ``None`` means "not handled"."""
        raise NotImplementedError


class RequestNormalizer(Capability, key="request_normalizer"):
    """Rewrites request payloads; every normalizer runs, in priority order."""

    @wire("request.normalize", required=True)
    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
        """Return the new ``Body``; ``None`` or an empty body leaves the payload unchanged."""
        raise NotImplementedError


class ResponseTranslator(Capability, key="response_translator"):
    """Translates responses (and each stream frame) CPA has no native translator for."""

    @wire("response.translate", required=True)
    def translate_response(self, request: ResponseTransformRequest) -> PayloadResponse | None:
        """First non-empty ``Body`` wins; ``None`` means "not handled"."""
        raise NotImplementedError


class ResponseBeforeTranslator(Capability, key="response_before_translator"):
    """Rewrites upstream responses before translation (a chain, per stream frame too)."""

    @wire("response.normalize_before", required=True)
    def normalize_response_before(self, request: ResponseTransformRequest) -> PayloadResponse | None:
        """Return the new ``Body``; ``None`` leaves it unchanged."""
        raise NotImplementedError


class ResponseAfterTranslator(Capability, key="response_after_translator"):
    """Rewrites translated responses (a chain, per stream frame too)."""

    @wire("response.normalize_after", required=True)
    def normalize_response_after(self, request: ResponseTransformRequest) -> PayloadResponse | None:
        """Return the new ``Body``; ``None`` leaves it unchanged."""
        raise NotImplementedError


class ThinkingApplier(Capability, key="thinking_applier"):
    """Applies a reasoning/thinking configuration to a provider's payload."""

    @wire("thinking.identifier", required=True)
    def thinking_identifier(self) -> str:
        """The provider this applier handles; re-read after every sync."""
        raise NotImplementedError

    @wire("thinking.apply", required=True)
    def apply_thinking(self, request: ThinkingApplyRequest) -> PayloadResponse | None:
        """Return the new ``Body``; ``None`` leaves the payload unchanged."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------------
# Interception


class RequestInterceptor(Capability, key="request_interceptor"):
    """Sees, rewrites or terminates requests before and after auth selection.

    Override either method or both; the other passes requests through unchanged.

    CPA fails open here: when an interceptor raises (``PluginError`` included) CPA logs
    ``pluginhost: request interceptor <id> failed: <error>`` and sends the request on as if the
    plugin had not been asked. To stop a request, answer ``Terminate`` with a status:
    ``cpa_sdk.termination.reject(403, "blocked")`` or ``terminate(status, body, headers=...)``.
    A policy plugin that must never let a request through by accident sets ``fail_closed =
    True``: then a failure in either hook answers the client itself (see ``fail_closed``).
    Calls arrive concurrently from many requests; keep shared state behind a lock
    (``cpa_sdk.admission.AdmissionSet`` for counting requests in flight).

    A config CPA's ``plugin.register`` refuses (``ConfigError``, a ``PluginError`` from
    ``on_configure``) leaves the plugin unloaded, so its policy does not run at all; a refused
    reload keeps the previous config in force. Validate with ``cpa-sdk check -c config.yaml``.
    """

    fail_closed: ClassVar[bool] = False
    """Whether a failure in ``intercept_request_before``/``_after`` stops the request.

    ``False`` (CPA's behaviour): an exception is an error answer and CPA sends the request on.
    ``True``: the SDK answers ``Terminate`` instead: a ``PluginError`` becomes its
    ``http_status`` (503 when it has none below 600 and from 200) with its code and message as a JSON error body; any
    other exception, and a request that does not decode, becomes 503 ``plugin_error``, logged
    with its traceback.
    """

    @wire("request.intercept_before")
    def intercept_request_before(self, request: RequestInterceptRequest) -> RequestInterceptResponse | None:
        """Before auth selection. ``Terminate`` with a status answers the client directly."""
        return None

    @wire("request.intercept_after")
    def intercept_request_after(self, request: RequestInterceptRequest) -> RequestInterceptResponse | None:
        """After auth selection, once per attempt; ``ToFormat`` is the upstream format."""
        return None


class RequestLifecyclePlugin(Capability, key="request_lifecycle_plugin", min_schema=2):
    """Learns when each model execution ends (schema 2): exactly once per ``RequestID``.

    There is no "begin" event: pair it with ``RequestInterceptor`` to see requests start. CPA
    sends ``request.complete`` from a goroutine of its own after the response, whatever the
    outcome (``succeeded``, ``failed``, ``rejected``, ``canceled``), so completions race with
    new requests and may name requests this plugin never admitted.
    """

    @wire("request.complete", required=True)
    def complete_request(self, request: RequestCompletion) -> None:
        """Delivered asynchronously; must tolerate IDs never seen in ``request.intercept_*``."""
        raise NotImplementedError


class ResponseInterceptor(Capability, key="response_interceptor"):
    """Rewrites successful non-streaming responses (a chain in priority order)."""

    @wire("response.intercept_after", required=True)
    def intercept_response(self, request: ResponseInterceptRequest) -> ResponseInterceptResponse | None:
        """Return header changes and/or a new ``Body``; ``None`` changes nothing."""
        raise NotImplementedError


class ResponseStreamInterceptor(Capability, key="response_stream_interceptor"):
    """Sees every chunk of streaming responses.

    ``ChunkIndex`` -1 is the header-init call (change headers only); 0, 1, ... are the chunks.
    A repeated -1 for the same ``RequestID`` means the stream restarted: reset its state.

    Implement ``intercept_stream_chunk`` for a fully decoded request, or
    ``intercept_stream_chunk_raw`` for a lazy view that decodes only the fields you touch: the
    fast path for per-chunk work, since ``HistoryChunks`` can hold up to 1 MiB on every call.
    """

    @wire("response.intercept_stream_chunk")
    def intercept_stream_chunk(self, request: StreamChunkInterceptRequest) -> StreamChunkInterceptResponse | None:
        """Return a new ``Body``, ``DropChunk``, or header changes (on -1)."""
        raise NotImplementedError

    def intercept_stream_chunk_raw(self, chunk: StreamChunkView) -> StreamChunkInterceptResponse | None:
        """The lazy alternative to ``intercept_stream_chunk``; see the class docstring."""
        raise NotImplementedError


class UsagePlugin(Capability, key="usage_plugin"):
    """Receives one usage record per request, serially across all usage plugins.

    Return quickly: a slow handler delays usage delivery for every consumer. The result and any
    error are ignored by the host.
    """

    @wire("usage.handle", required=True)
    def handle_usage(self, request: UsageRecord) -> None:
        """Record one request's usage."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------------
# Command line and management


class CommandLinePlugin(Capability, key="command_line_plugin"):
    """Adds command-line flags to CPA; when one is given, CPA runs the plugin and exits."""

    @wire("command_line.register", required=True)
    def register_flags(self, request: CommandLineRegistrationRequest) -> CommandLineRegistrationResponse | None:
        """Flags without dashes; types bool, string, int, int64, float64 or duration."""
        raise NotImplementedError

    @wire("command_line.execute", required=True)
    def execute_command(self, request: CommandLineExecutionRequest) -> CommandLineExecutionResponse | None:
        """Run for the flags in ``TriggeredFlags``; the first non-zero ``ExitCode`` wins."""
        raise NotImplementedError


class ManagementAPI(Capability, key="management_api"):
    """Serves management routes (authenticated) and menu resources (unauthenticated, GET)."""

    @wire("management.register", required=True)
    def register_management(self, request: ManagementRegistrationRequest) -> ManagementRegistrationResponse | None:
        """Routes live under ``/v0/management``, resources under ``ResourceBasePath``."""
        raise NotImplementedError

    @wire("management.handle", required=True)
    def handle_management(self, request: ManagementRequest) -> ManagementResponse | None:
        """Serve one request; dispatch on the full ``Path``. ``StatusCode`` 0 means 200."""
        raise NotImplementedError


_ORDER = (
    "model_registrar model_provider auth_provider frontend_auth_provider scheduler model_router "
    "executor request_translator request_normalizer request_interceptor request_lifecycle_plugin "
    "response_translator response_before_translator response_after_translator response_interceptor "
    "response_stream_interceptor thinking_applier usage_plugin command_line_plugin management_api"
).split()


def capabilities_of(plugin_class: type) -> list[type[Capability]]:
    """The capability classes a plugin class derives from, in registration order."""
    return [CAPABILITIES[key] for key in _ORDER if issubclass(plugin_class, CAPABILITIES[key])]


def wire_methods_by_name() -> Mapping[str, WireMethod]:
    """Every plugin method of every capability, by CPA method name."""
    return {m.name: m for key in _ORDER for m in CAPABILITIES[key].capability_methods}
