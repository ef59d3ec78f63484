"""Errors a plugin raises or receives.

Errors are values with codes: the host shows ``message`` to people and uses ``http_status`` as the
client status where the error reaches a client (CPA's ``internal/pluginhost/rpc_client.go``,
``decodeEnvelopeResult``). ``code`` and ``retryable`` travel on the wire but today's host does not
read them; they are there for logs and for future hosts.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "HostError",
    "HostUnavailableError",
    "PluginError",
    "PluginLoadError",
]


class PluginError(Exception):
    """An expected failure, answered to the host as an error envelope.

    Raise it from any capability method: ``raise PluginError("scheduler_denied", "denied")``.
    ``http_status`` (100..599) becomes the client's HTTP status for executor errors.
    """

    def __init__(self, code: str, message: str, *, retryable: bool = False, http_status: int = 0) -> None:
        if http_status and not 100 <= http_status <= 599:
            raise ValueError(f"http_status must be between 100 and 599, got {http_status}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.http_status = http_status

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ConfigError(PluginError):
    """The plugin's YAML config does not fit its config model; the previous config stays."""

    def __init__(self, message: str) -> None:
        super().__init__("plugin_error", message)


class PluginLoadError(Exception):
    """A plugin class that cannot be served: wrong metadata, missing methods, bad target."""


class HostError(Exception):
    """A ``host.*`` callback that the host answered with an error envelope.

    ``message`` is the host's text, for example ``stream 7 is not open``.
    """

    def __init__(self, method: str, code: str, message: str) -> None:
        super().__init__(f"{method}: {message}")
        self.method = method
        self.code = code
        self.message = message


class HostUnavailableError(HostError):
    """The host did not answer at all (rc != 0 and no envelope): shut down or unreachable."""

    def __init__(self, method: str, rc: int) -> None:
        super().__init__(method, "host_unavailable", f"host returned code {rc} and no response")
        self.rc = rc
