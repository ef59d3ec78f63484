"""The typed host client sends exactly the payloads CPA expects and surfaces host errors."""

from __future__ import annotations

import base64
import logging

import pytest

from cpa_sdk import HostError, HostLogHandler, HostUnavailableError
from cpa_sdk.host import Host, _callback_id
from cpa_sdk.testing import FakeHost
from cpa_sdk.wire import HostModelExecutionRequest, HostModelStreamReadResponse


@pytest.fixture
def fake() -> FakeHost:
    return FakeHost(strict_logs=True)


@pytest.fixture
def host(fake: FakeHost) -> Host:
    return Host(fake)


def test_log_sends_level_message_fields_and_callback_id(fake: FakeHost, host: Host) -> None:
    fake.on("host.log")
    token = _callback_id.set("42")
    try:
        host.log("hello", level="warn", plugin="p")
    finally:
        _callback_id.reset(token)
    assert fake.calls[0].json() == {
        "host_callback_id": "42",
        "level": "warn",
        "message": "hello",
        "fields": {"plugin": "p"},
    }


def test_log_never_raises(fake: FakeHost, host: Host) -> None:
    fake.on("host.log", error="log sink down")
    host.log("still fine")


def test_http_do_payload_and_result(fake: FakeHost, host: Host) -> None:
    fake.on("host.http.do", {"StatusCode": 404, "Headers": {"Content-Type": ["a"]}, "Body": "b2s="})
    response = host.http("GET", "https://example.com", headers={"user-agent": ["x"]})
    assert fake.calls[0].json() == {"method": "GET", "url": "https://example.com", "headers": {"user-agent": ["x"]}}
    assert (response.status_code, response.headers, response.body) == (404, {"Content-Type": ["a"]}, b"ok")


def test_host_error_envelope_raises_with_the_host_message(fake: FakeHost, host: Host) -> None:
    fake.on("host.auth.get", error="auth not found for auth_index x")
    with pytest.raises(HostError, match="auth not found for auth_index x") as info:
        host.auth_get("x")
    assert info.value.code == "host_call_failed" and info.value.method == "host.auth.get"


def test_rc1_without_response_is_host_unavailable() -> None:
    host = Host(lambda method, request: (1, b""))
    with pytest.raises(HostUnavailableError):
        host.auth_list()


def test_http_stream_reads_until_done_and_closes_early(fake: FakeHost, host: Host) -> None:
    fake.on("host.http.do_stream", {"status_code": 200, "stream_id": "5"})
    fake.on_each("host.http.stream_read", [{"payload": "YWJj"}, {"payload": "ZGVm"}, {"done": True}])
    with host.http_stream("GET", "https://x") as stream:
        assert stream.status_code == 200
        assert list(stream) == [b"abc", b"def"]
    assert fake.calls_to("host.http.stream_close") == []  # EOF closed it host-side

    fake.on("host.http.stream_read", {"payload": "YWJj"})
    fake.on("host.http.stream_close")
    with host.http_stream("GET", "https://x") as stream:
        for chunk in stream:
            break
    assert [c.json() for c in fake.calls_to("host.http.stream_close")] == [{"stream_id": "5"}]


def test_model_stream_reads_payloads_raises_errors_and_closes(fake: FakeHost, host: Host) -> None:
    fake.on("host.model.execute_stream", {"status_code": 200, "stream_id": "s-9"})
    fake.on_each(
        "host.model.stream_read",
        [HostModelStreamReadResponse(payload=b"data: 1\n\n"), HostModelStreamReadResponse(done=True)],
    )
    fake.on("host.model.stream_close")
    request = HostModelExecutionRequest(entry_protocol="openai", model="m", body=b"{}")
    with host.model_stream(request) as stream:
        assert list(stream) == [b"data: 1\n\n"]
    sent = fake.calls_to("host.model.execute_stream")[0].json()
    assert sent["stream"] is True and sent["body"] == base64.b64encode(b"{}").decode()
    assert fake.calls_to("host.model.stream_close")[0].json() == {"stream_id": "s-9"}

    fake.on("host.model.stream_read", {"payload": None, "error": "upstream 429", "done": True})
    with pytest.raises(HostError, match="upstream 429"), host.model_stream(request, implicit_close=True) as stream:
        list(stream)
    assert len(fake.calls_to("host.model.stream_close")) == 1  # implicit close sends none


def test_model_execute_forces_stream_false_and_attaches_callback_id(fake: FakeHost, host: Host) -> None:
    fake.on("host.model.execute", {"status_code": 200, "body": "e30="})
    token = _callback_id.set("4")
    try:
        result = host.model_execute(HostModelExecutionRequest(model="m", stream=True))
    finally:
        _callback_id.reset(token)
    assert fake.calls[0].json() == {"model": "m", "host_callback_id": "4"}
    assert result.body == b"{}"


def test_auth_calls(fake: FakeHost, host: Host) -> None:
    fake.on("host.auth.list", {"files": [{"name": "a.json", "auth_index": "1", "modtime": "0001-01-01T00:00:00Z"}]})
    fake.on("host.auth.get_runtime", {"auth": {"name": "a.json", "disabled": True}})
    fake.on("host.auth.save", {"name": "a.json", "path": "/auths/a.json"})
    assert [(f.name, f.auth_index, f.modtime) for f in host.auth_list()] == [("a.json", "1", None)]
    assert host.auth_get_runtime("1").disabled is True
    assert host.auth_save("a.json", {"type": "x"}).path == "/auths/a.json"
    assert fake.calls_to("host.auth.save")[0].json() == {"name": "a.json", "json": {"type": "x"}}


def test_logging_handler_forwards_records(fake: FakeHost, host: Host) -> None:
    fake.on("host.log")
    logger = logging.getLogger("cpa-test-plugin")
    logger.addHandler(HostLogHandler(host))
    logger.setLevel(logging.DEBUG)
    logger.warning("careful %s", "now", extra={"fields": {"k": 1}})
    assert fake.calls[0].json() == {
        "level": "warn",
        "message": "careful now",
        "fields": {"logger": "cpa-test-plugin", "k": 1},
    }
