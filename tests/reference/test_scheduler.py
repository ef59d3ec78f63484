"""scheduler against the upstream golden vectors."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.scheduler import SchedulerExample
from tests.reference.golden import replay_port


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_port(golden, "scheduler", SchedulerExample)  # scheduler_go


def test_registration_matches_upstream_config_fields() -> None:
    registration = SchedulerExample.metadata()
    fields = {f.name: (f.type, f.enum_values) for f in registration.config_fields or []}
    assert fields == {
        "auth_id": ("string", None),
        "delegate": ("enum", ["", "fill-first", "round-robin"]),
        "deny": ("boolean", None),
    }


def test_bad_config_keeps_the_previous_one_and_reconfigure_resets_the_rest() -> None:
    pick = {"Candidates": [{"ID": "a1"}, {"ID": "a2"}]}
    with PluginHarness(SchedulerExample) as harness:
        harness.register("auth_id: a2\ndeny: true\n")
        assert harness.call_raw("scheduler.pick", pick).error == {
            "code": "scheduler_denied",
            "message": "scheduler pick denied by plugin configuration",
        }
        rejected = harness.call_raw("plugin.reconfigure", {"config_yaml": "ZGVueTogWzFdCg==", "schema_version": 3})
        assert (rejected.rc, (rejected.error or {}).get("code")) == (1, "plugin_error")  # deny: [1]
        assert harness.call_raw("scheduler.pick", pick).error is not None  # still denying
        harness.reconfigure("auth_id: a2\n")  # deny is back to its default
        answer = harness.call("scheduler.pick", pick)
    assert (answer.handled, answer.auth_id) == (True, "a2")
