"""Property: whatever a plugin builds, ``decode(cls, encode(model))`` gives it back unchanged."""

from __future__ import annotations

import pytest
from _wire_support import MODELS, model_strategy, parse
from hypothesis import HealthCheck, given, settings, strategies as st

from cpa_sdk.wire import decode, encode
from cpa_sdk.wire._go import GoModel


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_encode_decode_round_trip(cls: type[GoModel], data: st.DataObject) -> None:
    instance = data.draw(model_strategy(cls))
    encoded = encode(instance)
    assert decode(cls, encoded) == instance
    assert encode(decode(cls, encoded)) == encoded
    # encode() leaves out exactly the Go zero values, at the top level.
    top = parse(encoded)
    for name, info in cls.model_fields.items():
        holds_default = getattr(instance, name) == info.get_default(call_default_factory=True)
        assert (info.alias in top) != holds_default, name
