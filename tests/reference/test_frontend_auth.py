"""frontend-auth against the golden vectors of the generated ``frontend-auth`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.frontend_auth import FrontendAuthExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "frontend-auth", FrontendAuthExample)


def test_any_request_is_authenticated_but_not_exclusively() -> None:
    assert FrontendAuthExample.capability_flags().frontend_auth_provider_exclusive is False
    with PluginHarness(FrontendAuthExample) as harness:
        harness.register({"enabled": True})
        answer = harness.call("frontend_auth.authenticate", {"Method": "POST", "Path": "/v1/chat/completions"})
    assert (answer.authenticated, answer.principal) == (True, "example-frontend-auth-python")
