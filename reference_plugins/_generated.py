"""The family of generated single-capability examples, and the shapes they share with ``simple``.

Upstream generates thirteen examples (model, auth, frontend-auth, executor, protocol-format,
request-translator, request-normalizer, response-translator, response-normalizer, thinking,
usage, cli, management-api) plus host-callback from one template. None reads its request or its
config: each answers fixed values built from its plugin ID ``example-<slug>-<lang>``, here
``example-<slug>-python``, registered on schema 1 with ``https://example.invalid/<ID>.png`` as
logo. ``GeneratedExample`` holds that; each example is a short subclass naming its slug::

    class ModelExample(GeneratedExample, ModelProvider, slug="model"): ...
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Final

from cpa_sdk import Executor, Plugin
from cpa_sdk.config import NoConfig
from cpa_sdk.wire import (
    AuthData,
    AuthLoginStartResponse,
    ExecutorRequest,
    ExecutorResponse,
    ManagementRegistrationRequest,
    ManagementRegistrationResponse,
    ModelInfo,
    PayloadResponse,
    ResourceRoute,
)
from reference_plugins._go_text import marshal
from reference_plugins._upstream import UpstreamMetadata

__all__ = [
    "EXAMPLE_EXPIRY",
    "ExampleExecutor",
    "GeneratedExample",
    "JSON_HEADERS",
    "example_auth",
    "example_model",
    "login_start",
    "status_resource",
]

EXAMPLE_EXPIRY: Final = datetime(2030, 1, 1, tzinfo=UTC)
"""The fixed ``ExpiresAt``/``NextRefreshAfter`` of the examples' login and refresh answers."""

JSON_HEADERS: Final = {"content-type": ["application/json"]}


class GeneratedExample(UpstreamMetadata, Plugin[NoConfig], abstract=True):
    """One generated example: ID, name and logo follow from ``slug``; schema 1."""

    schema_version = 1
    pid: ClassVar[str]
    """``example-<slug>-python``: plugin ID, metadata name, and the value of every answer."""

    def __init_subclass__(cls, *, slug: str | None = None, **kwargs: Any) -> None:
        if slug is not None:
            cls.pid = cls.plugin_id = cls.name = f"example-{slug}-python"
            cls.logo = f"https://example.invalid/{cls.pid}.png"
        super().__init_subclass__(**kwargs)

    def stamp(self, key: str) -> PayloadResponse:
        """A body that names the plugin that produced it: ``{"<key>":"<PID>"}``."""
        return PayloadResponse(body=marshal({key: self.pid}))


class ExampleExecutor(GeneratedExample, Executor, abstract=True):
    """The minimal executor of ``executor`` and ``protocol-format``: a fixed chat completion."""

    input_formats = ("chat-completions",)

    def executor_identifier(self) -> str:
        return self.pid

    def execute(self, request: ExecutorRequest) -> ExecutorResponse:
        payload = marshal({"id": self.pid, "object": "chat.completion"})
        return ExecutorResponse(payload=payload, headers=JSON_HEADERS)


def example_model(provider: str, display_name: str) -> ModelInfo:
    """The examples' one chat model, ``<provider>-model``, owned by ``provider``."""
    return ModelInfo(
        id=f"{provider}-model",
        object="model",
        owned_by=provider,
        display_name=display_name,
        supported_generation_methods=["chat"],
        context_length=8192,
        max_completion_tokens=1024,
        user_defined=True,
    )


def example_auth(provider: str, label: str, storage_json: bytes | None) -> AuthData:
    """An auth record of ``provider`` stored in ``<provider>.json``."""
    return AuthData(
        provider=provider,
        id=provider,
        file_name=f"{provider}.json",
        label=label,
        storage_json=storage_json,
        metadata={"type": provider},
    )


def login_start(provider: str, url: str) -> AuthLoginStartResponse:
    """A login that needs nothing from the user and never expires before 2030."""
    return AuthLoginStartResponse(provider=provider, url=url, state="example-state", expires_at=EXAMPLE_EXPIRY)


def status_resource(
    plugin: Plugin[Any], request: ManagementRegistrationRequest, menu: str
) -> ManagementRegistrationResponse:
    """The ``/status`` menu resource, described with the path CPA serves it under.

    Upstream writes ``/v0/resource/plugins/<its own idea of the ID>``; the port prefers the
    ``ResourceBasePath`` the host sends and falls back to the ID it was loaded under.
    """
    base = request.resource_base_path or f"/v0/resource/plugins/{plugin.loaded_id}"
    description = f"CPA exposes this menu resource under {base}/status."
    return ManagementRegistrationResponse(resources=[ResourceRoute(path="/status", menu=menu, description=description)])
