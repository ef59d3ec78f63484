"""The dispatcher: ``(method, request bytes) -> (rc, response bytes)`` for one plugin instance.

This is the only entry point into a plugin. The C shim, the ctypes loader and the in-process test
harness are all transports in front of it, so what the tests see is what CPA gets.

Never hurt the host: every outcome is an envelope. Return codes follow CPA's examples: 0 for
answers and for expected errors (``PluginError``, unknown methods); 1 for requests that do not
decode and for unexpected exceptions, which are logged through ``host.log`` with where they
happened (``failure_log``). The host treats an
error envelope the same whatever the rc (CPA's ``internal/pluginhost/loader_unix.go``, ``dynamicLibraryClient.Call``).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any, Final

from cpa_sdk.capabilities import RequestInterceptor
from cpa_sdk.config import decode_config
from cpa_sdk.definition_warnings import misspelt_hooks
from cpa_sdk.envelope import EMPTY_OK, OK_PREFIX, OK_SUFFIX, error_envelope, ok_envelope
from cpa_sdk.errors import PluginError
from cpa_sdk.failure_log import failure_message
from cpa_sdk.host import Host, HostTransport, enter_callback_scope, leave_callback_scope
from cpa_sdk.methods import CpaMethod
from cpa_sdk.plugin import Plugin, install_config
from cpa_sdk.streaming import ExecutorStream, StreamPump
from cpa_sdk.wire import IdentifierResponse, LifecycleRequest, Registration
from cpa_sdk.wire._go import GoModel, WireDecodeError, decode, decoder_of, encode

__all__ = ["Dispatcher"]

Route = Callable[[bytes], tuple[int, bytes]]

_LIFECYCLE: Final = ("plugin.register", "plugin.reconfigure")
_INTERCEPTIONS: Final = ("request.intercept_before", "request.intercept_after")
_UNKNOWN_CACHE_SIZE: Final = 256  # method names are few; garbage names must not grow memory


class Dispatcher:
    """Serves one plugin instance. Thread-safe and re-entrant: CPA calls from many threads at
    once, and again while a thread waits inside a ``host.*`` callback."""

    def __init__(self, plugin_class: type[Plugin[Any]], transport: HostTransport) -> None:
        self.plugin_class = plugin_class
        self.host = Host(transport)
        self.plugin = plugin_class(self.host)
        self.raise_errors = False
        """Let unexpected exceptions out of ``call`` (tests only: CPA must get an answer)."""
        self.registered_version = ""
        """The version registered instead of the class's: a bundle's packaged version."""
        self._pump = StreamPump(self.host, log_failure=self._log_failure)
        self._configure_lock = threading.Lock()
        self._last_lifecycle: tuple[bytes, bytes] | None = None
        self._identifiers: dict[str, bytes] = {}
        self._unknown: dict[str, bytes] = {}
        self._routes: dict[str, Route] = {name: self._configure for name in _LIFECYCLE}
        self._routes["plugin.shutdown"] = self._plugin_shutdown
        for method in plugin_class.cpa_methods():
            self._routes[method.name] = self._route(method)
        if issubclass(plugin_class, RequestInterceptor) and plugin_class.fail_closed:
            for name in _INTERCEPTIONS:
                self._routes[name] = self._failing_closed(name, self._routes[name])

    # -- the entry point ------------------------------------------------------------------------

    def call(self, method: str, request: bytes) -> tuple[int, bytes]:
        """Serve one call. Never raises."""
        route = self._routes.get(method)
        if route is None:
            return 0, self._unknown_method(method)
        try:
            return route(request)
        except PluginError as exc:
            return 0, error_envelope(exc.code, exc.message, retryable=exc.retryable, http_status=exc.http_status)
        except WireDecodeError as exc:
            return self._invalid_request(method, exc)
        except BaseException as exc:  # noqa: BLE001 - plugin code must never take the host down
            if self.raise_errors:
                raise
            self._log_failure(f"{method} failed", exc)
            return 1, error_envelope("plugin_error", f"{type(exc).__name__}: {exc}")

    def shutdown(self) -> None:
        """Quiesce the plugin: its shutdown hook, then stop every executor stream (bounded)."""
        try:
            self.plugin.on_shutdown()
        except BaseException as exc:  # noqa: BLE001
            self._log_failure("on_shutdown failed", exc)
        self._pump.close()

    def _unknown_method(self, method: str) -> bytes:
        # Newer hosts probe methods this SDK may not know; answering them costs a dict lookup.
        answer = self._unknown.get(method)
        if answer is None:
            answer = error_envelope("unknown_method", f"unknown method: {method}")
            if len(self._unknown) < _UNKNOWN_CACHE_SIZE:
                self._unknown[method] = answer
        return answer

    # -- lifecycle ------------------------------------------------------------------------------

    def _configure(self, raw: bytes) -> tuple[int, bytes]:
        # plugin.reconfigure arrives on every config reload and every auth change: answer an
        # unchanged request from the last answer without decoding anything.
        with self._configure_lock:
            last = self._last_lifecycle
            if last is not None and last[0] == raw:
                return 0, last[1]
            try:
                response = self._register(raw)
            except PluginError as exc:
                return 1, error_envelope(exc.code, exc.message)
            self._last_lifecycle = (raw, response)
            self._identifiers.clear()
            return 0, response

    def _register(self, raw: bytes) -> bytes:
        cls = self.plugin_class
        request = decode(LifecycleRequest, raw) if raw.strip() else LifecycleRequest()
        host_schema = request.schema_version
        required = cls.min_schema_version()
        if required > (host_schema or 1):
            raise PluginError(
                "plugin_error",
                f"{cls.name} requires host schema version {required} or newer; this host speaks "
                f"{host_schema or 1}: upgrade CLIProxyAPI",
            )
        preferred = cls.schema_version or required
        # A request without schema_version does not say what the host accepts: answer ours.
        answer = min(preferred, host_schema) if host_schema else preferred
        config, warnings = decode_config(cls.config_model, request.config_yaml)
        if self._last_lifecycle is None:  # the first registration: say once what the class gets wrong
            warnings = misspelt_hooks(cls, Plugin) + warnings
        for warning in warnings:
            self.host.log(warning, level="warn", plugin_id=self.plugin.loaded_id)
        self.plugin.on_configure(config)
        install_config(self.plugin, config)
        metadata = cls.metadata()
        if self.registered_version:
            metadata = metadata.model_copy(update={"version": self.registered_version})
        registration = Registration(schema_version=answer, metadata=metadata, capabilities=cls.capability_flags())
        return ok_envelope(encode(registration))

    def _plugin_shutdown(self, raw: bytes) -> tuple[int, bytes]:
        # Not sent by CPA v7.2.140 (the C shutdown pointer is); answer it without breaking later calls.
        self.plugin.on_shutdown()
        return 0, EMPTY_OK

    # -- capability methods -----------------------------------------------------------------------

    def _route(self, method: CpaMethod) -> Route:
        if method.kind == "identifier":
            return self._identifier_route(method)
        if method.kind == "stream":
            return self._stream_route(method)
        handler: Callable[[Any], Any] = getattr(self.plugin, method.attr)
        request_class = method.request
        decode_request = decoder_of(request_class)
        response_class = method.response
        void = method.kind == "void"
        scoped = method.carries_callback_id
        name = method.name

        def route(raw: bytes) -> tuple[int, bytes]:
            request = decode_request(request_class, raw)
            if scoped:
                token = enter_callback_scope(request.host_callback_id)  # type: ignore[attr-defined]
                try:
                    result = handler(request)
                finally:
                    leave_callback_scope(token)
            else:
                result = handler(request)
            if result is None or void:
                return 0, EMPTY_OK
            _expect_type(result, response_class, f"{name} handler")
            return 0, encode(result, prefix=OK_PREFIX, suffix=OK_SUFFIX)

        return route

    def _identifier_route(self, method: CpaMethod) -> Route:
        handler: Callable[[], Any] = getattr(self.plugin, method.attr)
        name = method.name
        cache = self._identifiers

        def route(raw: bytes) -> tuple[int, bytes]:
            # CPA asks for identifiers on every sync and routing check; they are constant per
            # configuration, so the encoded answer is kept until the next reconfigure.
            cached = cache.get(name)
            if cached is not None:
                return 0, cached
            identifier = handler()
            if not isinstance(identifier, str):
                raise TypeError(f"{name} handler returned {type(identifier).__name__}, expected str")
            response = ok_envelope(encode(IdentifierResponse(identifier=identifier)))
            cache[name] = response
            return 0, response

        return route

    def _stream_route(self, method: CpaMethod) -> Route:
        handler: Callable[[Any], Any] = getattr(self.plugin, method.attr)
        from cpa_sdk.wire import ExecutorStreamChunk, ExecutorStreamResponse

        request_class = method.request
        pump = self._pump

        def route(raw: bytes) -> tuple[int, bytes]:
            request: Any = decode(request_class, raw)
            token = enter_callback_scope(request.host_callback_id)
            try:
                stream = handler(request)
                if not isinstance(stream, ExecutorStream):
                    raise TypeError(f"{method.name} handler returned {type(stream).__name__}, expected ExecutorStream")
                if stream.inline:
                    chunks = [ExecutorStreamChunk(payload=bytes(chunk)) for chunk in stream.chunks]
                    return 0, ok_envelope(encode(ExecutorStreamResponse(headers=stream.headers, chunks=chunks)))
                if not request.stream_id:
                    raise PluginError("invalid_request", "stream_id is required for executor.execute_stream")
                pump.start(request.stream_id, stream.chunks)
                return 0, ok_envelope(encode(ExecutorStreamResponse(headers=stream.headers)))
            finally:
                leave_callback_scope(token)

        return route

    # -- failures ---------------------------------------------------------------------------------

    def _failing_closed(self, method: str, inner: Route) -> Route:
        """``inner``, answering ``Terminate`` where it would fail (``RequestInterceptor.fail_closed``)."""
        from cpa_sdk.termination import reject  # only such plugins pay for the interception models

        def route(raw: bytes) -> tuple[int, bytes]:
            try:
                return inner(raw)
            except PluginError as exc:
                status = exc.http_status if 200 <= exc.http_status <= 599 else 503
                refusal = reject(status, exc.message, error_type=exc.code)
            except BaseException as exc:  # noqa: BLE001 - the request must stop, the host must not
                self._log_failure(f"{method} failed; the request is refused (fail_closed)", exc)
                refusal = reject(
                    503, f"request refused: plugin {self.plugin.loaded_id} failed", error_type="plugin_error"
                )
            return 0, ok_envelope(encode(refusal))

        return route

    def _invalid_request(self, method: str, exc: WireDecodeError) -> tuple[int, bytes]:
        try:
            fallback = self.plugin.on_invalid_request(method, exc)
        except PluginError as refusal:
            return 0, error_envelope(
                refusal.code, refusal.message, retryable=refusal.retryable, http_status=refusal.http_status
            )
        except BaseException as hook_exc:  # noqa: BLE001
            self._log_failure("on_invalid_request failed", hook_exc)
            fallback = None
        if isinstance(fallback, GoModel):
            return 0, ok_envelope(encode(fallback))
        return 1, error_envelope("plugin_error", f"decode {method} request: {exc}")

    def _log_failure(self, message: str, exc: BaseException) -> None:
        text = "".join(traceback.format_exception(exc))
        self.host.log(failure_message(message, exc), level="error", plugin_id=self.plugin.loaded_id, traceback=text)


def _expect_type(result: object, response_class: type, producer: str) -> None:
    if not isinstance(result, response_class):
        raise TypeError(f"{producer} returned {type(result).__name__}, expected {response_class.__name__} or None")
