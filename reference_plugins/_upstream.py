"""What the upstream examples have in common: who wrote them, where they live, how they word
host failures.

Every hand-written upstream example registers version ``0.1.0`` by ``router-for-me`` with CPA's
repository and logo, on RPC schema 3. ``UpstreamMetadata`` is a mixin holding exactly that, so a
port names only its ID and capabilities::

    class SchedulerExample(UpstreamMetadata, Plugin[Config], Scheduler):
        plugin_id = name = "scheduler"

It is a mixin rather than a ``Plugin`` subclass so that ``Plugin[Config]`` stays a direct base,
which is where the SDK reads the config model from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Final

from cpa_sdk import HostError, HostUnavailableError

if TYPE_CHECKING:  # the management models come with the first management plugin that uses them
    from cpa_sdk.wire import GoModel, ManagementRegistrationRequest, ManagementRegistrationResponse, WireDecodeError

__all__ = ["CPA_LOGO", "CPA_REPOSITORY", "StatusResource", "UpstreamMetadata", "host_error_text"]

CPA_REPOSITORY: Final = "https://github.com/router-for-me/CLIProxyAPI"
CPA_LOGO: Final = "https://raw.githubusercontent.com/router-for-me/CLIProxyAPI/main/docs/logo.png"


class UpstreamMetadata:
    """Registration metadata shared by the upstream examples (list it before ``Plugin``)."""

    version: ClassVar[str] = "0.1.0"
    author: ClassVar[str] = "router-for-me"
    github_repository: ClassVar[str] = CPA_REPOSITORY
    logo: ClassVar[str] = CPA_LOGO
    schema_version: ClassVar[int | None] = 3


def host_error_text(error: HostError) -> str:
    """How the upstream examples word a failed host callback on their pages.

    A host error envelope reads ``<code>: <message>``; an in-band model-stream error is shown as
    the host wrote it.
    """
    if isinstance(error, HostUnavailableError):
        return f"host callback {error.method} returned no response, code={error.rc}"
    if error.code == "invalid_envelope":
        return f"decode host callback envelope {error.method}: {error.message}"
    if error.code in ("", "stream_error"):
        return error.message
    if error.code == "invalid_result":
        return f"{error.method}: {error.message}"
    return f"{error.code}: {error.message}"


class StatusResource:
    """The one ``/status`` menu resource of the upstream management examples.

    Upstream registers it without reading the request, so any request, even one that does not
    decode, gets the registration. A mixin listed before ``Plugin`` (its ``on_invalid_request``
    must win), with ``ManagementAPI`` after it.
    """

    resource_menu: ClassVar[str]
    resource_description: ClassVar[str]

    def register_management(self, request: ManagementRegistrationRequest) -> ManagementRegistrationResponse:
        from cpa_sdk.wire import ManagementRegistrationResponse, ResourceRoute

        resource = ResourceRoute(path="/status", menu=self.resource_menu, description=self.resource_description)
        return ManagementRegistrationResponse(resources=[resource])

    def on_invalid_request(self, method: str, error: WireDecodeError) -> GoModel | None:
        if method == "management.register":
            from cpa_sdk.wire import ManagementRegistrationRequest

            return self.register_management(ManagementRegistrationRequest())
        return None
