"""A broken plugin class fails when it is defined, with a message that says how to fix it."""

from __future__ import annotations

import warnings

import pytest

from cpa_sdk import (
    Executor,
    Plugin,
    PluginDefinitionWarning,
    PluginLoadError,
    RequestInterceptor,
    ResponseStreamInterceptor,
    Scheduler,
)
from cpa_sdk.testing import PluginHarness
from cpa_sdk.wire import SchedulerPickRequest, SchedulerPickResponse
from tests.sdk.plugins import META


def define(*bases: type, **attrs: object) -> type:
    namespace = {"plugin_id": "p", "name": "P", **META, **attrs}
    return type("Candidate", bases, namespace)


def pick(self: object, request: SchedulerPickRequest) -> SchedulerPickResponse:
    return SchedulerPickResponse()


def test_valid_class_defines() -> None:
    cls = define(Plugin, Scheduler, pick_auth=pick)
    assert [c.capability_key for c in cls.capabilities()] == ["scheduler"]


def test_an_invalid_class_raises_the_documented_plugin_load_error() -> None:
    with pytest.raises(PluginLoadError) as raised:
        define(Plugin, Scheduler)
    assert not isinstance(raised.value, TypeError)


def test_missing_required_method_names_the_signature() -> None:
    with pytest.raises(
        PluginLoadError, match=r"Scheduler requires def pick_auth\(self, request: SchedulerPickRequest\)"
    ):
        define(Plugin, Scheduler)


def test_misspelled_method_is_reported_as_missing() -> None:
    with pytest.raises(PluginLoadError, match="pick_auth"):
        define(Plugin, Scheduler, pick=pick)


def test_wrong_arity_is_reported() -> None:
    with pytest.raises(PluginLoadError, match="must look like def pick_auth"):
        define(Plugin, Scheduler, pick_auth=lambda self, request, extra: None)


@pytest.mark.parametrize("attr", ["name", "version", "author", "github_repository"])
def test_blank_metadata_is_rejected(attr: str) -> None:
    with pytest.raises(PluginLoadError, match=f"{attr} must be a non-blank string"):
        define(Plugin, Scheduler, pick_auth=pick, **{attr: "  "})


@pytest.mark.parametrize("plugin_id", ["", "-lead", "has space", "x" * 129])
def test_invalid_plugin_id_is_rejected(plugin_id: str) -> None:
    with pytest.raises(PluginLoadError, match="plugin_id"):
        define(Plugin, Scheduler, pick_auth=pick, plugin_id=plugin_id)


def test_plugin_without_capability_is_rejected() -> None:
    with pytest.raises(PluginLoadError, match="at least one capability"):
        define(Plugin)


def test_executor_needs_formats() -> None:
    methods = {"executor_identifier": lambda self: "x", "execute": lambda self, request: None}
    with pytest.raises(PluginLoadError, match="input_formats must name at least one format"):
        define(Plugin, Executor, output_formats=("openai",), **methods)


def test_request_interceptor_needs_no_method_but_gets_pass_through() -> None:
    cls = define(Plugin, RequestInterceptor)
    assert {m.name for m in cls.cpa_methods()} == {"request.intercept_before", "request.intercept_after"}


def test_stream_interceptor_requires_its_method() -> None:
    with pytest.raises(
        PluginLoadError, match=r"ResponseStreamInterceptor requires def intercept_stream_chunk\(self, request"
    ):
        define(Plugin, ResponseStreamInterceptor)
    define(Plugin, ResponseStreamInterceptor, intercept_stream_chunk=lambda self, request: None)


def test_schema_version_below_capabilities_is_rejected() -> None:
    from cpa_sdk import RequestLifecyclePlugin

    with pytest.raises(PluginLoadError, match="below 2"):
        define(Plugin, RequestLifecyclePlugin, complete_request=lambda self, request: None, schema_version=1)


def test_abstract_intermediate_class_is_not_checked() -> None:
    class Base(Plugin, Scheduler, abstract=True):
        pass

    with pytest.raises(PluginLoadError, match="pick_auth"):
        type("Concrete", (Base,), {"plugin_id": "c", "name": "C", **META})


def test_a_misspelt_optional_hook_warns_at_definition_with_the_hook_meant() -> None:
    def intercept_before(self: object, request: object) -> None: ...

    with pytest.warns(
        PluginDefinitionWarning,
        match=r"Candidate.intercept_before is not a method CPA calls; "
        r"did you mean 'intercept_request_before'\?",
    ):
        define(Plugin, RequestInterceptor, intercept_before=intercept_before)


def test_a_hook_of_a_capability_not_derived_from_names_the_capability() -> None:
    with pytest.warns(
        PluginDefinitionWarning,
        match=r"did you mean RequestNormalizer.normalize_request "
        r"\(derive from RequestNormalizer\)\?",
    ):
        define(Plugin, Scheduler, pick_auth=pick, normalise_request=pick)


def test_helpers_of_other_names_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        define(Plugin, Scheduler, pick_auth=pick, execute_one=pick, choose=pick, stream_chunks=pick)


def test_async_handlers_are_rejected_at_definition() -> None:
    async def pick_auth(self: object, request: SchedulerPickRequest) -> SchedulerPickResponse:
        return SchedulerPickResponse()

    with pytest.raises(PluginLoadError, match=r"pick_auth must be a plain def, not async def"):
        define(Plugin, Scheduler, pick_auth=pick_auth)


def test_the_first_registration_tells_cpa_log_about_a_misspelt_hook() -> None:
    def on_configured(self: object, config: object) -> None: ...

    with pytest.warns(PluginDefinitionWarning):
        cls = define(Plugin, Scheduler, pick_auth=pick, on_configured=on_configured)
    harness = PluginHarness(cls)
    harness.register()
    harness.reconfigure({"other": 1})
    messages = [call.json()["message"] for call in harness.host.calls_to("host.log")]
    assert messages[0] == "Candidate.on_configured is not a method CPA calls; did you mean 'on_configure'?"
    assert messages.count(messages[0]) == 1
