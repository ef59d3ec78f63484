"""Lists of wire models decoded lazily: ``Annotated[list[Item] | None, LazyItems()]``.

``scheduler.pick`` carries every candidate auth (tens to hundreds of them), and a scheduler
usually reads a field or two of each: validating them all into models cost more than the rest of
the call. A model with such a list is decoded with one ``from_json`` pass (pydantic's JSON
validation first builds a tree of the whole text, which costs more than the parse itself); the
rest of the model is validated as usual, and each item of the list becomes an instance of the
item model that holds its raw JSON object and validates a field the first time it is read. A
plugin pays only for what it touches; an item it never reads is never validated.

A field that does not decode as Go would decode it (a wrong type, a number out of range) raises
``WireDecodeError`` when read, which the dispatcher answers with a ``plugin_error`` envelope. An
item that is not canonical Go output (a key spelt in another case, an unknown key) is decoded the
slow way as Go would read it; an item that is not an object fails when touched.

Anything that looks at an item as a whole (``==``, ``repr``, ``model_dump``, ``encode``,
``copy``, pickling) validates its remaining fields first. Built in Python (``Model(...)``,
``model_validate``), the list holds ordinary models.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Callable
from typing import Any, ClassVar, Final, get_args

import pydantic_core
from pydantic import ConfigDict, GetCoreSchemaHandler, TypeAdapter, ValidationError
from pydantic_core import core_schema

from cpa_sdk.wire._go import (
    _LAZY_DECODER,
    GoModel,
    WireDecodeError,
    _decode_folded,
    _differs_from_go,
    _strip_annotated,
    _union_members,
)

__all__ = ["LazyItems"]


class _Unreadable:
    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class _LazyField:
    """A field of a lazy item: read from the raw JSON object on first access, then kept in the
    instance ``__dict__``, which Python looks in before a descriptor without ``__set__``: later
    reads cost what they cost on any model."""

    __slots__ = ("alias", "name", "read", "text")

    def __init__(self, name: str, alias: str, read: Callable[[dict[str, Any]], Any], text: bool) -> None:
        self.name = name
        self.alias = alias
        self.read = read
        self.text = text  # a str field: a str value needs no more checking

    def __get__(self, item: Any, owner: type | None = None) -> Any:
        if item is None:
            return self
        raw = object.__getattribute__(item, "__pydantic_private__")
        if type(raw) is not dict:
            raise WireDecodeError(raw.message if isinstance(raw, _Unreadable) else f"{self.name} was not decoded")
        value = raw.get(self.alias)
        if not (self.text and type(value) is str):
            value = self.read(raw)
        object.__getattribute__(item, "__dict__")[self.name] = value
        return value


class _LazyItem:
    """Mixin of the lazily built item classes (one per item model, ``_lazy_class``): one
    ``_LazyField`` per field, and completion before anything that reads the model whole."""

    __slots__ = ()
    _cpa_lazy: ClassVar[bool] = True
    _cpa_readers: ClassVar[dict[str, Callable[[dict[str, Any]], Any]]]
    """Per field: reads and validates it from the item's raw JSON object."""
    _cpa_model: ClassVar[type[GoModel]]

    def _cpa_complete(self) -> None:
        """Validate every field not read yet: the item becomes an ordinary model."""
        raw = _state(self)
        if isinstance(raw, _Unreadable):
            raise WireDecodeError(raw.message)
        if type(raw) is not dict:
            return  # completed before
        values = object.__getattribute__(self, "__dict__")
        for name, read in type(self)._cpa_readers.items():
            if name not in values:
                values[name] = read(raw)
        ordered = {
            name: values[name] for name in type(self)._cpa_model.model_fields
        }  # declaration order, as pydantic keeps it
        values.clear()
        values.update(ordered)
        shapes = type(self)._cpa_model._shapes
        object.__setattr__(self, "__pydantic_fields_set__", {n for n, s in shapes.items() if s.alias in raw})
        object.__setattr__(self, "__pydantic_extra__", {})
        object.__setattr__(self, "__pydantic_private__", None)

    def __repr_name__(self) -> str:
        return type(self)._cpa_model.__name__

    # everything that looks at the model as a whole: complete it first

    def __eq__(self, other: object) -> bool:
        self._cpa_complete()
        if not isinstance(other, GoModel):
            return NotImplemented
        if isinstance(other, _LazyItem):
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
        state: Any = super().__getstate__()
        return state  # type: ignore[no-any-return]

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
    return type(model)._cpa_model if isinstance(model, _LazyItem) else type(model)


def _state(item: object) -> Any:
    try:
        return object.__getattribute__(item, "__pydantic_private__")
    except AttributeError:
        return None


# --------------------------------------------------------------------------------------------
# The schema


class LazyItems:
    """``Annotated`` marker of a ``list[Model] | None`` field decoded lazily from JSON."""

    lazy_items: Final = True  # what GoModel looks for (cpa_sdk.wire._go)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        eager = handler(source)
        lists = [m for m in _union_members(source) if get_args(m) and isinstance(get_args(m)[0], type)]
        (item_model,) = {get_args(m)[0] for m in lists}
        wrap = _wrapper(item_model)
        _WRAPPERS[id(self)] = wrap
        json_schema: core_schema.CoreSchema = core_schema.no_info_after_validator_function(
            wrap, core_schema.list_schema(core_schema.any_schema())
        )
        if type(None) in _union_members(source):
            json_schema = core_schema.nullable_schema(json_schema)
        return core_schema.json_or_python_schema(
            json_schema=json_schema,
            python_schema=eager,
            serialization=core_schema.plain_serializer_function_ser_schema(_completed, return_schema=eager),
        )


_WRAPPERS: dict[int, Callable[[list[Any]], list[Any]]] = {}
"""Per ``LazyItems`` marker (built with its schema): raw JSON items to lazy models."""


def _decode(cls: type[GoModel], data: bytes) -> GoModel:
    """``decode`` of a model with lazy lists: one ``from_json`` pass, then the model without its
    lazy lists validated from the parsed objects, then each list's items wrapped."""
    try:
        parsed = pydantic_core.from_json(data, cache_strings="keys")
    except ValueError as exc:
        raise WireDecodeError(f"invalid JSON: {exc}") from None
    if type(parsed) is not dict:
        return _decode_folded(cls, data)
    lists = [(name, parsed.pop(alias, None)) for name, alias in cls._lazy_lists]
    try:
        model: GoModel = cls.__pydantic_validator__.validate_python(parsed, by_name=False)
    except ValidationError:
        return _decode_folded(cls, data)
    except AttributeError:  # validator not built yet (defer_build)
        cls.model_rebuild()
        return _decode(cls, data)
    if _differs_from_go(model, data):
        return _decode_folded(cls, data)
    values = model.__dict__
    for name, items in lists:
        if items is None:
            continue
        if type(items) is not list:
            return _decode_folded(cls, data)  # Go rejects it: the slow path says how
        marker = next(m for m in cls.model_fields[name].metadata if isinstance(m, LazyItems))
        values[name] = _WRAPPERS[id(marker)](items)
        model.__pydantic_fields_set__.add(name)
    return model


_LAZY_DECODER.append(_decode)


def _completed(items: Any) -> Any:
    for item in items or ():
        if isinstance(item, _LazyItem):
            item._cpa_complete()
    return items


_CLASSES: dict[type[GoModel], type[GoModel]] = {}


def _lazy_class(model: type[GoModel]) -> type[GoModel]:
    lazy: type[GoModel] | None = _CLASSES.get(model)
    if lazy is None:
        namespace = {"__module__": model.__module__, "__qualname__": f"{model.__qualname__}.Lazy"}
        metaclass: Any = type(model)
        lazy = metaclass(f"Lazy{model.__name__}", (_LazyItem, model), namespace)
        readers = {name: _reader(model, name) for name in model.model_fields}
        type.__setattr__(lazy, "_cpa_readers", readers)
        for name, read in readers.items():
            text = _strip_annotated(model.model_fields[name].annotation) is str
            type.__setattr__(lazy, name, _LazyField(name, model._shapes[name].alias, read, text))
        type.__setattr__(lazy, "_cpa_model", model)
        _CLASSES[model] = lazy
    return lazy


_MISSING: Final = object()


def _reader(model: type[GoModel], name: str) -> Callable[[dict[str, Any]], Any]:
    """Reads field ``name`` from an item's raw JSON object and validates it as decoding would:
    a missing key or Go's ``null`` on a non-nilable field gives the zero value."""
    info = model.model_fields[name]
    shape = model._shapes[name]
    alias = shape.alias
    if shape.bytes_container is not None or shape.nested is not None:
        raise TypeError(f"{model.__name__}.{name}: lazily decoded items hold no []byte or structs")
    default = info.get_default(call_default_factory=True)
    kind = _strip_annotated(info.annotation)
    low = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in info.metadata if hasattr(m, "le")), None)
    annotation: Any = info.annotation
    check = TypeAdapter[Any](annotation, config=ConfigDict(strict=True)).validate_python
    where = f"{model.__name__}.{alias}"

    def read(raw: dict[str, Any]) -> Any:
        value = raw.get(alias, _MISSING)
        if value is _MISSING or (value is None and not shape.nilable):
            return _copy.copy(default)
        if type(value) is kind:  # str, bool, float, int (in range): nothing more to check
            if kind is not int or ((low is None or value >= low) and (high is None or value <= high)):
                return value
        if shape.map_of_slices and isinstance(value, dict):
            value = {k: [] if v is None else v for k, v in value.items()}
        try:
            return check(value)
        except ValidationError as exc:
            problem = "; ".join(e["msg"] for e in exc.errors(include_url=False))
            raise WireDecodeError(f"cannot decode {where}: {problem}") from None

    return read


def _wrapper(model: type[GoModel]) -> Callable[[list[Any]], list[Any]]:
    lazy = _lazy_class(model)
    canonical = {shape.alias for shape in model._shapes.values()}
    new = object.__new__
    set_slot = object.__setattr__

    def wrap(items: list[Any]) -> list[Any]:
        out = []
        for raw in items:
            if type(raw) is dict and raw.keys() <= canonical:
                item = new(lazy)
                set_slot(item, "__pydantic_private__", raw)
            else:
                item = _slow_item(lazy, model, raw)
            out.append(item)
        return out

    return wrap


def _slow_item(lazy: type[GoModel], model: type[GoModel], raw: Any) -> Any:
    """An item off the fast path: decoded as Go would, else kept to fail when touched."""
    try:
        return _decode_folded(model, pydantic_core.to_json(raw))
    except WireDecodeError as exc:
        item = object.__new__(lazy)
        object.__setattr__(item, "__pydantic_private__", _Unreadable(str(exc)))
        return item
