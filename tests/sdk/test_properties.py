"""Whatever bytes reach any method, the answer is one valid envelope and nothing raises."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from cpa_sdk.capabilities import wire_methods_by_name
from cpa_sdk.dispatch import Dispatcher
from cpa_sdk.testing import FakeHost
from tests.sdk.everything import Everything

METHODS = sorted([*wire_methods_by_name(), "plugin.register", "plugin.reconfigure", "plugin.shutdown", "no.such"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=20,
)

# Keys the host really uses, so that random values land on real fields too.
KEYS = sorted(
    {
        "Body",
        "Model",
        "Payload",
        "Headers",
        "Candidates",
        "ChunkIndex",
        "config_yaml",
        "schema_version",
        "stream_id",
        "host_callback_id",
        "Metadata",
        "StorageJSON",
        "HistoryChunks",
        "Config",
        "Flags",
        "Method",
    }
)
objects = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), json_values, max_size=6)


def dispatcher() -> Dispatcher:
    host = FakeHost()
    host.on("host.stream.emit")
    host.on("host.stream.close")
    return Dispatcher(Everything, host)


def check_envelope(rc: int, raw: bytes) -> None:
    assert rc in (0, 1)
    envelope: Any = json.loads(raw)  # one JSON value, nothing trailing
    assert isinstance(envelope, dict) and isinstance(envelope["ok"], bool)
    if not envelope["ok"]:
        assert isinstance(envelope["error"]["message"], str) and envelope["error"]["message"]
        assert isinstance(envelope["error"]["code"], str)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(METHODS), raw=st.binary(max_size=200))
def test_random_bytes(method: str, raw: bytes) -> None:
    check_envelope(*dispatcher().call(method, raw))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(METHODS), value=objects | json_values)
def test_random_json(method: str, value: Any) -> None:
    check_envelope(*dispatcher().call(method, json.dumps(value).encode()))
