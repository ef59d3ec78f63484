"""auth against the golden vectors of the generated ``auth`` example."""

from __future__ import annotations

import json
from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.auth import AuthExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "auth", AuthExample)


def test_login_completes_at_once_with_the_stored_token() -> None:
    with PluginHarness(AuthExample) as harness:
        harness.register({"enabled": True})
        started = harness.call("auth.login.start", {"Provider": "example-auth-python"})
        polled = harness.call("auth.login.poll", {"State": started.state})
    assert (started.state, started.expires_at.isoformat()) == ("example-state", "2030-01-01T00:00:00+00:00")
    assert polled.status == "success"
    assert json.loads(polled.auth.storage_json) == {"type": "example-auth-python", "token": "example-token"}
    assert polled.auth.file_name == "example-auth-python.json"
