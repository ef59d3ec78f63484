"""host-callback against the golden vectors of the generated ``host-callback`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import FakeHost, PluginHarness
from reference_plugins.host_callback import HOST_CALLBACKS, HostCallbackExample
from tests.reference.golden import replay_generated


def test_golden_vectors_and_host_calls(golden: dict[str, Any]) -> None:
    # host.log and host.http.do answered as golden.HOST_REPLIES says
    harness = replay_generated(golden, "host-callback", HostCallbackExample)
    assert tuple(harness.host.methods()) == HOST_CALLBACKS


def test_host_failures_do_not_change_the_page() -> None:
    host = FakeHost(strict_logs=True)
    host.on("host.log", error="log sink gone").on("host.http.do", error="dial tcp: connection refused")
    with PluginHarness(HostCallbackExample, host=host) as harness:
        harness.register({"enabled": True})
        page = harness.call("management.handle", {"Method": "GET", "Path": "/status", "host_callback_id": "7"})
    assert page.body == b"<!doctype html><title>Host Callback</title><main>Host Callback resource</main>"
    log, fetch = host.calls
    assert log.json() == {
        "host_callback_id": "7",
        "level": "info",
        "message": "example-host-callback-python host callback log",
        "fields": {"plugin": "example-host-callback-python"},
    }
    assert fetch.json() == {
        "host_callback_id": "7",
        "method": "GET",
        "url": "https://example.com",
        "headers": {"user-agent": ["example-host-callback-python"]},
    }
