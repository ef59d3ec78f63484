"""frontend-auth-exclusive against the golden vectors of the Go example."""

from __future__ import annotations

from typing import Any

import pytest

from cpa_sdk.testing import PluginHarness
from reference_plugins.frontend_auth_exclusive import FrontendAuthExclusiveExample
from tests.reference.golden import replay_port


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_port(golden, "frontend-auth-exclusive", FrontendAuthExclusiveExample)  # frontend_auth_exclusive_go


def test_registers_as_the_exclusive_provider() -> None:
    flags = FrontendAuthExclusiveExample.capability_flags()
    assert (flags.frontend_auth_provider, flags.frontend_auth_provider_exclusive) == (True, True)


@pytest.mark.parametrize(
    ("headers", "authenticated"),
    [
        ({"X-Example-Frontend-Auth": ["exclusive"]}, True),
        ({"X-Example-Frontend-Auth": ["exclusive", "other"]}, True),
        ({"X-Example-Frontend-Auth": ["other", "exclusive"]}, False),  # only the first value counts
        ({"X-Example-Frontend-Auth": []}, False),
        ({"Authorization": ["Bearer exclusive"]}, False),
        (None, False),
    ],
)
def test_only_the_first_header_value_exclusive_authenticates(headers: Any, authenticated: bool) -> None:
    with PluginHarness(FrontendAuthExclusiveExample) as harness:
        harness.register({"enabled": True})
        answer = harness.call("frontend_auth.authenticate", {"Method": "GET", "Path": "/v1/models", "Headers": headers})
    assert answer.authenticated is authenticated
    assert answer.principal == ("example-frontend-auth-exclusive-go" if authenticated else "")
