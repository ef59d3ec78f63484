"""The dispatcher: every outcome is an envelope, and the plugin keeps serving."""

from __future__ import annotations

import base64
import json

import pytest

from cpa_sdk.testing import FakeHost, PluginHarness
from tests.sdk.plugins import Lifecycle, Normalizer, Picker
from tests.source_lines import line_of


def normalize(harness: PluginHarness, model: str, body: bytes = b"x") -> tuple[int, dict]:
    request = {"Model": model, "Body": base64.b64encode(body).decode()}
    result = harness.call_raw("request.normalize", request)
    return result.rc, result.envelope


@pytest.fixture
def harness() -> PluginHarness:
    h = PluginHarness(Normalizer)
    h.register({"text": "!"})
    return h


def test_normal_call(harness: PluginHarness) -> None:
    assert harness.call("request.normalize", {"Model": "m", "Body": "YQ=="}).body == b"a!"


def test_unknown_method_is_rc0_unknown_method(harness: PluginHarness) -> None:
    result = harness.call_raw("no.such.method", b"{}")
    assert (result.rc, result.error) == (0, {"code": "unknown_method", "message": "unknown method: no.such.method"})


def test_method_of_undeclared_capability_is_unknown(harness: PluginHarness) -> None:
    assert harness.call_raw("scheduler.pick", b"{}").error["code"] == "unknown_method"


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1,2]", b'{"Model":3}', b'{"Body":"e30"}', b'{"Stream":"true"}'])
def test_undecodable_request_is_rc1_plugin_error(harness: PluginHarness, raw: bytes) -> None:
    result = harness.call_raw("request.normalize", raw)
    assert result.rc == 1
    assert result.error is not None and result.error["code"] == "plugin_error"
    assert result.error["message"].startswith("decode request.normalize request: ")


def test_exception_becomes_plugin_error_logged_and_plugin_keeps_serving(harness: PluginHarness) -> None:
    rc, envelope = normalize(harness, "boom")
    assert rc == 1
    assert envelope["error"] == {"code": "plugin_error", "message": "RuntimeError: exploded"}
    (log,) = harness.host.calls_to("host.log")
    entry = log.json()
    assert entry["level"] == "error"
    # CPA prints the message but drops a "traceback" field: where it failed must be in the message.
    headline, *frames = entry["message"].split("\n")
    line = line_of(Normalizer.normalize_request, 'raise RuntimeError("exploded")')
    assert headline == f"request.normalize failed: RuntimeError: exploded at plugins.py:{line} in normalize_request"
    assert frames[0] == "Traceback (most recent call last):"
    assert not any("cpa_sdk" in frame for frame in frames), frames  # the dispatcher's frames are noise
    assert "Traceback" in entry["fields"]["traceback"] and "cpa_sdk" in entry["fields"]["traceback"]
    assert normalize(harness, "m")[1]["result"] == {"Body": base64.b64encode(b"x!").decode()}


def test_plugin_error_carries_code_and_http_status(harness: PluginHarness) -> None:
    rc, envelope = normalize(harness, "denied")
    assert rc == 0
    assert envelope == {"ok": False, "error": {"code": "denied", "message": "not today", "http_status": 403}}


def test_none_answers_empty_result(harness: PluginHarness) -> None:
    assert normalize(harness, "none") == (0, {"ok": True, "result": {}})


def test_wrong_return_type_is_an_error_not_a_crash(harness: PluginHarness) -> None:
    rc, envelope = normalize(harness, "wrong-type")
    assert rc == 1 and "expected PayloadResponse" in envelope["error"]["message"]


def test_host_callback_id_is_attached_to_host_calls_inside_a_call(harness: PluginHarness) -> None:
    # request.normalize carries no host_callback_id; management.handle-like methods do. The
    # Normalizer logs from a method without one, so the log has none.
    normalize(harness, "log")
    (log,) = harness.host.calls_to("host.log")
    assert log.json() == {"level": "warn", "message": "normalizing", "fields": {"model": "log"}}


def test_register_answers_the_registration(harness: PluginHarness) -> None:
    result = harness.call_raw("plugin.register", json.dumps({"config_yaml": "", "schema_version": 3}))
    assert result.rc == 0
    registration = result.result
    assert registration["schema_version"] == 1
    assert registration["capabilities"] == {"request_normalizer": True}
    assert registration["metadata"]["Name"] == "Normalizer"
    assert registration["metadata"]["GitHubRepository"] == "https://github.com/example/tests"
    assert [f["Name"] for f in registration["metadata"]["ConfigFields"]][:2] == ["flag", "mode"]


def test_bad_config_is_rc1_and_previous_config_stays(harness: PluginHarness) -> None:
    result = harness.call_raw(
        "plugin.reconfigure", {"config_yaml": base64.b64encode(b"limit: 0").decode(), "schema_version": 3}
    )
    assert result.rc == 1 and result.error["code"] == "plugin_error" and "limit" in result.error["message"]
    assert harness.plugin.config.text == "!"
    rejected = harness.call_raw(
        "plugin.reconfigure", {"config_yaml": base64.b64encode(b"text: reject").decode(), "schema_version": 3}
    )
    assert rejected.error == {"code": "bad_config", "message": "text must not be 'reject'"}
    assert harness.plugin.config.text == "!"


def test_reconfigure_resets_removed_keys_to_defaults(harness: PluginHarness) -> None:
    harness.reconfigure({"flag": True})
    assert harness.plugin.config.text == "" and harness.plugin.config.flag is True


def test_identical_reconfigure_is_answered_from_cache(harness: PluginHarness) -> None:
    plugin = harness.plugin
    before = len(plugin.configured)  # type: ignore[attr-defined]
    first = [harness.reconfigure({"text": "?"}) for _ in range(100)]
    assert all(r == first[0] for r in first)
    assert len(plugin.configured) == before + 1  # type: ignore[attr-defined]


def test_schema_is_the_lowest_covering_capped_by_the_host() -> None:
    with PluginHarness(Lifecycle) as h:
        assert h.register(schema_version=3).schema_version == 2
        assert h.reconfigure(schema_version=2).schema_version == 2
        old_host = h.call_raw("plugin.reconfigure", {"config_yaml": "", "schema_version": 1})
        assert old_host.rc == 1 and "requires host schema version 2 or newer" in old_host.error["message"]
    with PluginHarness(Picker) as h:
        assert h.register(schema_version=3).schema_version == 1


def test_plugin_shutdown_method_answers_empty_and_keeps_serving(harness: PluginHarness) -> None:
    assert harness.call_raw("plugin.shutdown").envelope == {"ok": True, "result": {}}
    assert normalize(harness, "m")[0] == 0


def test_unscripted_host_call_fails_the_test_with_the_call_named() -> None:
    from cpa_sdk.testing import UnexpectedHostCall

    host = FakeHost(strict_logs=True)
    with PluginHarness(Normalizer, host=host) as h:
        h.register()
        with pytest.raises(UnexpectedHostCall, match=r"unscripted host callback host\.log"):
            normalize(h, "log")


def test_host_callback_id_of_the_call_rides_on_its_host_callbacks() -> None:
    from cpa_sdk import ManagementAPI, Plugin
    from cpa_sdk.wire import HostModelExecutionRequest, ManagementRegistrationResponse, ManagementResponse
    from tests.sdk.plugins import META

    class Page(Plugin, ManagementAPI):
        plugin_id = name = "page"
        version, author, github_repository = META["version"], META["author"], META["github_repository"]

        def register_management(self, request):  # type: ignore[no-untyped-def]
            return ManagementRegistrationResponse()

        def handle_management(self, request):  # type: ignore[no-untyped-def]
            self.host.log("serving")
            self.host.http("GET", "https://example.com")
            self.host.model_execute(HostModelExecutionRequest(model="m"))
            self.host.auth_list()  # host.auth.* takes no callback id
            return ManagementResponse(status_code=200)

    host = FakeHost()
    host.on("host.http.do").on("host.model.execute").on("host.auth.list", {"files": []})
    with PluginHarness(Page, host=host) as h:
        h.call("management.handle", {"Path": "/x", "host_callback_id": "42"})
        h.call("management.handle", {"Path": "/x"})
    ids = [(c.method, c.json().get("host_callback_id")) for c in host.calls]
    assert ids == [
        ("host.log", "42"),
        ("host.http.do", "42"),
        ("host.model.execute", "42"),
        ("host.auth.list", None),
        ("host.log", None),
        ("host.http.do", None),
        ("host.model.execute", None),
        ("host.auth.list", None),
    ]


def test_call_result_assertion_helpers(harness: PluginHarness) -> None:
    ok = harness.call_raw("request.normalize", {"Model": "m", "Body": "YQ=="})
    assert ok.expect_ok() == {"Body": "YSE="}
    with pytest.raises(AssertionError, match="expected an error answer"):
        ok.expect_error()
    denied = harness.call_raw("request.normalize", {"Model": "denied"})
    assert denied.expect_error("denied", message="not today", http_status=403, rc=0)["code"] == "denied"
    with pytest.raises(AssertionError, match="expected error code 'other'"):
        denied.expect_error("other")
    with pytest.raises(AssertionError, match="expected rc 1"):
        denied.expect_error(rc=1)
    with pytest.raises(AssertionError, match="expected an ok answer"):
        denied.expect_ok()


def test_raise_errors_lets_a_plugin_bug_fail_the_test_with_its_traceback() -> None:
    harness = PluginHarness(Normalizer, raise_errors=True)
    harness.register({"text": "!"})
    with pytest.raises(RuntimeError, match="exploded"):
        normalize(harness, "boom")
    assert normalize(harness, "denied")[1]["error"]["code"] == "denied"  # PluginError is an answer still
    assert harness.host.calls_to("host.log") == []


def test_raise_errors_needs_the_class() -> None:
    with pytest.raises(ValueError, match="raise_errors needs the plugin class"):
        PluginHarness("/nonexistent/plugin.so", raise_errors=True)
