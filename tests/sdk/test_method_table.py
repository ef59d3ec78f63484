"""``cpa_sdk.methods.METHODS`` is the one declaration of CPA's methods: a row added to a table is
enough for the capability flag, the base-class method, its signature check, the dispatch route,
typed answers in the harness and the reference page; the hand-written signatures agree with it."""

from __future__ import annotations

import importlib.util
import inspect
import sys
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import cpa_sdk.wire as wire
from cpa_sdk import Capability, ExecutorStream, Plugin, PluginLoadError
from cpa_sdk.capabilities import CAPABILITIES, capabilities_of
from cpa_sdk.methods import METHODS, CpaMethod, MethodTable
from cpa_sdk.testing import PluginHarness
from cpa_sdk.wire import PayloadResponse
from cpa_sdk.wire.lifecycle import capability_flags_model

ROOT = Path(__file__).resolve().parents[2]

ECHO = CpaMethod(
    "fake.echo", "plugin", "fake_echoer", "echo", "RequestTransformRequest", "PayloadResponse", required=True
)
EXTENDED = MethodTable(*METHODS.values(), ECHO)


class FakeEchoer(Capability, key="fake_echoer", table=EXTENDED):
    """A capability CPA does not have: its class body writes nothing."""


class EchoPlugin(Plugin, FakeEchoer):
    plugin_id = name = "echo"
    version, author, github_repository = "1", "me", "https://github.com/me/echo"

    def echo(self, request: Any) -> PayloadResponse:
        return PayloadResponse(body=request.body)


def capability_pages() -> ModuleType:
    spec = importlib.util.spec_from_file_location("capability_pages", ROOT / "docs/_hooks/capability_pages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_extra_row_gives_a_capability_flag() -> None:
    flags = capability_flags_model(EXTENDED)
    assert list(flags.model_fields)[-1] == "fake_echoer"
    assert flags.model_fields["fake_echoer"].description == "Enables fake.echo."
    assert "fake_echoer" not in capability_flags_model(METHODS).model_fields
    assert EchoPlugin.capability_flags().model_dump(exclude_defaults=True) == {"fake_echoer": True}


def test_one_extra_row_gives_a_base_class_method_and_its_check() -> None:
    assert FakeEchoer.capability_methods == (ECHO,)
    assert inspect.signature(FakeEchoer.echo).parameters.keys() == {"self", "request"}
    assert "def echo(self, request: RequestTransformRequest) -> PayloadResponse | None" in (
        FakeEchoer.echo.__doc__ or ""
    )
    assert capabilities_of(EchoPlugin) == [FakeEchoer]
    with pytest.raises(
        PluginLoadError, match=r"FakeEchoer requires def echo\(self, request: RequestTransformRequest\)"
    ):

        class Lazy(Plugin, FakeEchoer):
            plugin_id = name = "lazy"
            version, author, github_repository = "1", "me", "https://github.com/me/lazy"


def test_one_extra_row_gives_a_dispatch_route_and_a_typed_answer() -> None:
    with PluginHarness(EchoPlugin) as harness:
        assert harness.call("fake.echo", {"Body": b"hi"}) == PayloadResponse(body=b"hi")


def test_one_extra_row_gives_a_reference_page() -> None:
    page = capability_pages().render_capability(FakeEchoer)
    assert "Registration key: `fake_echoer`" in page
    assert (
        "| `fake.echo` | `def echo(self, request: RequestTransformRequest) -> PayloadResponse | None` | yes |" in page
    )
    assert "**Request** `RequestTransformRequest`" in page and "**Response** `PayloadResponse`" in page


def test_a_capability_needs_rows_in_its_table() -> None:
    with pytest.raises(TypeError, match="no method of the table is enabled by capability 'nothing'"):

        class Nothing(Capability, key="nothing"):
            pass


def test_capabilities_follow_the_table_order() -> None:
    assert tuple(CAPABILITIES) == METHODS.capability_keys()
    assert all(cap.capability_methods == METHODS.of_capability(key) for key, cap in CAPABILITIES.items())


class _WireNames(dict[str, Any]):
    """Annotation namespace that finds wire models by name."""

    def __missing__(self, name: str) -> Any:
        try:
            return getattr(wire, name)
        except AttributeError:
            raise KeyError(name) from None


def _returns(row: CpaMethod) -> Any:
    if row.kind == "identifier":
        return str
    if row.kind == "stream":
        return ExecutorStream
    if row.kind == "void":
        return type(None)
    return row.response | None


@pytest.mark.parametrize("name", [name for name, row in METHODS.items() if row.capability])
def test_written_signatures_agree_with_the_table(name: str) -> None:
    row = METHODS[name]
    method = vars(CAPABILITIES[row.capability])[row.attr]
    hints = typing.get_type_hints(method, globalns=vars(sys.modules[method.__module__]), localns=_WireNames())
    assert hints.pop("return") == _returns(row)
    assert list(hints.values()) == ([] if row.kind == "identifier" else [row.request])
