"""codex-service-tier against the upstream golden vectors, plus the sjson edits they imply."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from cpa_sdk.json_edit import set_top_level_string
from cpa_sdk.testing import PluginHarness
from reference_plugins.codex_service_tier import CodexServiceTier
from tests.reference.golden import replay_port

# Upstream writes garbage for a body of "{" (sjson does not validate); the port leaves it alone.
UPSTREAM_BUG_BODY = "ew=="


def test_golden_vectors(golden: dict[str, Any]) -> None:
    # codex_service_tier_go less the UPSTREAM_BUG_BODY vector (golden.DIFFERING)
    replay_port(golden, "codex-service-tier", CodexServiceTier)


def test_invalid_json_body_is_left_unchanged() -> None:
    with PluginHarness(CodexServiceTier) as harness:
        harness.register({"fast": True})
        result = harness.call("request.normalize", {"ToFormat": "codex", "Model": "gpt-5.5", "Body": UPSTREAM_BUG_BODY})
        assert result.body == b"{"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"model":"gpt-5.5","input":"hi"}', b'{"model":"gpt-5.5","input":"hi","service_tier":"priority"}'),
        (b'{ "model" : "gpt-5.5" , "service_tier":"auto"}', b'{ "model" : "gpt-5.5" , "service_tier":"priority"}'),
        (b"{}", b'{"service_tier":"priority"}'),
        # sjson keeps everything up to the closing brace, whitespace included
        (b"{ }", b'{ "service_tier":"priority"}'),
        (None, b'{"service_tier":"priority"}'),
        (b'"str"', b'{"service_tier":"priority"}'),
        (b"[1,2]", None),
        (b"{", None),
        (b'{\n  "a": 1\n}\n', b'{\n  "a": 1\n,"service_tier":"priority"}'),
        # the key inside a nested object is not the top-level key: append, keep the nested one
        (b'{"meta":{"service_tier":"x"},"n":1}', b'{"meta":{"service_tier":"x"},"n":1,"service_tier":"priority"}'),
        # the key as a string value, not a key
        (b'{"note":"service_tier","z":[1]}', b'{"note":"service_tier","z":[1],"service_tier":"priority"}'),
        ('{"ü":"é","service_tier":1}'.encode(), '{"ü":"é","service_tier":"priority"}'.encode()),
    ],
)
def test_sjson_style_edit(body: bytes | None, expected: bytes | None) -> None:
    assert set_top_level_string(body, "service_tier", "priority") == expected


def test_benchmark_body_changes_only_service_tier(golden: dict[str, Any]) -> None:
    from tests.conftest import SHARED

    body = (SHARED / "vectors" / "bench-responses-body.json").read_bytes()
    with PluginHarness(CodexServiceTier) as harness:
        harness.register("fast: true\n")
        request = {"ToFormat": "codex", "Model": "gpt-5.5", "Body": base64.b64encode(body).decode()}
        edited = harness.call("request.normalize", request).body
    assert edited == body.rstrip()[:-1] + b',"service_tier":"priority"}'
