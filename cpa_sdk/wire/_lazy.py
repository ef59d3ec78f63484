"""Lists of wire models decoded lazily: ``Annotated[list[Item] | None, LazyItems()]``.

``scheduler.pick`` carries every candidate auth (tens to hundreds of them), and a scheduler
usually reads a field or two of each: decoding them all into models cost more than the rest of
the call. In JSON (what the host sends), such a list is read in one Rust pass into small
dictionaries: the item's scalar fields (``str``, ``int``, ``bool``, ``float``) validated as the
model would, and every other field (maps, lists) kept as the raw JSON value. The items are
instances of the item model, built without pydantic; a raw field is validated the first time it
is read, so a plugin pays only for what it touches.

An item that does not decode as canonical Go output (a key spelt in another case, ``null`` on a
string, a wrong type) is decoded the slow way, as Go would read it; if that fails, the item is
kept and reading any field of it raises ``WireDecodeError`` (a ``plugin_error`` envelope), so an
invalid candidate that the plugin never touches does not fail the call.

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

from cpa_sdk.wire._go import GoModel, WireDecodeError, _decode_folded, _strip_annotated, _union_members

__all__ = ["LazyItems"]

_RAW: Final = "~"
"""Prefix of the ``__dict__`` key holding a field's raw JSON value until it is read."""

_SCALARS: Final = (str, int, bool, float)


class _Unreadable:
    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class _LazyItem:
    """Mixin of the lazily built item classes (one per item model, ``_lazy_class``)."""

    __slots__ = ()
    _cpa_lazy: ClassVar[bool] = True
    _cpa_validators: ClassVar[dict[str, Callable[[Any], Any]]]
    _cpa_model: ClassVar[type[GoModel]]

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "__dict__")
        raw = values.pop(_RAW + name, _RAW)
        if raw is not _RAW:
            value = values[name] = _validate_raw(self, name, raw)
            return value
        state = _state(self)
        if isinstance(state, _Unreadable):
            raise WireDecodeError(state.message)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _cpa_complete(self) -> None:
        """Validate every field not read yet: the item becomes an ordinary model."""
        state = _state(self)
        if isinstance(state, _Unreadable):
            raise WireDecodeError(state.message)
        try:
            object.__getattribute__(self, "__pydantic_fields_set__")
            return  # completed before
        except AttributeError:
            pass
        values = object.__getattribute__(self, "__dict__")
        for key in [k for k in values if k.startswith(_RAW)]:
            name = key[len(_RAW):]
            values[name] = _validate_raw(self, name, values.pop(key))
        object.__setattr__(self, "__pydantic_fields_set__", set(values))
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
        return (
            _model_of(self) is _model_of(other)
            and self.__dict__ == other.__dict__
            and not other.__pydantic_extra__
        )

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


def _validate_raw(item: Any, name: str, raw: Any) -> Any:
    cls = type(item)
    try:
        return cls._cpa_validators[name](raw)
    except ValidationError as exc:
        where = cls.model_fields[name].alias or name
        problem = "; ".join(e["msg"] for e in exc.errors(include_url=False))
        raise WireDecodeError(f"cannot decode {cls._cpa_model.__name__}.{where}: {problem}") from None


# --------------------------------------------------------------------------------------------
# The schema


class LazyItems:
    """``Annotated`` marker of a ``list[Model] | None`` field decoded lazily from JSON."""

    lazy_items: Final = True  # what GoModel looks for (cpa_sdk.wire._go)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        eager = handler(source)
        lists = [m for m in _union_members(source) if get_args(m) and isinstance(get_args(m)[0], type)]
        (item_model,) = {get_args(m)[0] for m in lists}
        lazy = _lazy_class(item_model)
        items = core_schema.list_schema(
            core_schema.union_schema(
                [_skeleton(item_model), core_schema.no_info_after_validator_function(_Fallback, core_schema.any_schema())],
                mode="left_to_right",
            )
        )
        wrap = _wrapper(lazy, item_model)
        json_schema: core_schema.CoreSchema = core_schema.no_info_after_validator_function(wrap, items)
        if type(None) in _union_members(source):
            json_schema = core_schema.nullable_schema(json_schema)
        return core_schema.json_or_python_schema(
            json_schema=json_schema,
            python_schema=eager,
            serialization=core_schema.plain_serializer_function_ser_schema(_completed, return_schema=eager),
        )


class _Fallback:
    """A raw item that did not decode on the fast path."""

    __slots__ = ("raw",)

    def __init__(self, raw: Any) -> None:
        self.raw = raw


def _completed(items: Any) -> Any:
    for item in items or ():
        if isinstance(item, _LazyItem):
            item._cpa_complete()
    return items


def _is_scalar(annotation: Any) -> bool:
    return _strip_annotated(annotation) in _SCALARS


def _skeleton(model: type[GoModel]) -> core_schema.CoreSchema:
    """One item as a dict: scalar fields validated, the others raw under ``~name``."""
    model.model_rebuild()
    schema: Any = model.__pydantic_core_schema__
    if schema.get("type") != "model" or schema["schema"].get("type") != "model-fields":
        raise TypeError(f"{model.__name__} cannot be decoded lazily")
    fields: dict[str, core_schema.TypedDictField] = {}
    for name, field in schema["schema"]["fields"].items():
        alias = model.model_fields[name].alias or name
        if _is_scalar(model.model_fields[name].annotation):
            fields[name] = core_schema.typed_dict_field(field["schema"], validation_alias=alias, required=False)
        else:
            raw = core_schema.with_default_schema(core_schema.any_schema(), default=None)  # absent: Go's zero value
            fields[_RAW + name] = core_schema.typed_dict_field(raw, validation_alias=alias, required=False)
    return core_schema.typed_dict_schema(fields, extra_behavior="forbid", config=core_schema.CoreConfig(strict=True))


_CLASSES: dict[type[GoModel], type[GoModel]] = {}


def _lazy_class(model: type[GoModel]) -> type[GoModel]:
    lazy: type[GoModel] | None = _CLASSES.get(model)
    if lazy is None:
        namespace = {"__module__": model.__module__, "__qualname__": f"{model.__qualname__}.Lazy"}
        metaclass: Any = type(model)
        lazy = metaclass(f"Lazy{model.__name__}", (_LazyItem, model), namespace)
        validators = {
            name: _raw_validator(model, name) for name, info in model.model_fields.items() if not _is_scalar(info.annotation)
        }
        type.__setattr__(lazy, "_cpa_validators", validators)
        type.__setattr__(lazy, "_cpa_model", model)
        _CLASSES[model] = lazy
    return lazy


def _raw_validator(model: type[GoModel], name: str) -> Callable[[Any], Any]:
    """Validates a field's raw JSON value as decoding would, Go's nulls included."""
    info = model.model_fields[name]
    shape = model._shapes[name]
    if shape.bytes_container is not None or shape.nested is not None:
        raise TypeError(f"{model.__name__}.{name}: lazily decoded fields hold no []byte or structs")
    annotation: Any = info.annotation
    validate = TypeAdapter[Any](annotation, config=ConfigDict(strict=True)).validate_python
    default = info.get_default(call_default_factory=True)

    def run(raw: Any) -> Any:
        if raw is None and not shape.nilable:
            return _copy.copy(default)
        if shape.map_of_slices and isinstance(raw, dict):
            raw = {k: [] if v is None else v for k, v in raw.items()}
        return validate(raw)

    return run


def _wrapper(lazy: type[GoModel], model: type[GoModel]) -> Callable[[list[Any]], list[Any]]:
    new = object.__new__
    set_slot = object.__setattr__

    def wrap(items: list[Any]) -> list[Any]:
        out = []
        for values in items:
            if type(values) is dict:
                item = new(lazy)
                set_slot(item, "__dict__", values)
            else:
                item = _slow_item(lazy, model, values.raw)
            out.append(item)
        return out

    return wrap


def _slow_item(lazy: type[GoModel], model: type[GoModel], raw: Any) -> Any:
    """An item off the fast path: decoded as Go would, else kept to fail when touched."""
    try:
        return _decode_folded(model, pydantic_core.to_json(raw))
    except WireDecodeError as exc:
        item = object.__new__(lazy)
        object.__setattr__(item, "__dict__", {})
        object.__setattr__(item, "__pydantic_private__", _Unreadable(str(exc)))
        return item
