"""Where a line of a function's source is, for asserting the file:line a log message names."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def line_of(function: Callable[..., Any], text: str) -> int:
    """The line number of the first line of ``function``'s source that contains ``text``."""
    lines, first = inspect.getsourcelines(function)
    return first + next(index for index, line in enumerate(lines) if text in line)
