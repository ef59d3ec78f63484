"""Run a plugin without CPA: in-process from its class, or from a built ``.so``.

Both go through the same ``(method, bytes) -> (rc, bytes)`` boundary CPA uses, with a
``FakeHost`` answering host callbacks, so a test exercises exactly what CPA would.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import pydantic_core
import yaml

from cpa_sdk.dispatch import Dispatcher
from cpa_sdk.plugin import SCHEMA_VERSION, Plugin
from cpa_sdk.testing.fake_host import FakeHost
from cpa_sdk.wire import EmptyResponse, IdentifierResponse, Registration
from cpa_sdk.wire._go import GoModel, b64encode, decode, encode
from cpa_sdk.wire.methods import METHODS

__all__ = ["CallResult", "PluginCallError", "PluginHarness", "config_yaml"]

ConfigInput = Mapping[str, Any] | str | bytes | None


class PluginCallError(AssertionError):
    """The plugin answered an error envelope where the test expected a result."""

    def __init__(self, method: str, result: CallResult) -> None:
        super().__init__(f"{method} answered rc={result.rc} error {result.error}")
        self.method = method
        self.result = result


@dataclass(frozen=True, slots=True)
class CallResult:
    """One plugin answer: the return code and the exact response bytes, parsed on demand."""

    rc: int
    raw: bytes

    @property
    def envelope(self) -> dict[str, Any]:
        parsed = pydantic_core.from_json(self.raw)
        if not isinstance(parsed, dict):
            raise AssertionError(f"response is not a JSON object: {self.raw!r}")
        return parsed

    @property
    def ok(self) -> bool:
        return self.envelope.get("ok") is True

    @property
    def result(self) -> Any:
        return self.envelope.get("result")

    @property
    def error(self) -> dict[str, Any] | None:
        error = self.envelope.get("error")
        return error if isinstance(error, dict) else None

    def expect_ok(self) -> Any:
        """Assert an ok envelope with return code 0 and return its ``result``."""
        if self.rc != 0 or not self.ok:
            raise AssertionError(f"expected an ok answer, got rc={self.rc} {self.raw.decode(errors='replace')}")
        return self.result

    def expect_error(
        self,
        code: str | None = None,
        *,
        message: str | None = None,
        http_status: int | None = None,
        rc: int | None = None,
    ) -> dict[str, Any]:
        """Assert an error envelope (with the given code, message, status and rc) and return it."""
        error = self.error
        if self.ok or error is None:
            raise AssertionError(f"expected an error answer, got {self.raw.decode(errors='replace')}")
        wanted = {"code": code, "message": message, "http_status": http_status}
        for key, value in wanted.items():
            if value is not None and error.get(key) != value:
                raise AssertionError(f"expected error {key} {value!r}, got {error!r}")
        if rc is not None and self.rc != rc:
            raise AssertionError(f"expected rc {rc}, got {self.rc} with {error!r}")
        return error


def config_yaml(config: ConfigInput) -> bytes:
    """The YAML bytes CPA would send for a config given as a mapping, YAML text or bytes."""
    if config is None:
        return b""
    if isinstance(config, bytes):
        return config
    if isinstance(config, str):
        return config.encode()
    return yaml.safe_dump(dict(config), sort_keys=False).encode()


class PluginHarness:
    """A plugin under test. ``plugin`` is a plugin class or the path of a built ``.so``.

    With ``strict`` (the default) a host callback the ``FakeHost`` was not told to expect fails
    the call that made it. With ``raise_errors`` an unexpected exception in the plugin's code
    propagates out of the call, with its traceback, instead of becoming the ``plugin_error``
    answer CPA would get (in-process only; ``PluginError`` is still an answer, as it is in CPA).
    """

    def __init__(
        self,
        plugin: type[Plugin[Any]] | str | os.PathLike[str],
        *,
        host: FakeHost | None = None,
        strict: bool = True,
        raise_errors: bool = False,
    ) -> None:
        self.host = host if host is not None else FakeHost()
        self.strict = strict
        self._close: Callable[[], None]
        if isinstance(plugin, type):
            dispatcher = Dispatcher(plugin, self.host)
            dispatcher.raise_errors = raise_errors
            self.dispatcher: Dispatcher | None = dispatcher
            self._transport: Callable[[str, bytes], tuple[int, bytes]] = dispatcher.call
            self._close = dispatcher.shutdown
        else:
            if raise_errors:
                raise ValueError("raise_errors needs the plugin class: a .so's exceptions stay in the library")
            from cpa_sdk.testing.library import SharedLibraryPlugin

            library = SharedLibraryPlugin(os.fspath(plugin), self.host)
            self.dispatcher = None
            self._transport = library.call
            self._close = library.close

    @property
    def plugin(self) -> Plugin[Any]:
        """The plugin instance (in-process harnesses only)."""
        if self.dispatcher is None:
            raise AttributeError("a plugin loaded from a .so has no Python instance in this process")
        return self.dispatcher.plugin

    # -- lifecycle ------------------------------------------------------------------------------

    def register(self, config: ConfigInput = None, *, schema_version: int = SCHEMA_VERSION) -> Registration:
        """Send ``plugin.register`` as CPA does and return the decoded registration."""
        return self._lifecycle("plugin.register", config, schema_version)

    def reconfigure(self, config: ConfigInput = None, *, schema_version: int = SCHEMA_VERSION) -> Registration:
        """Send ``plugin.reconfigure`` (CPA's config reloads and auth changes)."""
        return self._lifecycle("plugin.reconfigure", config, schema_version)

    def _lifecycle(self, method: str, config: ConfigInput, schema_version: int) -> Registration:
        request = {"config_yaml": base64.b64encode(config_yaml(config)).decode(), "schema_version": schema_version}
        result = self.call_raw(method, request)
        if not result.ok:
            raise PluginCallError(method, result)
        return decode(Registration, pydantic_core.to_json(result.result))

    # -- calls ----------------------------------------------------------------------------------

    def call_raw(self, method: str, request: GoModel | Mapping[str, Any] | bytes | str | None = None) -> CallResult:
        """Call ``method`` with a model, a JSON-able mapping (``bytes`` values are sent as Go sends
        ``[]byte``: standard base64), or raw bytes; no decoding."""
        rc, raw = self._transport(method, _request_bytes(request))
        if self.strict:
            self.host.check()
        return CallResult(rc, raw)

    def call(self, method: str, request: GoModel | Mapping[str, Any] | bytes | str | None = None) -> Any:
        """Call ``method`` and decode the result into its wire model.

        The model is the one CPA decodes the answer into (``cpa_sdk.wire.methods.METHODS``);
        identifier methods return the identifier string, methods whose answer CPA ignores return
        ``None``. An error envelope raises ``PluginCallError``.
        """
        result = self.call_raw(method, request)
        if not result.ok:
            raise PluginCallError(method, result)
        payload = pydantic_core.to_json(result.result if result.result is not None else {})
        spec = METHODS.get(method)
        if spec is None or spec.response is None or spec.response is EmptyResponse:
            return None
        answer = decode(spec.response, payload)
        return answer.identifier if isinstance(answer, IdentifierResponse) else answer

    def close(self) -> None:
        """Shut the plugin down, as CPA does on unload."""
        self._close()

    def __enter__(self) -> PluginHarness:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _request_bytes(request: GoModel | Mapping[str, Any] | bytes | str | None) -> bytes:
    if request is None:
        return b"{}"
    if isinstance(request, GoModel):
        return encode(request)
    if isinstance(request, bytes):
        return request
    if isinstance(request, str):
        return request.encode()
    return pydantic_core.to_json(_go_bytes_as_base64(dict(request)))


def _go_bytes_as_base64(value: Any) -> Any:
    """``bytes`` anywhere in a request mapping as Go marshals ``[]byte``: standard padded base64
    (pydantic's own base64 mode is the URL-safe alphabet, which Go rejects)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b64encode(bytes(value))
    if isinstance(value, Mapping):
        return {key: _go_bytes_as_base64(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_go_bytes_as_base64(item) for item in value]
    return value
