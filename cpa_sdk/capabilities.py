"""One base class per CPA capability: the typed surface a plugin implements.

Which methods each capability has, their CPA names, whether they are required and their wire
models come from the one table, ``cpa_sdk.methods.METHODS``: a capability class names its
registration key, and its methods are the table's rows for that key. A method the class body
writes gives the typed signature, the docstring and the default; a row without one gets a
generated method (raising ``NotImplementedError`` when required, answering ``None`` otherwise),
so adding a CPA method to the table is enough for plugins to implement and the SDK to route it.

Method conventions:

* the request is the one typed argument; the host client is ``self.host`` and the typed config
  ``self.config`` (see ``cpa_sdk.plugin.Plugin``);
* returning ``None`` answers ``{}``, Go's zero value: "not handled", "unchanged", "no models";
* ``*_identifier`` methods take no request and return the identifier string;
* raise ``PluginError`` for an expected failure with a code and, for executors, an HTTP status.

Methods the table marks required must be implemented; the others have the documented default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Final

from cpa_sdk.errors import PluginError
from cpa_sdk.methods import METHODS, CpaMethod, MethodTable
from cpa_sdk.streaming import ExecutorStream
from cpa_sdk.wire.lifecycle import ExecutorModelScope  # at run time too: the reference pages read the hints

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
    "capabilities_of",
]


class Capability:
    """Base of every capability class: ``key`` is the registration flag it sets, and the rows of
    ``table`` (CPA's methods unless given) for that flag are its methods."""

    capability_key: ClassVar[str]
    method_table: ClassVar[MethodTable] = METHODS
    min_schema: ClassVar[int] = 1
    capability_methods: ClassVar[tuple[CpaMethod, ...]] = ()

    def __init_subclass__(cls, *, key: str | None = None, table: MethodTable = METHODS, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if key is None:
            return
        rows = table.of_capability(key)
        if not rows:
            raise TypeError(f"{cls.__qualname__}: no method of the table is enabled by capability {key!r}")
        cls.capability_key = key
        cls.method_table = table
        cls.capability_methods = rows
        cls.min_schema = max(row.min_schema for row in rows)
        for row in rows:
            if row.attr not in vars(cls):
                setattr(cls, row.attr, _generated_method(cls, row))


def _generated_method(owner: type, row: CpaMethod) -> Callable[..., Any]:
    """The base-class method of a row the class body does not write."""

    def answer(self: object, *request: object) -> Any:
        if row.required:
            raise NotImplementedError(row.name)
        return None

    answer.__name__ = row.attr
    answer.__qualname__ = f"{owner.__qualname__}.{row.attr}"
    answer.__doc__ = f"Answers CPA's ``{row.name}``: ``{row.signature()}``."
    return answer


def _unsupported(method: str) -> PluginError:
    return PluginError("unsupported", f"this plugin does not implement {method}", http_status=501)


# ------------------------------------------------------------------------------------------
# Models and providers


class ModelRegistrar(Capability, key="model_registrar"):
    """Registers a static model list (``model.register``), re-queried on every sync.

    Ignored when the plugin is also a ``ModelProvider``. With ``Executor``, the models become the
    executor's model set and ``Provider`` its provider key.
    """

    def register_models(self, request: ModelRegistrationRequest) -> ModelRegistrationResponse | None:
        """Return the provider key and its models; an empty answer registers nothing."""
        raise NotImplementedError


class ModelProvider(Capability, key="model_provider"):
    """Provides static models and per-auth models (``model.static``, ``model.for_auth``)."""

    def static_models(self, request: StaticModelRequest) -> ModelResponse | None:
        """Models that exist without any auth; takes precedence over ``model.register``."""
        raise NotImplementedError

    def models_for_auth(self, request: AuthModelRequest) -> ModelResponse | None:
        """Models of one auth record. A different non-empty ``Provider`` means "not mine"."""
        raise NotImplementedError


class AuthProvider(Capability, key="auth_provider"):
    """Owns a provider's auth files: parsing, interactive login and refresh."""

    def auth_identifier(self) -> str:
        """The provider key this plugin owns. Called very often: keep it constant and cheap."""
        raise NotImplementedError

    def parse_auth(self, request: AuthParseRequest) -> AuthParseResponse | None:
        """Parse one auth file; answer ``Handled: false`` (or ``None``) for files not yours."""
        raise NotImplementedError

    def start_login(self, request: AuthLoginStartRequest) -> AuthLoginStartResponse | None:
        """Start an interactive login. Default: refuse, as API-key-only providers do."""
        raise _unsupported("auth.login.start")

    def poll_login(self, request: AuthLoginPollRequest) -> AuthLoginPollResponse | None:
        """Report a login's progress: ``pending``, ``success`` with the auth, or ``error``."""
        raise _unsupported("auth.login.poll")

    def refresh_auth(self, request: AuthRefreshRequest) -> AuthRefreshResponse | None:
        """Refresh credentials. Default: keep the record as it is (blank fields are kept)."""
        return None


class FrontendAuthProvider(Capability, key="frontend_auth_provider"):
    """Authenticates inbound client requests.

    Set ``exclusive = True`` to become the only request authenticator (built-in API keys and
    other providers are then disabled; the highest-priority exclusive plugin wins).
    """

    exclusive: ClassVar[bool] = False

    def frontend_auth_identifier(self) -> str:
        """The name of the access provider; it registers as ``plugin:<id>:<identifier>``."""
        raise NotImplementedError

    def authenticate(self, request: FrontendAuthRequest) -> FrontendAuthResponse | None:
        """``Authenticated: false`` or an error means "not handled", never "denied"."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------------
# Routing and scheduling


class Scheduler(Capability, key="scheduler"):
    """Picks the auth for a request. Only the highest-priority scheduler plugin is asked."""

    def pick_auth(self, request: SchedulerPickRequest) -> SchedulerPickResponse | None:
        """Answer ``AuthID`` of a candidate, or ``DelegateBuiltin``; raise ``PluginError`` to deny."""
        raise NotImplementedError


class ModelRouter(Capability, key="model_router"):
    """Routes a requested model to this plugin's executor, another plugin, or a provider."""

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
    model_scope: ClassVar[ExecutorModelScope] = "both"

    def executor_identifier(self) -> str:
        """The provider key, unless ``model.register``/``model.static`` named one."""
        raise NotImplementedError

    def execute(self, request: ExecutorRequest) -> ExecutorResponse | None:
        """Produce ``request.format`` output from ``request.payload`` (in ``source_format``)."""
        raise NotImplementedError

    def execute_stream(self, request: ExecutorRequest) -> ExecutorStream:
        """Stream the response. Return ``ExecutorStream(chunks=...)``: a list is sent inline in
        the response, a generator runs after the call returns and is emitted chunk by chunk.
        Default: one chunk holding the ``execute`` payload.
        """
        from cpa_sdk.wire import ExecutorResponse

        response = self.execute(request) or ExecutorResponse()
        chunks = [response.payload] if response.payload else []
        return ExecutorStream(headers=response.headers, chunks=chunks)

    def count_tokens(self, request: ExecutorRequest) -> ExecutorResponse | None:
        """Count tokens of the request. Default: refuse with HTTP 501."""
        raise _unsupported("executor.count_tokens")

    def http_request(self, request: ExecutorHTTPRequest) -> ExecutorHTTPResponse | None:
        """Send a raw HTTP request with this provider's credentials. Default: refuse with 501."""
        raise _unsupported("executor.http_request")


# ------------------------------------------------------------------------------------------
# Translation and normalisation of payloads


class RequestTranslator(Capability, key="request_translator"):
    """Translates requests between formats CPA has no native translator for."""

    def translate_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
        """First non-empty ``Body`` wins; ``None`` means "not handled"."""
        raise NotImplementedError


class RequestNormalizer(Capability, key="request_normalizer"):
    """Rewrites request payloads; every normalizer runs, in priority order."""

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
        """Return the new ``Body``; ``None`` or an empty body leaves the payload unchanged."""
        raise NotImplementedError


class ResponseTranslator(Capability, key="response_translator"):
    """Translates responses (and each stream frame) CPA has no native translator for."""

    def translate_response(self, request: ResponseTransformRequest) -> PayloadResponse | None:
        """First non-empty ``Body`` wins; ``None`` means "not handled"."""
        raise NotImplementedError


class ResponseBeforeTranslator(Capability, key="response_before_translator"):
    """Rewrites upstream responses before translation (a chain, per stream frame too)."""

    def normalize_response_before(self, request: ResponseTransformRequest) -> PayloadResponse | None:
        """Return the new ``Body``; ``None`` leaves it unchanged."""
        raise NotImplementedError


class ResponseAfterTranslator(Capability, key="response_after_translator"):
    """Rewrites translated responses (a chain, per stream frame too)."""

    def normalize_response_after(self, request: ResponseTransformRequest) -> PayloadResponse | None:
        """Return the new ``Body``; ``None`` leaves it unchanged."""
        raise NotImplementedError


class ThinkingApplier(Capability, key="thinking_applier"):
    """Applies a reasoning/thinking configuration to a provider's payload."""

    def thinking_identifier(self) -> str:
        """The provider this applier handles; re-read after every sync."""
        raise NotImplementedError

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

    def intercept_request_before(self, request: RequestInterceptRequest) -> RequestInterceptResponse | None:
        """Before auth selection. ``Terminate`` with a status answers the client directly."""
        return None

    def intercept_request_after(self, request: RequestInterceptRequest) -> RequestInterceptResponse | None:
        """After auth selection, once per attempt; ``ToFormat`` is the upstream format."""
        return None


class RequestLifecyclePlugin(Capability, key="request_lifecycle_plugin"):
    """Learns when each model execution ends (schema 2): exactly once per ``RequestID``.

    There is no "begin" event: pair it with ``RequestInterceptor`` to see requests start. CPA
    sends ``request.complete`` from a goroutine of its own after the response, whatever the
    outcome (``succeeded``, ``failed``, ``rejected``, ``canceled``), so completions race with
    new requests and may name requests this plugin never admitted.
    """

    def complete_request(self, request: RequestCompletion) -> None:
        """Delivered asynchronously; must tolerate IDs never seen in ``request.intercept_*``."""
        raise NotImplementedError


class ResponseInterceptor(Capability, key="response_interceptor"):
    """Rewrites successful non-streaming responses (a chain in priority order)."""

    def intercept_response(self, request: ResponseInterceptRequest) -> ResponseInterceptResponse | None:
        """Return header changes and/or a new ``Body``; ``None`` changes nothing."""
        raise NotImplementedError


class ResponseStreamInterceptor(Capability, key="response_stream_interceptor"):
    """Sees every chunk of streaming responses.

    ``ChunkIndex`` -1 is the header-init call (change headers only); 0, 1, ... are the chunks.
    A repeated -1 for the same ``RequestID`` means the stream restarted: reset its state.

    The request is decoded lazily (each field when first read): ``HistoryChunks`` can hold up to
    1 MiB on every call, and costs nothing unless read.
    """

    def intercept_stream_chunk(self, request: StreamChunkInterceptRequest) -> StreamChunkInterceptResponse | None:
        """Return a new ``Body``, ``DropChunk``, or header changes (on -1)."""
        raise NotImplementedError


class UsagePlugin(Capability, key="usage_plugin"):
    """Receives one usage record per request, serially across all usage plugins.

    Return quickly: a slow handler delays usage delivery for every consumer. The result and any
    error are ignored by the host.
    """

    def handle_usage(self, request: UsageRecord) -> None:
        """Record one request's usage."""
        raise NotImplementedError


# ------------------------------------------------------------------------------------------
# Command line and management


class CommandLinePlugin(Capability, key="command_line_plugin"):
    """Adds command-line flags to CPA; when one is given, CPA runs the plugin and exits."""

    def register_flags(self, request: CommandLineRegistrationRequest) -> CommandLineRegistrationResponse | None:
        """Flags without dashes; types bool, string, int, int64, float64 or duration."""
        raise NotImplementedError

    def execute_command(self, request: CommandLineExecutionRequest) -> CommandLineExecutionResponse | None:
        """Run for the flags in ``TriggeredFlags``; the first non-zero ``ExitCode`` wins."""
        raise NotImplementedError


class ManagementAPI(Capability, key="management_api"):
    """Serves management routes (authenticated) and menu resources (unauthenticated, GET)."""

    def register_management(self, request: ManagementRegistrationRequest) -> ManagementRegistrationResponse | None:
        """Routes live under ``/v0/management``, resources under ``ResourceBasePath``."""
        raise NotImplementedError

    def handle_management(self, request: ManagementRequest) -> ManagementResponse | None:
        """Serve one request; dispatch on the full ``Path``. ``StatusCode`` 0 means 200."""
        raise NotImplementedError


CAPABILITIES: Final[dict[str, type[Capability]]] = {
    cls.capability_key: cls
    for cls in sorted(Capability.__subclasses__(), key=lambda cls: METHODS.capability_keys().index(cls.capability_key))
}
"""Registration key -> capability class, in the order of CPA's ``rpcCapabilities``."""


def capabilities_of(plugin_class: type) -> list[type[Capability]]:
    """The capability classes a plugin class derives from, in registration order."""
    found = [base for base in plugin_class.__mro__ if "capability_key" in vars(base)]
    return sorted(found, key=lambda cap: cap.method_table.capability_keys().index(cap.capability_key))
