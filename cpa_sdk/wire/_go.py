"""Go ``encoding/json`` semantics for pydantic models.

CPA is written in Go, so every byte that crosses the plugin boundary was produced by, or will be
read by, Go's ``encoding/json``. This module makes pydantic behave the same way:

* JSON names are Go's: the field name where the Go struct has no tag (``AuthID``), the tag where
  it has one (``stream_id``). Python code uses snake_case attributes; the JSON name is the alias.
* Decoding matches keys exactly first and then case-insensitively (underscores still count), drops
  unknown keys, treats ``null`` as "leave the zero value", reads ``[]byte`` as strict padded
  standard base64 (or an array of integers), and rejects ``200.0`` for integers and ``1`` for
  booleans.
* Encoding writes standard padded base64 (pydantic's own base64 mode is URL-safe, which Go
  rejects), RFC 3339 times with a zone, durations as integer nanoseconds, and omits fields that
  hold their zero value: Go reads a missing key as the zero value, so the host sees exactly what a
  fully spelled-out Go encoding would give it.

Decoding takes a fast path first: pydantic-core validates the bytes in one Rust pass with the
canonical keys. Only when that fails, or when a key differs from a canonical name by case alone,
does the slower path run: parse, fold the keys as Go would, drop ``null`` on non-nilable fields,
and validate again. The host always sends canonical keys, so production traffic stays on the fast
path; hand-written requests still decode the way Go would decode them. The requests CPA sends per
request or per stream chunk that carry much more than a plugin reads are declared
``@decoded_lazily`` (``cpa_sdk.wire._lazy``): ``decode`` parses them, and each field is validated
by these same rules when first read.
"""

from __future__ import annotations

import binascii
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import UnionType
from typing import Annotated, Any, ClassVar, Final, TypeVar, Union, get_args, get_origin

import pydantic_core
from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import core_schema

__all__ = [
    "GO_ZERO_TIME",
    "GO_ZERO_TIME_TEXT",
    "GoBytes",
    "GoDuration",
    "GoModel",
    "GoTime",
    "Header",
    "WireDecodeError",
    "b64decode",
    "b64encode",
    "decode",
    "encode",
    "go_field",
    "go_fold",
]

_ModelT = TypeVar("_ModelT", bound="GoModel")

GO_ZERO_TIME_TEXT: Final = "0001-01-01T00:00:00Z"
"""Go's zero ``time.Time`` as ``encoding/json`` writes it."""
GO_ZERO_TIME: Final = datetime.fromisoformat(GO_ZERO_TIME_TEXT)
"""Go's zero ``time.Time``. Decoded as ``None``: it means "unset" everywhere in CPA."""


class WireDecodeError(ValueError):
    """Request bytes that Go's ``json.Unmarshal`` would also reject."""


# --------------------------------------------------------------------------------------------
# []byte


def b64encode(data: bytes) -> str:
    """Standard, padded base64: the only form Go's ``[]byte`` decoder accepts."""
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def b64decode(text: str) -> bytes:
    """Decode base64 exactly as Go's ``[]byte`` decoder does.

    Go skips ``\r`` and ``\n`` and otherwise wants the standard alphabet with padding.
    """
    if "\n" in text or "\r" in text:
        text = text.replace("\n", "").replace("\r", "")
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise WireDecodeError(f"illegal base64 data: {exc}") from None


GoBytes = Annotated[
    bytes | None,
    PlainSerializer(b64encode, when_used="json-unless-none"),
    WithJsonSchema({"type": ["string", "null"], "contentEncoding": "base64"}),
]
"""Go ``[]byte``: standard padded base64 on the wire, ``None`` for Go's nil slice."""


# --------------------------------------------------------------------------------------------
# time.Time and time.Duration


_RFC3339: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
"""The shape Go's ``time.Time`` decoder accepts: upper-case ``T`` and ``Z``, seconds required."""


def _validate_time(value: Any, info: core_schema.ValidationInfo) -> datetime | None:
    if value is None:
        return None
    if info.mode == "json":
        if not isinstance(value, str):
            raise ValueError("expected an RFC 3339 time string")
        try:
            if not _RFC3339.fullmatch(value):  # fromisoformat alone also takes forms Go rejects
                raise ValueError
            # Python 3.11's parser takes the comma and cuts Go's nanoseconds to microseconds itself
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"cannot parse {value!r} as RFC 3339") from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise ValueError("expected a datetime")
    if parsed.tzinfo is None:
        raise ValueError("time must carry a zone: Go rejects RFC 3339 times without one")
    return None if parsed == GO_ZERO_TIME else parsed


def _serialize_time(value: datetime) -> str:
    text = value.isoformat()
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


GoTime = Annotated[
    datetime | None,
    PlainValidator(_validate_time),
    PlainSerializer(_serialize_time, when_used="json-unless-none"),
    WithJsonSchema({"type": ["string", "null"], "format": "date-time"}),
]
"""Go ``time.Time``: RFC 3339 with a zone; ``None`` stands for Go's zero time."""


def _validate_duration(value: Any, info: core_schema.ValidationInfo) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if type(value) is int:
        return timedelta(microseconds=value / 1000)
    raise ValueError("expected an integer number of nanoseconds")


def _serialize_duration(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * 1_000_000_000 + value.microseconds * 1000


GoDuration = Annotated[
    timedelta,
    PlainValidator(_validate_duration),
    PlainSerializer(_serialize_duration, when_used="json"),
    WithJsonSchema({"type": "integer", "description": "nanoseconds"}),
]
"""Go ``time.Duration``: an integer number of nanoseconds on the wire."""

Header = dict[str, list[str]] | None
"""Go ``http.Header`` / ``url.Values``: ``{"Key": ["v1", "v2"]}``; ``None`` for a nil map."""


# --------------------------------------------------------------------------------------------
# Models


def go_field(
    alias: str,
    default: Any = None,
    *,
    default_factory: Callable[[], Any] | None = None,
    description: str | None = None,
) -> Any:
    """Declare a wire field: ``auth_id: str = go_field("AuthID", "")``.

    ``alias`` is the exact JSON name Go uses. A JSON key that differs from it only by case also
    decodes into the field, as in Go. This is a plain function rather than ``Field`` so that type
    checkers take the snake_case attribute as the constructor keyword.
    """
    choices: list[str | AliasPath] = [alias]
    lowered = alias.lower()
    if lowered != alias:
        # A JSON key equal to the Python name is consumed by pydantic before it could be seen
        # as an unknown key, so the one case variant that can collide is named explicitly.
        choices.append(lowered)
    extra: dict[str, Any] = {"alias": alias, "validation_alias": AliasChoices(*choices)}
    if description is not None:
        extra["description"] = description
    if default_factory is not None:
        return Field(default_factory=default_factory, **extra)
    return Field(default, **extra)


def go_fold(key: str) -> str:
    """A JSON key as Go compares it to field names: case-folded the simple Unicode way.

    Beyond ASCII case, simple folding maps exactly two characters onto ASCII letters: the long s
    (U+017F) onto ``s`` and the Kelvin sign (U+212A) onto ``k``; full folding (``casefold``)
    would also turn ``ß`` into ``ss``, which Go does not.
    """
    return key.lower().replace("\u017f", "s")


@dataclass(frozen=True, slots=True)
class _FieldShape:
    alias: str
    nilable: bool  # Go slice, map, pointer, []byte or interface: JSON null sets it to nil
    map_of_slices: bool  # map[string][]T: a null value inside reads as an empty slice
    nested: type[GoModel] | None  # model inside the field, if any
    container: str  # "", "list", "dict" or "dict-list": how ``nested`` sits in the field
    bytes_container: str | None  # None if no []byte; else "" or "list": where the bytes sit


class GoModel(BaseModel):
    """Base of every wire model: a Go struct as ``encoding/json`` sees it.

    Every default is the Go zero value of the field, so leaving a field out of the JSON output is
    the same, to Go, as writing it. Construct models with snake_case names; JSON uses the aliases.
    Validators are built on first use, so a plugin pays only for the models it touches.
    """

    model_config = ConfigDict(
        strict=True,
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        val_json_bytes="base64",
        ser_json_inf_nan="null",
        defer_build=True,
    )

    _shapes: ClassVar[dict[str, _FieldShape]]
    _by_folded_alias: ClassVar[dict[str, str]]
    _go_null_only: ClassVar[frozenset[str]] = frozenset()
    """Folded names of Go interface fields the model leaves out (``Err``, ``Handler``): Go can
    decode them only from ``null``, so any other value fails the whole decode, as in Go."""
    _checked_fields: ClassVar[tuple[str, ...]]
    _decoded_lazily: ClassVar[bool] = False
    """``decode`` validates each field when first read (``cpa_sdk.wire._lazy.decoded_lazily``)."""
    _cpa_lazy: ClassVar[bool] = False
    """True on the classes of lazily decoded instances (``cpa_sdk.wire._lazy``), which complete before encoding."""
    _direct: ClassVar[_DirectPlan | None]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        shapes: dict[str, _FieldShape] = {}
        for name, info in cls.model_fields.items():
            nested, container = _nested_model(info.annotation)
            shapes[name] = _FieldShape(
                alias=info.alias or name,
                nilable=_is_nilable(info.annotation),
                map_of_slices=_is_map_of_slices(info.annotation),
                nested=nested,
                container=container,
                bytes_container=_bytes_container(info.annotation),
            )
        cls._shapes = shapes
        cls._by_folded_alias = {go_fold(s.alias): s.alias for s in shapes.values()}
        cls._checked_fields = tuple(
            n for n, s in shapes.items() if s.nested is not None or s.bytes_container is not None
        )
        cls._direct = _direct_plan(cls, shapes)


def _strip_annotated(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _union_members(annotation: Any) -> tuple[Any, ...]:
    annotation = _strip_annotated(annotation)
    if get_origin(annotation) in (Union, UnionType):
        return tuple(_strip_annotated(a) for a in get_args(annotation))
    return (annotation,)


def _is_nilable(annotation: Any) -> bool:
    members = _union_members(annotation)
    return type(None) in members or any(get_origin(m) in (list, dict) for m in members)


def _is_map_of_slices(annotation: Any) -> bool:
    return any(
        get_origin(m) is dict and get_origin(_strip_annotated(get_args(m)[1])) is list
        for m in _union_members(annotation)
    )


def _bytes_container(annotation: Any) -> str | None:
    for member in _union_members(annotation):
        if member is bytes:
            return ""
        if get_origin(member) is list and bytes in _union_members(get_args(member)[0]):
            return "list"
    return None


def _nested_model(annotation: Any) -> tuple[type[GoModel] | None, str]:
    for member in _union_members(annotation):
        if isinstance(member, type) and issubclass(member, GoModel):
            return member, ""
        origin = get_origin(member)
        inner = None
        if origin is list:
            inner, container = _strip_annotated(get_args(member)[0]), "list"
        elif origin is dict:
            inner, container = _strip_annotated(get_args(member)[1]), "dict"
            if get_origin(inner) is list:  # map[string][]Struct
                inner, container = _strip_annotated(get_args(inner)[0]), "dict-list"
        if isinstance(inner, type) and issubclass(inner, GoModel):
            return inner, container
    return None, ""


# --------------------------------------------------------------------------------------------
# Decoding


def decode(cls: type[_ModelT], data: bytes) -> _ModelT:
    """Decode JSON into ``cls`` the way Go's ``json.Unmarshal`` fills the struct.

    Raises ``WireDecodeError`` for input Go would reject. A model declared ``@decoded_lazily``
    (``cpa_sdk.wire._lazy``) is only parsed here: each field raises it when first read instead.
    """
    return decoder_of(cls)(cls, data)


def decoder_of(cls: type[GoModel]) -> Callable[[type[_ModelT], bytes], _ModelT]:
    """What ``decode`` calls for ``cls``: a route that decodes one model binds it once."""
    return _LAZY_DECODER[0] if cls._decoded_lazily else _decode_eager  # type: ignore[return-value]


def _decode_eager(cls: type[_ModelT], data: bytes) -> _ModelT:
    try:
        model: _ModelT = cls.__pydantic_validator__.validate_json(data, by_name=False)
    except ValidationError:
        return _decode_folded(cls, data)
    except AttributeError:  # validator not built yet (defer_build): build it once, then retry
        cls.model_rebuild()
        return _decode_eager(cls, data)
    if _differs_from_go(model, data):
        return _decode_folded(cls, data)
    return model


_LAZY_DECODER: list[Callable[[type[GoModel], bytes], GoModel]] = []
"""``decode`` of models declared ``@decoded_lazily``; registered by ``cpa_sdk.wire._lazy``."""


def _nested_items(shape: _FieldShape, value: Any) -> Iterable[GoModel]:
    """The models inside a list, map or map-of-lists field value."""
    if shape.container == "list":
        return value  # type: ignore[no-any-return]
    if shape.container == "dict":
        return value.values()  # type: ignore[no-any-return]
    return [item for items in value.values() for item in items]


def _differs_from_go(model: GoModel, raw: bytes) -> bool:
    """Whether the fast decode may have read ``raw`` differently from Go.

    Two things can differ: a key that matches a field only case-insensitively (pydantic keeps it
    as an unknown key), and base64 that pydantic-core accepts but Go rejects (URL-safe or
    unpadded). Canonical base64 of the decoded bytes found verbatim in ``raw`` proves the input
    was canonical, which is what the host always sends.

    On the way it forgets the keys that matched no field, as Go does: pydantic keeps them as
    extras, which ``encode`` would write back and ``==`` would compare. One walk does both.
    """
    cls = type(model)
    extra = model.__pydantic_extra__
    if extra:
        for key, value in extra.items():
            folded = go_fold(key)
            if folded in cls._by_folded_alias or (value is not None and folded in cls._go_null_only):
                return True
        extra.clear()
    for name in cls._checked_fields:
        value = getattr(model, name)
        if value is None:
            continue
        shape = cls._shapes[name]
        if shape.bytes_container == "":
            if value and not _sent_canonically(value, raw):
                return True
        elif shape.bytes_container == "list":
            if any(v and not _sent_canonically(v, raw) for v in value):
                return True
        elif shape.container == "":
            if _differs_from_go(value, raw):
                return True
        else:
            if any(_differs_from_go(item, raw) for item in _nested_items(shape, value)):
                return True
    return False


def _sent_canonically(value: bytes, raw: bytes) -> bool:
    """Whether ``raw`` holds ``value`` as standard padded base64.

    Finds the string by the encoding of its first bytes (the first such string of the right
    length), then checks its length (padding present) and alphabet (no URL-safe characters):
    cheaper than re-encoding the whole value.
    """
    head = binascii.b2a_base64(value[:12], newline=False)
    length = (len(value) + 2) // 3 * 4
    start = raw.find(head)
    while start >= 0:  # another []byte of the request may start alike (a body and its translation)
        end = raw.find(b'"', start)
        if end - start == length:
            break
        start = raw.find(head, start + 1)
    else:
        return False
    canonical = raw.find(b"-", start, end) < 0 and raw.find(b"_", start, end) < 0
    if canonical and len(value) >= _REUSE_MIN and raw.find(head, end) < 0 and raw.find(b"\\", start, end) < 0:
        _reusable.source = (value, raw, start)  # its only base64 in raw: encode may copy it (_b64_for)
    return canonical


_REUSE_MIN: Final = 16384
"""Bytes values from this size on may have their request base64 reused in the answer."""

_reusable = threading.local()
"""The last large ``[]byte`` value decoded on this thread, with the request text holding its base64.
Dropped by the answer that uses it; until then (a handler answering no bytes) it keeps that one
request alive, per thread, until the next large value replaces it."""


def _b64_for(value: bytes) -> bytes | memoryview:
    """Standard base64 of ``value``, reusing the request's text for what it shares with the last
    large value decoded on this thread (a body passed back unchanged, or edited near its end)."""
    source: tuple[bytes, bytes, int] | None = getattr(_reusable, "source", None)
    if source is None:
        return binascii.b2a_base64(value, newline=False)
    _reusable.source = None  # one answer per request: do not keep the request alive
    original, raw, start = source
    if value is original:
        return memoryview(raw)[start : start + (len(value) + 2) // 3 * 4]
    groups = _common_prefix(value, original) // 3  # 3 bytes make 4 characters, whatever follows
    if groups < 1024:
        return binascii.b2a_base64(value, newline=False)
    tail = binascii.b2a_base64(value[groups * 3 :], newline=False)
    return raw[start : start + groups * 4] + tail


def _common_prefix(a: bytes, b: bytes) -> int:
    """How many leading bytes ``a`` and ``b`` share (``startswith`` compares with ``memcmp``)."""
    n = min(len(a), len(b))
    view = memoryview(a)
    if b.startswith(view[:n]):
        return n
    low, high = 0, n  # a[:low] == b[:low] and a[:high] != b[:high]
    while high - low > 64:
        middle = (low + high) // 2
        if b.startswith(view[low:middle], low):
            low = middle
        else:
            high = middle
    return low


def _decode_folded(cls: type[_ModelT], data: bytes) -> _ModelT:
    try:
        parsed = pydantic_core.from_json(data)
    except ValueError as exc:
        raise WireDecodeError(f"invalid JSON: {exc}") from None
    if parsed is None:
        return cls()  # Go: null leaves the struct as it is, all zero values
    if not isinstance(parsed, dict):
        raise WireDecodeError(f"cannot decode a JSON {_json_kind(parsed)} into {cls.__name__}")
    folded = _fold(cls, parsed)
    try:
        return cls.model_validate_json(pydantic_core.to_json(folded), by_name=False)
    except ValidationError as exc:
        raise WireDecodeError(_describe(exc, cls)) from None


def _fold(cls: type[GoModel], obj: dict[str, Any]) -> dict[str, Any]:
    """Rewrite one JSON object so that a canonical-key decode gives Go's result."""
    shapes_by_alias = {s.alias: s for s in cls._shapes.values()}
    out: dict[str, Any] = {}
    for key, value in obj.items():
        alias = key if key in shapes_by_alias else cls._by_folded_alias.get(go_fold(key))
        if alias is None:
            if value is not None and go_fold(key) in cls._go_null_only:
                raise WireDecodeError(f"cannot decode {key} of {cls.__name__}: Go reads only null into it")
            continue  # unknown keys are ignored
        shape = shapes_by_alias[alias]
        if value is None:
            if shape.nilable:
                out[alias] = None
            continue  # null on a string, number, bool or struct leaves it unchanged
        out[alias] = _fold_value(shape, value)
    return out


def _fold_value(shape: _FieldShape, value: Any) -> Any:
    if shape.bytes_container == "":
        return _fold_bytes(value)
    if shape.bytes_container == "list" and isinstance(value, list):
        return [None if v is None else _fold_bytes(v) for v in value]
    nested = shape.nested
    if nested is None:
        if shape.map_of_slices and isinstance(value, dict):
            return {k: [] if v is None else v for k, v in value.items()}
        return value
    if shape.container == "" and isinstance(value, dict):
        return _fold(nested, value)
    if shape.container == "list" and isinstance(value, list):
        return [_fold_element(nested, v) for v in value]
    if shape.container == "dict" and isinstance(value, dict):
        return {k: _fold_element(nested, v) for k, v in value.items()}
    if shape.container == "dict-list" and isinstance(value, dict):
        return {k: [_fold_element(nested, e) for e in v] if isinstance(v, list) else v for k, v in value.items()}
    return value


def _fold_element(nested: type[GoModel], value: Any) -> Any:
    """Fold one struct inside a slice or map; Go reads a ``null`` element as the zero struct."""
    if value is None:
        return {}
    return _fold(nested, value) if isinstance(value, dict) else value


def _fold_bytes(value: Any) -> Any:
    if isinstance(value, str):
        return b64encode(b64decode(value))
    if isinstance(value, list) and all(type(v) is int and 0 <= v <= 255 for v in value):
        return b64encode(bytes(value))  # Go accepts a JSON array of byte values too
    return value  # let validation report the wrong type


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "null"


def _describe(exc: ValidationError, cls: type[GoModel]) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or cls.__name__
        parts.append(f"{where}: {error['msg']}")
    return f"cannot decode {cls.__name__}: " + "; ".join(parts)


# --------------------------------------------------------------------------------------------
# Encoding


@dataclass(frozen=True, slots=True)
class _DirectPlan:
    """How ``encode`` writes a model without pydantic's serializer.

    Payload answers (``{"Body": ...}``, a stream chunk's new body) are the hottest encodes, and
    pydantic's serializer costs about as much again as the base64 itself: it calls the Python
    base64 encoder, then scans and copies the text into its JSON. A model whose ``[]byte`` fields
    hold the payload and whose other fields all hold their zero value encodes, with
    ``exclude_defaults``, to just those ``[]byte`` keys in field order; this writes them directly.
    """

    payloads: tuple[tuple[str, bytes], ...]
    """Per ``[]byte`` field: its name and its ``"Key":"`` prefix."""
    zeros: tuple[tuple[str, object], ...]
    """Per other field: its name and its zero value, which it must hold (``is``) to be written
    directly; any other value goes through the serializer."""


_DIRECT_ZEROS: Final = (None, False, 0, "")
"""The defaults a field may have and still let the model be written directly: immutable
singletons (or cached), so holding the zero value is an identity test."""


def _direct_plan(cls: type[GoModel], shapes: dict[str, _FieldShape]) -> _DirectPlan | None:
    """The direct encoding of ``cls``, or ``None`` when only its serializer knows how: no
    ``[]byte`` field, a default not in ``_DIRECT_ZEROS``, or a serializer or computed field of
    the plugin's own, which the direct path would skip."""
    decorators = cls.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers or cls.model_computed_fields:
        return None
    payloads, zeros = [], []
    for name, shape in shapes.items():
        info = cls.model_fields[name]
        if info.default_factory is not None or not any(info.default is zero for zero in _DIRECT_ZEROS):
            return None
        if shape.bytes_container == "" and info.default is None:
            payloads.append((name, b'"' + shape.alias.encode() + b'":"'))
        else:
            zeros.append((name, info.default))
    return _DirectPlan(tuple(payloads), tuple(zeros)) if payloads else None


def encode(model: GoModel, *, prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """Encode ``model`` as compact JSON that Go decodes to the intended values.

    Fields holding their zero value are left out; Go reads a missing key as the zero value.
    ``prefix`` and ``suffix`` are written around it in the same copy (the response envelope).
    """
    if model._cpa_lazy:
        model._cpa_complete()  # type: ignore[attr-defined]
    direct = model._direct
    if direct is not None and not model.__pydantic_extra__:
        values = model.__dict__
        for name, zero in direct.zeros:
            if values[name] is not zero:
                break
        else:
            parts: list[bytes | memoryview] = [prefix + b"{"]
            for name, key in direct.payloads:
                value = values[name]
                if value is not None:
                    encoded = binascii.b2a_base64(value, newline=False) if len(value) < _REUSE_MIN else _b64_for(value)
                    parts += (key, encoded, b'",')
            if len(parts) > 1:
                parts[-1] = b'"'
            parts.append(b"}" + suffix)
            return b"".join(parts)
    encoded = model.__pydantic_serializer__.to_json(model, exclude_defaults=True, by_alias=True)
    return prefix + encoded + suffix if prefix or suffix else encoded
