"""Stand-in for ``cpa_sdk._bridge:load`` used by the shim's tests (``--entry echo_entry:load``).

The contract is the real one: ``load(so_path, target, host_call) -> endpoint`` with
``endpoint.call(method, request) -> (rc, bytes)`` and ``endpoint.shutdown()``. Here the target
class itself is the endpoint; see ``standins.py``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

HostCall = Callable[[str, bytes], tuple[int, bytes]]


def load(so_path: str, target: str, host_call: HostCall) -> Any:
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(so_path, target, host_call)
