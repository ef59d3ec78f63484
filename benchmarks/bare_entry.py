"""A bare endpoint for the benchmarks: answers every call with one constant, so the measured
time is the C shim plus one Python method call (``--entry bare_entry:load``)."""

from __future__ import annotations

from collections.abc import Callable

ANSWER = (0, b'{"ok":false,"error":{"code":"unknown_method","message":"unknown method"}}')


class Bare:
    plugin_id = "bare"

    def __init__(self, so_path: str, target: str, host_call: Callable[[str, bytes], tuple[int, bytes]]) -> None:
        self.answer = ANSWER

    def call(self, method: str, request: bytes) -> tuple[int, bytes]:
        return self.answer

    def shutdown(self) -> None:
        pass


def load(so_path: str, target: str, host_call: Callable[[str, bytes], tuple[int, bytes]]) -> Bare:
    return Bare(so_path, target, host_call)
