"""RequestInterceptor.fail_closed: a failing policy stops the request instead of letting it by.

CPA passes a request on when its interceptor answers an error (it fails open); with
``fail_closed`` the SDK answers ``Terminate`` itself, which CPA writes to the client.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from cpa_sdk import Plugin, PluginError, RequestInterceptor
from cpa_sdk.testing import PluginHarness
from cpa_sdk.wire import RequestInterceptRequest, RequestInterceptResponse
from tests.sdk.plugins import META


class Policy(Plugin, RequestInterceptor):
    plugin_id = name = "policy"
    version, author, github_repository = META["version"], META["author"], META["github_repository"]
    fail_closed = True

    def intercept_request_before(self, request: RequestInterceptRequest) -> RequestInterceptResponse | None:
        body = request.body or b""
        if b"refuse" in body:
            raise PluginError("policy_refused", "no, thank you", http_status=451)
        if b"status-less" in body:
            raise PluginError("policy_refused", "no status")
        if b"bug" in body:
            raise RuntimeError("policy bug")
        return None


class OpenPolicy(Policy):
    plugin_id = name = "open-policy"
    fail_closed = False


def intercept(plugin: type[Plugin[Any]], body: bytes | str, method: str = "request.intercept_before") -> dict[str, Any]:
    harness = PluginHarness(plugin)
    harness.register()
    payload = body if isinstance(body, str) else json.dumps({"Body": base64.b64encode(body).decode()})
    result = harness.call_raw(method, payload)
    assert result.rc == 0 or plugin is OpenPolicy, result.envelope
    return {"envelope": result.envelope, "logs": [call.json() for call in harness.host.calls_to("host.log")]}


def terminated(answer: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    result = answer["envelope"]["result"]
    assert result["Terminate"] is True and result["ResponseHeaders"] == {"Content-Type": ["application/json"]}
    return result["StatusCode"], json.loads(base64.b64decode(result["ResponseBody"]))


def test_a_plugin_error_becomes_its_status_with_its_code_and_message() -> None:
    assert terminated(intercept(Policy, b"refuse")) == (
        451,
        {"error": {"message": "no, thank you", "type": "policy_refused"}},
    )


def test_a_plugin_error_without_a_status_is_503() -> None:
    assert terminated(intercept(Policy, b"status-less"))[0] == 503


def test_an_unexpected_exception_is_503_and_logged_with_where() -> None:
    answer = intercept(Policy, b"bug")
    status, body = terminated(answer)
    assert (status, body["error"]["type"]) == (503, "plugin_error")
    assert body["error"]["message"] == "request refused: plugin policy failed"  # no internals to the client
    (log,) = answer["logs"]
    assert log["level"] == "error" and "RuntimeError: policy bug at test_fail_closed.py:" in log["message"]


@pytest.mark.parametrize("method", ["request.intercept_before", "request.intercept_after"])
def test_an_undecodable_request_is_refused_too(method: str) -> None:
    assert terminated(intercept(Policy, '{"Body": 3}', method))[0] == 503


def test_requests_the_policy_accepts_go_on() -> None:
    assert intercept(Policy, b"fine")["envelope"] == {"ok": True, "result": {}}


@pytest.mark.parametrize("body", [b"refuse", b"bug"])
def test_by_default_failures_are_error_answers_so_cpa_lets_the_request_through(body: bytes) -> None:
    envelope = intercept(OpenPolicy, body)["envelope"]
    assert envelope["ok"] is False and "result" not in envelope
