"""management-api against the golden vectors of the generated ``management-api`` example."""

from __future__ import annotations

from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.management_api import ManagementAPIExample
from tests.reference.golden import replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    replay_generated(golden, "management-api", ManagementAPIExample)


def test_resource_description_names_the_path_cpa_serves() -> None:
    with PluginHarness(ManagementAPIExample) as harness:
        harness.register({"enabled": True})
        base = "/v0/resource/plugins/renamed-by-the-user"
        registered = harness.call(
            "management.register", {"BasePath": "/v0/management", "ResourceBasePath": base}
        ).resources
        page = harness.call("management.handle", {"Method": "GET", "Path": f"{base}/status"})
    assert [(r.path, r.menu, r.description) for r in registered] == [
        ("/status", "Management API", f"CPA exposes this menu resource under {base}/status.")
    ]
    assert (page.status_code, page.headers) == (200, {"content-type": ["text/html; charset=utf-8"]})
    assert page.body == b"<!doctype html><title>Management API</title><main>Management API resource</main>"
