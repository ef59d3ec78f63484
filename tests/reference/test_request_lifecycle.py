"""request-lifecycle against the upstream golden vectors and upstream's Go tests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cpa_sdk.testing import PluginHarness
from cpa_sdk.wire import RequestInterceptRequest
from reference_plugins.request_lifecycle import RequestLifecycle
from tests.reference.golden import replay_port

MODEL_BODY = {"model": "test"}


def intercept(harness: PluginHarness, request_id: str, body: Any) -> Any:
    request = RequestInterceptRequest(request_id=request_id, body=json.dumps(body).encode())
    return harness.call("request.intercept_before", request)


def test_golden_vectors(golden: dict[str, Any]) -> None:
    # request_lifecycle_go less the request without an ID (golden.DIFFERING: rc 0, not 1), the
    # schema-2 registration answered with schema 2 (golden._registration_at_host_schema)
    replay_port(golden, "request-lifecycle", RequestLifecycle)


def test_a_schema_2_host_gets_a_schema_2_registration() -> None:
    with PluginHarness(RequestLifecycle) as harness:
        answer = harness.call_raw("plugin.register", {"schema_version": 2})
    assert answer.result["schema_version"] == 2


def test_request_without_id_is_refused() -> None:
    with PluginHarness(RequestLifecycle) as harness:
        harness.register({})
        result = harness.call_raw("request.intercept_before", {"Body": "e30="})
    assert result.error == {"code": "plugin_error", "message": "request ID is required"}


@pytest.mark.parametrize("request_body", [{}, {"schema_version": 1}, {"config_yaml": None, "schema_version": 1}])
def test_configure_rejects_legacy_host_schema(request_body: dict[str, Any]) -> None:
    # TestConfigureRejectsLegacyHostSchema
    with PluginHarness(RequestLifecycle) as harness:
        result = harness.call_raw("plugin.register", request_body)
    assert result.rc == 1
    assert result.error is not None and "requires host schema version 2 or newer" in result.error["message"]


def test_concurrency_slot_released_by_completion() -> None:
    # TestConcurrencySlotReleasedByCompletion
    with PluginHarness(RequestLifecycle) as harness:
        harness.register({"max_concurrency": 1, "reject_keyword": ""})
        assert not intercept(harness, "first", MODEL_BODY).terminate
        second = intercept(harness, "second", MODEL_BODY)
        assert (second.terminate, second.status_code) == (True, 429)
        completed = harness.call_raw("request.complete", {"RequestID": "first", "Outcome": "succeeded"})
        assert completed.rc == 0 and completed.raw
        assert not intercept(harness, "third", MODEL_BODY).terminate


def test_policy_termination_returns_custom_response() -> None:
    # TestPolicyTerminationReturnsCustomResponse
    with PluginHarness(RequestLifecycle) as harness:
        harness.register({"max_concurrency": 1, "reject_keyword": "blocked"})
        response = intercept(harness, "blocked", {"prompt": "blocked"})
    assert (response.terminate, response.status_code) == (True, 403)
    assert response.response_headers == {"Content-Type": ["application/json"]}
    assert json.loads(response.response_body) == {
        "error": {"message": "request blocked by plugin policy", "type": "plugin_request_rejected"}
    }


def test_duplicate_and_unknown_completions_never_free_a_slot_twice() -> None:
    with PluginHarness(RequestLifecycle) as harness:
        harness.register({"max_concurrency": 2})
        assert not intercept(harness, "a", MODEL_BODY).terminate
        assert not intercept(harness, "b", MODEL_BODY).terminate
        for request_id in ("a", "a", "never-admitted", "rejected-elsewhere"):
            harness.call("request.complete", {"RequestID": request_id, "Outcome": "succeeded"})
        assert not intercept(harness, "c", MODEL_BODY).terminate  # a's slot
        assert intercept(harness, "d", MODEL_BODY).status_code == 429  # b and c hold both


def test_an_admitted_request_asked_again_passes_even_when_full_or_matching() -> None:
    with PluginHarness(RequestLifecycle) as harness:
        harness.register({"max_concurrency": 1, "reject_keyword": "secret"})
        assert not intercept(harness, "a", {"model": "m"}).terminate
        again = intercept(harness, "a", {"prompt": "secret"})
    assert not again.terminate and json.loads(again.body) == {"prompt": "secret"}


def test_reconfigure_keeps_requests_in_flight_and_shutdown_forgets_them() -> None:
    with PluginHarness(RequestLifecycle) as harness:
        harness.register({"max_concurrency": 2})
        intercept(harness, "a", MODEL_BODY)
        intercept(harness, "b", MODEL_BODY)
        harness.reconfigure({"max_concurrency": 1})
        assert intercept(harness, "c", MODEL_BODY).status_code == 429
        harness.call("request.complete", {"RequestID": "a"})
        assert intercept(harness, "c", MODEL_BODY).status_code == 429  # b still holds the only slot
        harness.plugin.on_shutdown()
        assert not intercept(harness, "c", MODEL_BODY).terminate


def test_invalid_config_keeps_the_previous_one() -> None:
    with PluginHarness(RequestLifecycle) as harness:
        harness.register({"max_concurrency": 1})
        rejected = harness.call_raw(
            "plugin.reconfigure", {"config_yaml": "bWF4X2NvbmN1cnJlbmN5OiAwCg==", "schema_version": 3}
        )
        assert (
            rejected.error is not None
            and "max_concurrency: Value error, must be greater than zero" in rejected.error["message"]
        )
        intercept(harness, "a", MODEL_BODY)
        assert intercept(harness, "b", MODEL_BODY).status_code == 429
