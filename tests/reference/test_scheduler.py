"""scheduler against the upstream golden vectors."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.scheduler import SchedulerExample
from tests.reference.golden import replay


def test_golden_vectors(golden: dict[str, Any]) -> None:
    with PluginHarness(SchedulerExample) as harness:
        assert replay(harness, golden["scheduler_go"]) == len(golden["scheduler_go"])


def test_registration_matches_upstream_config_fields() -> None:
    registration = SchedulerExample.metadata()
    fields = {f.name: (f.type, f.enum_values) for f in registration.config_fields or []}
    assert fields == {
        "auth_id": ("string", None),
        "delegate": ("enum", ["", "fill-first", "round-robin"]),
        "deny": ("boolean", None),
    }
