"""Integer types with Go's ranges.

Go's decoder rejects a JSON number that does not fit the field (``1e19`` into an ``int64``, ``-1``
into a ``uint32``) and fails the whole call. Bounding the Python fields catches such values when
the model is built, in the plugin, instead of in the host.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

__all__ = ["GoInt", "GoInt64", "GoUint32"]

GoInt64 = Annotated[int, Field(ge=-(1 << 63), le=(1 << 63) - 1)]
"""Go ``int64``."""

GoInt = GoInt64
"""Go ``int``: 64 bits on every platform CPA ships for."""

GoUint32 = Annotated[int, Field(ge=0, le=(1 << 32) - 1)]
"""Go ``uint32``: negative numbers fail the call."""
