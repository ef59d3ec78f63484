"""Small plugin classes shared by the SDK tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field

from cpa_sdk import (
    Executor,
    ExecutorStream,
    Plugin,
    PluginConfig,
    PluginError,
    RequestLifecyclePlugin,
    RequestNormalizer,
    Scheduler,
)
from cpa_sdk.wire import (
    ExecutorRequest,
    ExecutorResponse,
    PayloadResponse,
    RequestCompletion,
    RequestTransformRequest,
    SchedulerPickRequest,
    SchedulerPickResponse,
)

META = {
    "version": "1.0.0",
    "author": "tests",
    "github_repository": "https://github.com/example/tests",
}


class Nested(BaseModel):
    label: str = "x"
    count: int = 0


class RichConfig(PluginConfig):
    flag: bool = Field(False, description="A switch.")
    mode: Literal["safe", "fast"] = Field("safe", description="How to run.")
    text: str = Field("", description="Any text.")
    limit: int = Field(1, ge=1, description="At least one.")
    ratio: float = 0.5
    tags: list[str] = Field(default_factory=list)
    nested: Nested = Field(default_factory=Nested)


class Normalizer(Plugin[RichConfig], RequestNormalizer):
    """Echoes the body with a suffix taken from the config; raises on demand."""

    plugin_id = "normalizer"
    name = "Normalizer"
    version = META["version"]
    author = META["author"]
    github_repository = META["github_repository"]

    configured: list[RichConfig]

    def __init__(self, host):  # type: ignore[no-untyped-def]
        super().__init__(host)
        self.configured = []

    def on_configure(self, config: RichConfig) -> None:
        if config.text == "reject":
            raise PluginError("bad_config", "text must not be 'reject'")
        self.configured.append(config)

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
        if request.model == "boom":
            raise RuntimeError("exploded")
        if request.model == "denied":
            raise PluginError("denied", "not today", http_status=403)
        if request.model == "none":
            return None
        if request.model == "wrong-type":
            return "text"  # type: ignore[return-value]
        if request.model == "log":
            self.host.log("normalizing", level="warn", model=request.model)
        return PayloadResponse(body=(request.body or b"") + self.config.text.encode())


class Lifecycle(Plugin, RequestLifecyclePlugin):
    plugin_id = "lifecycle"
    name = "Lifecycle"
    version = META["version"]
    author = META["author"]
    github_repository = META["github_repository"]

    def complete_request(self, request: RequestCompletion) -> None:
        return None


class Streamer(Plugin, Executor):
    """An executor whose stream shape is chosen by the request model."""

    plugin_id = "streamer"
    name = "Streamer"
    version = META["version"]
    author = META["author"]
    github_repository = META["github_repository"]
    input_formats = ("openai",)
    output_formats = ("openai",)

    release = threading.Event()

    def executor_identifier(self) -> str:
        return "streamer"

    def execute(self, request: ExecutorRequest) -> ExecutorResponse:
        return ExecutorResponse(payload=b'{"ok":1}')

    def execute_stream(self, request: ExecutorRequest) -> ExecutorStream:
        count = int(request.model.split("-")[-1]) if "-" in request.model else 1
        if request.model.startswith("inline"):
            return ExecutorStream(chunks=[f"c{i}".encode() for i in range(count)], headers={"X-Mode": ["inline"]})
        if request.model.startswith("fail"):
            return ExecutorStream(chunks=_failing(count))
        if request.model.startswith("refuse"):
            return ExecutorStream(chunks=_refusing(count))
        return ExecutorStream(chunks=(f"c{i}".encode() for i in range(count)), headers={"X-Mode": ["async"]})


def _failing(count: int) -> Iterator[bytes]:
    for i in range(count):
        yield f"c{i}".encode()
    raise ValueError("generator broke")


class Picker(Plugin, Scheduler):
    plugin_id = "picker"
    name = "Picker"
    version = META["version"]
    author = META["author"]
    github_repository = META["github_repository"]

    def pick_auth(self, request: SchedulerPickRequest) -> SchedulerPickResponse:
        first = (request.candidates or [None])[0]
        return SchedulerPickResponse(auth_id=first.id if first else "", handled=first is not None)


def _refusing(count: int) -> Iterator[bytes]:
    for i in range(count):
        yield f"c{i}".encode()
    raise PluginError("executor_error", "no backend available")
