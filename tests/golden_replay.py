"""Replay golden vectors against a plugin and compare the way CPA reads answers.

Rule (issue "reference_plugins"): equal as JSON after decoding, a missing field equals Go's zero
value; byte fields compare exactly (their base64 text must match); return codes match exactly;
error codes match, and messages too unless they are Go library text (``plugin_error``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cpa_sdk.testing import PluginHarness, assert_wire_equal


def replay(harness: PluginHarness, vectors: Iterable[Mapping[str, Any]], *, rewrite: Callable[[str], str] = lambda s: s) -> int:
    """Replay every vector in order; returns how many ran."""
    count = 0
    for index, vector in enumerate(vectors):
        result = harness.call_raw(vector["method"], rewrite(vector["req"]).encode())
        where = f"vector {index} ({vector['method']} {vector['req'][:80]!r})"
        assert result.rc == vector["rc"], f"{where}: rc {result.rc} != {vector['rc']}: {result.raw!r}"
        expected = json.loads(rewrite(vector["out"]))
        actual = result.envelope
        assert actual.get("ok", False) == expected.get("ok", False), f"{where}: {result.raw!r} vs {vector['out']}"
        if expected.get("ok"):
            try:
                assert_wire_equal(actual.get("result"), expected.get("result"))
            except AssertionError as exc:
                raise AssertionError(f"{where}: {exc}") from None
        else:
            assert actual["error"]["code"] == expected["error"]["code"], f"{where}: {actual} vs {expected}"
            if expected["error"]["code"] != "plugin_error":
                assert actual["error"]["message"] == expected["error"]["message"], where
        if "host_calls" in vector:
            recorded = [(c.method, c.json()) for c in harness.host.calls if c.method != "host.log"]
            wanted = [(c["method"], json.loads(c["req"]) if c["req"] else None) for c in vector["host_calls"]]
            assert recorded == wanted, f"{where}: host calls {recorded} != {wanted}"
            harness.host.calls.clear()
        count += 1
    return count
