"""Wire models decoded lazily: ``@decoded_lazily``, each field validated when first read.

Some requests arrive on every request or every stream chunk and carry far more than a plugin
reads: ``scheduler.pick`` holds every candidate auth (tens to hundreds), a stream chunk up to
1 MiB of history, a usage record two dozen fields of which a plugin sums three. Validating all of
that into models cost more than the rest of the call. ``decode`` of a model declared with
``@decoded_lazily`` parses the JSON once (pydantic-core, in Rust) and returns an instance of the
model that holds the parsed object; a field is validated the first time it is read, by the same
rules as the full decode. Structs inside it, and lists of structs, are decoded lazily the same
way. A plugin pays only for what it touches.

Go's key matching holds: an object whose keys are all canonical (what the host sends) is read as
it is; any other is folded first as Go reads it (case-insensitive keys, the last of the keys that
fold alike wins, unknown keys ignored). A field that does not decode as Go would decode it (a
wrong type, a number out of range, bad base64) raises ``WireDecodeError`` when read, which the
dispatcher answers with a ``plugin_error`` envelope; a list item that is not an object fails when
touched.

Anything that looks at a model as a whole (``==``, ``repr``, ``model_dump``, ``encode``,
``copy``, pickling, setting a field) validates its remaining fields first. Built in Python
(``Model(...)``, ``model_validate``), a model holds ordinary values.
"""

from __future__ import annotations

import binascii
import copy as _copy
import math
from collections.abc import Callable
from typing import Any, ClassVar, Final, TypeVar, get_args, get_origin

import pydantic_core
from pydantic import BaseModel, ValidationError
from pydantic_core import core_schema

from cpa_sdk.wire._go import (
    _LAZY_DECODER,
    _REUSE_MIN,
    GoModel,
    WireDecodeError,
    _decode_eager,
    _decode_folded,
    _fold,
    _sent_canonically,
    _strip_annotated,
    _union_members,
    b64decode,
)

__all__ = ["decoded_lazily"]

_ModelT = TypeVar("_ModelT", bound=GoModel)


def decoded_lazily(model: type[_ModelT]) -> type[_ModelT]:
    """Class decorator: ``decode`` returns ``model`` with its fields validated on first read."""
    type.__setattr__(model, "_decoded_lazily", True)
    return model


def _decode_lazily(cls: type[GoModel], data: bytes) -> GoModel:
    try:
        parsed = pydantic_core.from_json(data, cache_strings="keys")
    except ValueError as exc:
        raise WireDecodeError(f"invalid JSON: {exc}") from None
    if type(parsed) is not dict:
        return _decode_folded(cls, data)  # null gives the zero model, anything else Go's error
    model = _lazy_object(cls, parsed)
    if len(data) >= _REUSE_MIN:  # a large []byte read from it may have its base64 reused (_bytes_reader)
        _private_of(model)[_REQUEST] = data
    return model


_REQUEST: Final[Any] = object()
"""Key, in a large request's parsed top-level object, of the request's bytes: never a JSON key."""


_LAZY_DECODER.append(_decode_lazily)


def _lazy_object(model: type[GoModel], raw: dict[str, Any]) -> GoModel:
    """``model`` over one parsed JSON object, folded first unless its keys are canonical."""
    lazy: Any = _CLASSES.get(model) or _lazy_class(model)
    if not raw.keys() <= lazy._cpa_keys:
        raw = _fold(model, raw)
    item: GoModel = _new(lazy)
    _set_private(item, raw)
    return item


_new: Final = object.__new__
_DICT: Final = BaseModel.__dict__["__dict__"]
_values_of: Final = _DICT.__get__
"""The instance dict itself: a lazy model's ``__dict__`` attribute completes it first."""
_PRIVATE: Final = BaseModel.__dict__["__pydantic_private__"]
"""The slot holding a lazy model's raw object (or ``_Unreadable``; ``None`` once completed), read
and set directly: a lazy model's ``__setattr__`` would complete it first."""
_set_private: Final = _PRIVATE.__set__
_private_of: Final = _PRIVATE.__get__


class _Unreadable:
    """The state of a list item that cannot be decoded: it fails when touched."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _field(name: str, alias: str, read: _Read, kind: type | None, low: float, high: float) -> property:
    """A field of a lazy model, read from the raw JSON object on access.

    A value of the scalar type the field holds (a ``str`` for ``str``, an ``int`` in range for
    an integer) is returned as it is. Any other is validated by ``read`` once and kept in the
    instance ``__dict__``: a list or struct read twice is the same object. A property, because
    CPython calls its getter faster than a descriptor class's ``__get__``.
    """

    def value_of(item: Any) -> Any:
        raw = item.__pydantic_private__
        if type(raw) is not dict:
            if raw is None:
                return _values_of(item)[name]  # completed: an ordinary model
            raise WireDecodeError(raw.message if isinstance(raw, _Unreadable) else f"{name} was not decoded")
        value = raw.get(alias)
        if type(value) is kind and (kind is not int or low <= value <= high):  # type: ignore[operator]
            return value
        values = _values_of(item)
        if name not in values:
            values[name] = read(raw)
        return values[name]

    def set_value(item: Any, value: Any) -> None:  # reached through BaseModel.__setattr__, once completed
        _values_of(item)[name] = value
        item.__pydantic_fields_set__.add(name)

    return property(value_of, set_value, doc=f"``{alias}``, decoded when first read.")


class _LazyModel:
    """Mixin of the lazily built model classes (one per model, ``_lazy_class``): one field
    property (``_field``) per field, and completion before anything that reads the model whole."""

    __slots__ = ()
    _cpa_lazy: ClassVar[bool] = True
    _cpa_keys: ClassVar[frozenset[str]]
    """The model's JSON names: an object with no other keys is read without folding."""
    _cpa_readers: ClassVar[dict[str, Callable[[dict[str, Any]], Any]]]
    """Per field: reads and validates it from the model's raw JSON object."""
    _cpa_model: ClassVar[type[GoModel]]

    def _cpa_complete(self) -> None:
        """Validate every field not read yet, and those of the lazy models inside: the model
        becomes an ordinary one."""
        raw = _state(self)
        if isinstance(raw, _Unreadable):
            raise WireDecodeError(raw.message)
        if type(raw) is not dict:
            return  # completed before
        values = _values_of(self)
        for name, read in type(self)._cpa_readers.items():
            if name not in values:
                values[name] = read(raw)
        model = type(self)._cpa_model
        ordered = {name: values[name] for name in model.model_fields}  # declaration order, as pydantic keeps it
        values.clear()
        values.update(ordered)
        object.__setattr__(self, "__pydantic_fields_set__", {n for n, s in model._shapes.items() if s.alias in raw})
        object.__setattr__(self, "__pydantic_extra__", {})
        _set_private(self, None)
        for value in ordered.values():
            for inner in value if type(value) is list else (value,):
                if isinstance(inner, _LazyModel):
                    inner._cpa_complete()

    @property
    def __dict__(self) -> dict[str, Any]:
        """The field values, all validated: pydantic-core reads them here when the model sits
        inside another one that is encoded, copied or compared."""
        self._cpa_complete()
        values: dict[str, Any] = _values_of(self)
        return values

    @__dict__.setter
    def __dict__(self, values: dict[str, Any]) -> None:  # what copy.copy of a completed model does
        _DICT.__set__(self, values)

    def __repr_name__(self) -> str:
        return type(self)._cpa_model.__name__

    # everything that looks at the model as a whole: complete it first

    def __eq__(self, other: object) -> bool:
        self._cpa_complete()
        if not isinstance(other, GoModel):
            return NotImplemented
        if isinstance(other, _LazyModel):
            other._cpa_complete()
        return _model_of(self) is _model_of(other) and self.__dict__ == other.__dict__ and not other.__pydantic_extra__

    def __repr_args__(self) -> Any:
        self._cpa_complete()
        return super().__repr_args__()  # type: ignore[misc]

    def __iter__(self) -> Any:
        self._cpa_complete()
        return super().__iter__()  # type: ignore[misc]

    def __getstate__(self) -> dict[Any, Any]:
        self._cpa_complete()
        state: dict[Any, Any] = super().__getstate__()  # type: ignore[assignment]
        return state

    def __reduce_ex__(self, protocol: Any) -> Any:
        self._cpa_complete()  # pickled as the plain model: the lazy class is not importable
        return _cpa_model_of_state, (type(self)._cpa_model, self.__getstate__())

    def __copy__(self) -> Any:
        self._cpa_complete()
        return super().__copy__()  # type: ignore[misc]

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        self._cpa_complete()
        return super().__deepcopy__(memo)  # type: ignore[misc]

    def __setattr__(self, name: str, value: Any) -> None:
        self._cpa_complete()
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        self._cpa_complete()
        super().__delattr__(name)

    def model_dump(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._cpa_complete()
        return super().model_dump(*args, **kwargs)  # type: ignore[misc,no-any-return]

    def model_dump_json(self, *args: Any, **kwargs: Any) -> str:
        self._cpa_complete()
        return super().model_dump_json(*args, **kwargs)  # type: ignore[misc,no-any-return]

    def model_copy(self, *args: Any, **kwargs: Any) -> Any:
        self._cpa_complete()
        return super().model_copy(*args, **kwargs)  # type: ignore[misc]

    @property
    def model_fields_set(self) -> set[str]:
        self._cpa_complete()
        return object.__getattribute__(self, "__pydantic_fields_set__")  # type: ignore[no-any-return]


def _cpa_model_of_state(model: type[GoModel], state: dict[Any, Any]) -> GoModel:
    item = model.__new__(model)
    item.__setstate__(state)
    return item


def _model_of(model: object) -> type:
    return type(model)._cpa_model if isinstance(model, _LazyModel) else type(model)


def _state(item: object) -> Any:
    try:
        return _private_of(item)
    except AttributeError:
        return None


_CLASSES: dict[type[GoModel], type[GoModel]] = {}


def _lazy_class(model: type[GoModel]) -> type[Any]:
    lazy: type[GoModel] | None = _CLASSES.get(model)
    if lazy is None:
        namespace = {"__module__": model.__module__, "__qualname__": f"{model.__qualname__}.Lazy"}
        metaclass: Any = type(model)
        lazy = metaclass(f"Lazy{model.__name__}", (_LazyModel, model), namespace)
        type.__setattr__(lazy, "_cpa_model", model)
        type.__setattr__(lazy, "_cpa_keys", frozenset(shape.alias for shape in model._shapes.values()))
        _CLASSES[model] = lazy  # before the readers: a model may hold itself
        readers = {name: _reader(model, name) for name in model.model_fields}
        type.__setattr__(lazy, "_cpa_readers", readers)
        for name, read in readers.items():
            info = model.model_fields[name]
            kind = _strip_annotated(info.annotation)
            low, high = _int_range(info) if kind is int else (0, 0)
            field = _field(name, model._shapes[name].alias, read, kind if kind in _SCALARS else None, low, high)
            type.__setattr__(lazy, name, field)
    return lazy


_SCALARS: Final = (str, int, bool, float)
"""Field types whose JSON value, of that exact type, needs no more checking (ints: their range)."""


def _int_range(info: Any) -> tuple[float, float]:
    low = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in info.metadata if hasattr(m, "le")), None)
    return (-math.inf if low is None else low), (math.inf if high is None else high)


# --------------------------------------------------------------------------------------------
# Reading one field


_MISSING: Final = object()
_Read = Callable[[dict[str, Any]], Any]


def _reader(model: type[GoModel], name: str) -> _Read:
    """Reads field ``name`` from a model's raw JSON object and validates it as the full decode
    would: a missing key, or Go's ``null`` on a field that cannot be nil, gives the zero value.
    Values of the shapes the host writes are checked here; any other goes through the model's
    own validator (``_via_model``), which decides, and words the error, as a full decode does."""
    info = model.model_fields[name]
    shape = model._shapes[name]
    alias = shape.alias
    via_model = _via_model(model, name)
    factory: Any = info.default_factory
    default = info.default
    zero: Callable[[], Any] = factory if factory is not None else lambda: _copy.copy(default)
    nilable = shape.nilable
    if shape.bytes_container == "":
        return _bytes_reader(alias, via_model)
    if shape.bytes_container == "list":
        return _bytes_list_reader(alias, via_model)
    if shape.nested is not None and shape.container == "":
        return _struct_reader(shape.nested, alias, zero, via_model)
    if shape.nested is not None and shape.container == "list":
        return _struct_list_reader(shape.nested, alias, via_model)
    accepts = _fast_check(info)

    def read(raw: dict[str, Any]) -> Any:
        value = raw.get(alias, _MISSING)
        if value is _MISSING or (value is None and not nilable):
            return zero()
        if value is None or accepts(value):
            return value
        if shape.map_of_slices and type(value) is dict and None in value.values():
            fixed = {k: [] if v is None else v for k, v in value.items()}  # Go: a null slice in the map is empty
            if accepts(fixed):
                return fixed
        return via_model(raw)

    return read


def _via_model(model: type[GoModel], name: str) -> _Read:
    alias = model._shapes[name].alias

    def read(raw: dict[str, Any]) -> Any:
        return getattr(_decode_eager(model, pydantic_core.to_json({alias: raw[alias]})), name)

    return read


def _fast_check(info: Any) -> Callable[[Any], bool]:
    """Accepts the values the host writes for a field of this type; anything else (``False``)
    goes through the model's validator."""
    kind = _strip_annotated(info.annotation)
    if kind in (str, bool, float):
        return lambda value: type(value) is kind
    if kind is int:
        low, high = _int_range(info)
        return lambda value: type(value) is int and low <= value <= high
    members = [m for m in _union_members(info.annotation) if m is not type(None)]
    if len(members) == 1:
        container = members[0]
        args = tuple(_strip_annotated(a) for a in get_args(container))
        if get_origin(container) is dict and args[0] is str:
            if args[1] is Any:
                return lambda value: type(value) is dict
            if args[1] is str:
                return lambda value: type(value) is dict and all(type(v) is str for v in value.values())
            if get_origin(args[1]) is list and get_args(args[1]) == (str,):
                return lambda value: (
                    type(value) is dict
                    and all(type(v) is list and all(type(s) is str for s in v) for v in value.values())
                )
        if get_origin(container) is list and args == (str,):
            return lambda value: type(value) is list and all(type(v) is str for v in value)
    return lambda value: False


def _bytes_reader(alias: str, via_model: _Read) -> _Read:
    def read(raw: dict[str, Any]) -> Any:
        value = raw.get(alias)
        if value is None:
            return None  # Go's nil slice
        if type(value) is str:
            decoded = _bytes_of(value)
            request = raw.get(_REQUEST)
            if request is not None and len(decoded) >= _REUSE_MIN:
                _sent_canonically(decoded, request)  # offers its base64 to the answer (encode)
            return decoded
        return via_model(raw)  # a JSON array of byte values, or a wrong type

    return read


def _bytes_list_reader(alias: str, via_model: _Read) -> _Read:
    def read(raw: dict[str, Any]) -> Any:
        value = raw.get(alias)
        if value is None:
            return None
        if type(value) is list and all(item is None or type(item) is str for item in value):
            return [None if item is None else _bytes_of(item) for item in value]
        return via_model(raw)

    return read


def _struct_reader(nested: type[GoModel], alias: str, zero: Callable[[], Any], via_model: _Read) -> _Read:
    def read(raw: dict[str, Any]) -> Any:
        value = raw.get(alias)
        if value is None:
            return zero()  # Go: null leaves the struct as it is
        if type(value) is dict:
            return _lazy_object(nested, value)
        return via_model(raw)

    return read


def _struct_list_reader(nested: type[GoModel], alias: str, via_model: _Read) -> _Read:
    lazy = _lazy_class(nested)
    canonical = lazy._cpa_keys
    new, set_private = _new, _set_private

    def read(raw: dict[str, Any]) -> Any:
        items = raw.get(alias)
        if items is None:
            return None
        if type(items) is not list:
            return via_model(raw)  # Go rejects it: the model says how
        out = []
        for value in items:
            if type(value) is dict and value.keys() <= canonical:
                item = new(lazy)
                set_private(item, value)
            else:
                item = _odd_item(nested, lazy, value)
            out.append(item)
        return out

    return read


def _odd_item(nested: type[GoModel], lazy: type[Any], value: Any) -> Any:
    """A list item that is not an object with canonical keys: folded as Go reads it, a zero
    struct for ``null``, else kept to fail when touched."""
    if value is None:
        return nested()
    try:
        if type(value) is dict:
            return _lazy_object(nested, value)
        return _decode_folded(nested, pydantic_core.to_json(value))  # Go's error for a non-object
    except WireDecodeError as exc:
        item = _new(lazy)
        _set_private(item, _Unreadable(str(exc)))
        return item


# --------------------------------------------------------------------------------------------
# []byte


_RUST_BASE64_FROM: Final = 2048
"""Base64 text from this length on is decoded by pydantic-core, about four times faster than
binascii (whose strict decoder goes byte by byte); what pydantic-core accepts beyond Go's
alphabet and padding is caught by ``_standard``."""

_BASE64: Final = pydantic_core.SchemaValidator(
    core_schema.bytes_schema(), core_schema.CoreConfig(val_json_bytes="base64")
)


def _bytes_of(text: str) -> bytes:
    """``[]byte`` from its JSON string, exactly as Go decodes it (``b64decode``)."""
    if len(text) >= _RUST_BASE64_FROM:
        try:
            decoded: bytes = _BASE64.validate_strings(text)  # type: ignore[arg-type]  # a str is a valid input
        except ValidationError:  # not base64 at all: binascii says how
            pass
        else:
            if _standard(text, decoded):
                return decoded
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        return b64decode(text)  # Go skips \r and \n; anything else fails there with Go's message


def _standard(text: str, decoded: bytes) -> bool:
    """Whether ``text`` is the standard padded base64 of ``decoded``: the length, the padding
    and the alphabet say so without encoding again."""
    size = len(text)
    padding = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
    return (
        size % 4 == 0
        and len(decoded) == size // 4 * 3 - padding
        and text.find("=") == (size - padding if padding else -1)  # no '=' before the padding
        and text.find("-") < 0
        and text.find("_") < 0
    )
