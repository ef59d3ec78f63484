"""Shared helpers of the wire tests: model discovery, Go zero stripping, fully populated instances
and hypothesis strategies built from the model fields."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
import pydantic_core
from hypothesis import strategies as st
from pydantic.fields import FieldInfo

import cpa_sdk.wire as wire
from cpa_sdk.wire._go import GoModel

MODELS: list[type[GoModel]] = sorted(
    (
        obj
        for obj in (getattr(wire, name) for name in wire.__all__)  # the package imports lazily
        if inspect.isclass(obj) and issubclass(obj, GoModel) and obj is not GoModel
    ),
    key=lambda cls: cls.__name__,
)
"""Every wire model exported by ``cpa_sdk.wire``."""


def parse(raw: bytes | str) -> Any:
    return pydantic_core.from_json(raw)


# ---------------------------------------------------------------------------------------------
# Looking at annotations


def strip_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while get_origin(annotation) is Annotated:
        args = get_args(annotation)
        annotation, metadata = args[0], metadata + list(args[1:])
    return annotation, metadata


def non_none(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None`` and whether ``None`` was allowed."""
    annotation, _ = strip_annotated(annotation)
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not NoneType]
        optional = len(members) != len(get_args(annotation))
        if len(members) == 1:
            return members[0], optional
        return Union[tuple(members)], optional  # noqa: UP007 - runtime construction
    return annotation, False


def int_bounds(metadata: list[Any]) -> tuple[int | None, int | None]:
    low = high = None
    for item in metadata:
        for constraint in getattr(item, "metadata", [item]):
            if isinstance(constraint, annotated_types.Ge):
                low = int(constraint.ge)  # type: ignore[call-overload]
            if isinstance(constraint, annotated_types.Le):
                high = int(constraint.le)  # type: ignore[call-overload]
    return low, high


def field_metadata(info: FieldInfo) -> list[Any]:
    return list(info.metadata) + strip_annotated(info.annotation)[1]


# ---------------------------------------------------------------------------------------------
# Fully populated instances: a non-zero value in every field, everywhere


class _Populator:
    """Builds deterministic instances with every field non-zero, rich in awkward values."""

    def __init__(self) -> None:
        self.counter = 0

    def tick(self) -> int:
        self.counter += 1
        return self.counter

    def model(self, cls: type[GoModel]) -> GoModel:
        values = {
            name: self.value(info.annotation, field_metadata(info), name) for name, info in cls.model_fields.items()
        }
        return cls(**values)

    def value(self, annotation: Any, metadata: list[Any], name: str) -> Any:
        base, _ = non_none(annotation)
        base, more = strip_annotated(base)
        metadata = metadata + more
        n = self.tick()
        if name in ("host_callback_id", "stream_id", "auth_index"):
            return str(1000 + n)
        if base is str:
            return f'{name} ✓ <b>&amp;</b> \u2028 "q" 日本語 😀 #{n}'
        if base is bool:
            return True
        if base is int:
            low, high = int_bounds(metadata)
            if low == 0 and high == (1 << 32) - 1:
                return (1 << 32) - 1 - n
            if name in ("chunk_index",):
                return -1
            return -(n * 1_000_003) if n % 3 == 0 else (1 << 53) + n
        if base is bytes:
            return bytes([0xFB, 0xFF, 0x00, 0x3E, 0x3F]) + f"{name}\u00e9".encode()
        if base is datetime:
            zone = timezone(timedelta(hours=5, minutes=30)) if n % 2 else timezone(timedelta(hours=-8))
            return datetime(2026, 8, 1, 1, 2, 3, 456789, tzinfo=zone)
        if base is timedelta:
            return timedelta(seconds=n, microseconds=250_001)
        if base is Any:
            return {"nested": [1, -2.5, "x<&>", True, None, {"deep": ["\u00ff"]}], "n": n}
        if isinstance(base, type) and issubclass(base, GoModel):
            return self.model(base)
        origin = get_origin(base)
        if origin is list:
            (item,) = get_args(base)
            return [self.value(item, [], name), self.value(item, [], name)]
        if origin is dict:
            key, item = get_args(base)
            assert key is str
            item_base, _ = strip_annotated(item)
            if item_base is Any:
                return {"s": "v\u00e9", "n": 7, "f": 0.5, "b": True, "list": [1, "two", None], "obj": {"k": []}}
            return {"Content-Type": self.value(item, [], name), "x-ÿ": self.value(item, [], name)}
        raise AssertionError(f"no value for {name}: {annotation!r}")


def populated(cls: type[GoModel]) -> GoModel:
    """An instance of ``cls`` with a non-zero value in every field, recursively."""
    return _Populator().model(cls)


def zero_fields(model: GoModel, path: str = "") -> list[str]:
    """Paths of fields that hold their default (zero) value, recursively."""
    found: list[str] = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if value == info.get_default(call_default_factory=True):
            found.append(path + name)
        for where, nested in _nested_models(value, path + name):
            found += zero_fields(nested, where + ".")
    return found


def _nested_models(value: Any, where: str) -> list[tuple[str, GoModel]]:
    if isinstance(value, GoModel):
        return [(where, value)]
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _nested_models(item, f"{where}[{i}]")]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _nested_models(item, f"{where}[{key!r}]")]
    return []


# ---------------------------------------------------------------------------------------------
# Hypothesis strategies built from the model fields

_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_SAFE_INT = st.integers(-(1 << 53), 1 << 53)  # exact in Go's float64 for map[string]any values
# Go reads map[string]any numbers as float64 and writes integral ones below 1e21 without an
# exponent, which Python then reads as an int: keep floats where that int is the same number.
_SAFE_FLOAT = st.floats(-(2.0**53), 2.0**53, allow_nan=False)
_JSON_SCALARS = st.none() | st.booleans() | _SAFE_INT | _SAFE_FLOAT | _TEXT
_JSON = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)
_ZONES = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))
_TIMES = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=_ZONES)
_DURATIONS = st.integers(-(100 * 365 * 86_400 * 10**6), 100 * 365 * 86_400 * 10**6).map(
    lambda us: timedelta(microseconds=us)
)


def strategy_for(annotation: Any, metadata: list[Any] | None = None) -> st.SearchStrategy[Any]:
    """A strategy producing valid values for a wire-model field annotation."""
    base, optional = non_none(annotation)
    base, more = strip_annotated(base)
    metadata = (metadata or []) + more
    strategy = _strategy_for_base(base, metadata)
    return st.none() | strategy if optional else strategy


def _strategy_for_base(base: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    if base is str:
        return _TEXT
    if base is bool:
        return st.booleans()
    if base is int:
        low, high = int_bounds(metadata)
        return st.integers(low, high)
    if base is bytes:
        return st.binary(max_size=12)
    if base is datetime:
        return _TIMES
    if base is timedelta:
        return _DURATIONS
    if base is Any:
        return _JSON
    if isinstance(base, type) and issubclass(base, GoModel):
        return model_strategy(base)
    origin = get_origin(base)
    if origin is list:
        (item,) = get_args(base)
        return st.lists(strategy_for(item), max_size=2)
    if origin is dict:
        _, item = get_args(base)
        return st.dictionaries(_TEXT, strategy_for(item), max_size=2)
    raise AssertionError(f"no strategy for {base!r}")


_MODEL_STRATEGIES: dict[type[GoModel], st.SearchStrategy[Any]] = {}


def model_strategy(cls: type[GoModel]) -> st.SearchStrategy[Any]:
    """Instances of ``cls`` with every field drawn independently (zero values included)."""
    if cls not in _MODEL_STRATEGIES:
        fields = {name: strategy_for(info.annotation, field_metadata(info)) for name, info in cls.model_fields.items()}
        build: Callable[..., GoModel] = cls
        _MODEL_STRATEGIES[cls] = st.builds(build, **fields)
    return _MODEL_STRATEGIES[cls]
