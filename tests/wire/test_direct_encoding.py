"""``encode`` writes payload answers without pydantic's serializer (``_DirectPlan``): it must give
the serializer's bytes exactly, and step aside whenever the model holds more than its payload."""

from __future__ import annotations

import pytest
from _wire_support import MODELS, model_strategy
from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic import computed_field, field_serializer

from cpa_sdk.wire import ExecutorResponse, PayloadResponse, StreamChunkInterceptResponse, encode
from cpa_sdk.wire._go import GoBytes, GoModel, go_field

DIRECT = [cls for cls in MODELS if cls._direct is not None]


def serialized(model: GoModel) -> bytes:
    return model.__pydantic_serializer__.to_json(model, exclude_defaults=True, by_alias=True)


def test_the_hot_answers_are_written_directly() -> None:
    assert {PayloadResponse, ExecutorResponse, StreamChunkInterceptResponse} <= set(DIRECT)


@pytest.mark.parametrize("cls", DIRECT, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_direct_encoding_is_the_serializer_s(cls: type[GoModel], data: st.DataObject) -> None:
    instance = data.draw(model_strategy(cls))
    assert encode(instance) == serialized(instance)
    assert encode(instance, prefix=b"<", suffix=b">") == b"<" + serialized(instance) + b">"


def test_a_chunk_answer_that_also_drops_or_sets_headers_keeps_every_field() -> None:
    body_only = StreamChunkInterceptResponse(body=b"data: {}\n\n")
    assert encode(body_only) == b'{"Body":"ZGF0YToge30KCg=="}'
    both = StreamChunkInterceptResponse(body=b"x", drop_chunk=True, headers={"X-A": ["1"]})
    assert encode(both) == serialized(both)
    assert b'"DropChunk":true' in encode(both) and b'"Headers":{"X-A":["1"]}' in encode(both)


class _Serialized(GoModel):
    body: GoBytes = go_field("Body", None)

    @field_serializer("body")
    def _upper(self, value: bytes | None) -> str:
        return (value or b"").decode().upper()


class _Computed(GoModel):
    body: GoBytes = go_field("Body", None)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def size(self) -> int:
        return len(self.body or b"")


class _Factory(GoModel):
    body: GoBytes = go_field("Body", None)
    tags: list[str] = go_field("Tags", default_factory=list)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (_Serialized(body=b"abc"), b'{"Body":"ABC"}'),
        (_Computed(body=b"abc"), b'{"Body":"YWJj","size":3}'),
        (_Factory(body=b"abc", tags=["t"]), b'{"Body":"YWJj","Tags":["t"]}'),
    ],
    ids=["field serializer", "computed field", "default factory"],
)
def test_a_plugin_s_own_serialization_is_never_skipped(model: GoModel, expected: bytes) -> None:
    assert type(model)._direct is None
    assert encode(model) == expected
