"""cpa_sdk.termination: the one interceptor answer that stops a request in CPA, byte for byte.

CPA fails open on interceptor errors (``pluginhost: request interceptor <id> failed``, and the
request goes on); only ``Terminate`` with a status stops it, and CPA writes ``StatusCode``,
``ResponseHeaders`` and ``ResponseBody`` to the client unchanged.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, strategies as st

from cpa_sdk import Plugin, PluginError, RequestInterceptor
from cpa_sdk.termination import pass_through, reject, terminate
from cpa_sdk.testing import PluginHarness
from cpa_sdk.wire import RequestInterceptRequest, RequestInterceptResponse, encode


def wire(answer: RequestInterceptResponse) -> dict[str, Any]:
    """The answer as CPA's Go code decodes it: Go JSON names, zero values left out."""
    decoded: dict[str, Any] = json.loads(encode(answer))
    return decoded


def body_of(answer: dict[str, Any]) -> bytes:
    return base64.b64decode(answer["ResponseBody"], validate=True)


# ---------------------------------------------------------------------------------------------
# terminate


def test_terminate_sends_status_headers_and_body_under_go_names() -> None:
    answer = terminate(451, b"unavailable", headers={"X-Reason": "legal", "Vary": ["A", "B"]})
    assert wire(answer) == {
        "Terminate": True,
        "StatusCode": 451,
        "ResponseHeaders": {"X-Reason": ["legal"], "Vary": ["A", "B"]},
        "ResponseBody": base64.b64encode(b"unavailable").decode(),
    }


def test_terminate_touches_neither_the_request_headers_nor_its_body() -> None:
    # Headers, Body and ClearHeaders would edit the upstream request, which never goes out
    assert wire(terminate(204)) == {"Terminate": True, "StatusCode": 204}


def test_a_str_body_is_sent_as_utf8() -> None:
    assert body_of(wire(terminate(400, "naïve ✓"))) == "naïve ✓".encode()


def test_content_type_replaces_any_spelling_of_the_header() -> None:
    answer = terminate(200, "{}", headers={"content-TYPE": "text/plain", "X-A": "1"}, content_type="application/json")
    assert answer.response_headers == {"X-A": ["1"], "Content-Type": ["application/json"]}


def test_header_values_are_copied_not_shared() -> None:
    values = ["a"]
    answer = terminate(403, headers={"X-List": values})
    values.append("b")
    assert answer.response_headers == {"X-List": ["a"]}


@pytest.mark.parametrize("status", [200, 403, 429, 599])
def test_every_status_cpa_honours_is_accepted(status: int) -> None:
    assert terminate(status).status_code == status


@pytest.mark.parametrize("status", [0, 199, 600, -403, True, 403.0, "403"])
def test_a_status_cpa_would_turn_into_403_is_refused(status: object) -> None:
    with pytest.raises(ValueError, match="200..599"):
        terminate(status)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# reject


def test_reject_sends_an_openai_style_json_error() -> None:
    answer = wire(reject(403, "request blocked by policy"))
    assert answer["Terminate"] is True and answer["StatusCode"] == 403
    assert answer["ResponseHeaders"] == {"Content-Type": ["application/json"]}
    assert body_of(answer) == b'{"error":{"message":"request blocked by policy","type":"plugin_request_rejected"}}'


def test_reject_429_keeps_retry_after_beside_the_content_type() -> None:
    answer = wire(reject(429, "too many requests in flight", headers={"Retry-After": "1"}))
    assert answer["StatusCode"] == 429
    assert answer["ResponseHeaders"] == {"Retry-After": ["1"], "Content-Type": ["application/json"]}
    assert json.loads(body_of(answer))["error"]["message"] == "too many requests in flight"


def test_reject_body_is_always_json_whatever_content_type_the_caller_passed() -> None:
    answer = reject(400, "bad", headers={"content-type": "text/html"}, error_type="invalid_request_error")
    assert answer.response_headers == {"Content-Type": ["application/json"]}
    assert json.loads(answer.response_body or b"") == {"error": {"message": "bad", "type": "invalid_request_error"}}


def test_reject_writes_non_ascii_messages_as_utf8_not_escapes() -> None:
    assert "überlastet".encode() in (reject(503, "überlastet").response_body or b"")


@given(status=st.integers(200, 599), message=st.text(), error_type=st.text(min_size=1))
def test_reject_round_trips_any_message(status: int, message: str, error_type: str) -> None:
    answer = wire(reject(status, message, error_type=error_type))
    assert answer["StatusCode"] == status
    assert json.loads(body_of(answer)) == {"error": {"message": message, "type": error_type}}


# ---------------------------------------------------------------------------------------------
# pass_through


def test_pass_through_echoes_headers_and_body_and_terminates_nothing() -> None:
    request = RequestInterceptRequest(request_id="r1", headers={"Authorization": ["Bearer x"]}, body=b'{"model":"gpt"}')
    assert wire(pass_through(request)) == {
        "Headers": {"Authorization": ["Bearer x"]},
        "Body": base64.b64encode(b'{"model":"gpt"}').decode(),
    }


def test_pass_through_of_an_empty_request_is_the_empty_answer() -> None:
    assert encode(pass_through(RequestInterceptRequest())) == b"{}"


# ---------------------------------------------------------------------------------------------
# through the plugin boundary, as CPA sees it


class Guard(Plugin, RequestInterceptor):
    plugin_id = name = "guard"
    version = "0.1.0"
    author = "tests"
    github_repository = "https://github.com/example/guard"

    def intercept_request_before(self, request: RequestInterceptRequest) -> RequestInterceptResponse | None:
        body = request.body or b""
        if b"forbidden" in body:
            return reject(403, "blocked")
        if b"raise" in body:
            raise PluginError("plugin_error", "blocked")  # CPA logs this and sends the request on
        return pass_through(request)


def intercept(body: bytes) -> Any:
    with PluginHarness(Guard) as harness:
        harness.register()
        return harness.call_raw("request.intercept_before", RequestInterceptRequest(request_id="r1", body=body))


def test_a_rejecting_interceptor_answers_ok_with_terminate() -> None:
    answer = intercept(b'{"prompt":"forbidden"}')
    assert answer.rc == 0
    assert answer.envelope == {
        "ok": True,
        "result": {
            "Terminate": True,
            "StatusCode": 403,
            "ResponseHeaders": {"Content-Type": ["application/json"]},
            "ResponseBody": base64.b64encode(
                b'{"error":{"message":"blocked","type":"plugin_request_rejected"}}'
            ).decode(),
        },
    }


def test_raising_instead_gives_an_error_envelope_that_terminates_nothing() -> None:
    # the contrast the helpers exist for: CPA skips this plugin's answer and fails open
    answer = intercept(b'{"prompt":"raise"}')
    assert answer.envelope == {"ok": False, "error": {"code": "plugin_error", "message": "blocked"}}
    assert "Terminate" not in answer.raw.decode()


def test_a_passing_interceptor_echoes_the_request() -> None:
    answer = intercept(b'{"prompt":"fine"}')
    assert answer.result == {"Body": base64.b64encode(b'{"prompt":"fine"}').decode()}
