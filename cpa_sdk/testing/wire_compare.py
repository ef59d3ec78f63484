"""Compare JSON the way the host reads it: a missing key equals Go's zero value."""

from __future__ import annotations

from typing import Any

import pydantic_core

from cpa_sdk.wire._go import GO_ZERO_TIME_TEXT

__all__ = ["assert_wire_equal", "go_zero_stripped"]


def go_zero_stripped(value: Any) -> Any:
    """Drop every object key whose value is a Go zero value, recursively.

    Two JSON documents that Go decodes to the same struct compare equal after this: ``""``, ``0``,
    ``false``, ``null``, ``[]``, ``{}`` and the zero time all read as "unset".
    """
    if isinstance(value, dict):
        stripped = {key: go_zero_stripped(item) for key, item in value.items()}
        return {key: item for key, item in stripped.items() if not _is_zero(item)}
    if isinstance(value, list):
        return [go_zero_stripped(item) for item in value]
    return value


def _is_zero(value: Any) -> bool:
    if value is None or value is False or value == GO_ZERO_TIME_TEXT:
        return True
    if isinstance(value, (dict, list, str)) and not value:
        return True
    return type(value) in (int, float) and value == 0


def assert_wire_equal(actual: bytes | str | Any, expected: bytes | str | Any) -> None:
    """Assert two JSON values (bytes, text or parsed) are equal as the host would decode them."""
    left = go_zero_stripped(_parse(actual))
    right = go_zero_stripped(_parse(expected))
    if left != right:
        raise AssertionError(f"wire values differ:\n  actual:   {left!r}\n  expected: {right!r}")


def _parse(value: Any) -> Any:
    if isinstance(value, (bytes, str)):
        return pydantic_core.from_json(value)
    return value
