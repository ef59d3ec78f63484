"""A fake CPA host for unit tests: records every host callback and answers from a script.

Like Kong's go-pdk test host, it fails loudly on any callback the test did not expect. Because
plugin code sees host failures as ``HostError`` (and might swallow them), an unexpected call is
answered with an error envelope *and* remembered; the harness turns it into a test failure that
names the call and shows the recorded sequence.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pydantic_core

from cpa_sdk.envelope import error_envelope, ok_envelope
from cpa_sdk.wire._go import GoModel, encode

__all__ = ["FakeHost", "HostCall", "UnexpectedHostCall"]


@dataclass(frozen=True, slots=True)
class HostCall:
    """One recorded callback: the method and the exact request bytes the plugin sent."""

    method: str
    request: bytes

    def json(self) -> Any:
        """The request parsed as JSON."""
        return pydantic_core.from_json(self.request) if self.request else None


class UnexpectedHostCall(AssertionError):
    """The plugin made a host callback the test did not script."""


Reply = Any  # a GoModel, a JSON-able value, raw bytes, or a callable taking the HostCall
Matcher = Callable[[HostCall], bool]


@dataclass(slots=True)
class _Rule:
    method: str
    reply: Reply
    error: str | None
    matcher: Matcher | None
    times: int | None
    used: int = 0


@dataclass
class FakeHost:
    """Scripted, recording ``HostTransport``.

    ``host.log`` is always accepted (and recorded) unless ``strict_logs`` is set: logs are a side
    channel most tests do not care about.
    """

    strict_logs: bool = False
    calls: list[HostCall] = field(default_factory=list)
    unexpected: list[HostCall] = field(default_factory=list)
    _rules: list[_Rule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on(
        self,
        method: str,
        reply: Reply = None,
        *,
        error: str | None = None,
        match: Matcher | None = None,
        times: int | None = None,
    ) -> FakeHost:
        """Script the answer to ``method``: ``reply`` as the result (``None`` answers ``{}``),
        or ``error`` as a ``host_call_failed`` message. ``match`` narrows the rule to some
        requests; ``times`` limits how often it applies. Later rules are tried first."""
        self._rules.insert(0, _Rule(method, reply, error, match, times))
        return self

    def on_each(self, method: str, replies: Iterable[Reply]) -> FakeHost:
        """Answer successive calls to ``method`` with successive replies (for stream reads)."""
        for reply in reversed(list(replies)):
            self.on(method, reply, times=1)
        return self

    def __call__(self, method: str, request: bytes) -> tuple[int, bytes]:
        call = HostCall(method, bytes(request))
        with self._lock:
            self.calls.append(call)
            rule = self._find(call)
            if rule is None:
                if method == "host.log" and not self.strict_logs:
                    return 0, ok_envelope(b"{}")
                self.unexpected.append(call)
                return 0, error_envelope("host_call_failed", f"unscripted host callback {method}")
            rule.used += 1
        if rule.error is not None:
            return 0, error_envelope("host_call_failed", rule.error)
        reply = rule.reply(call) if callable(rule.reply) else rule.reply
        return 0, ok_envelope(_encode_reply(reply))

    def _find(self, call: HostCall) -> _Rule | None:
        for rule in self._rules:
            if rule.method != call.method or (rule.times is not None and rule.used >= rule.times):
                continue
            if rule.matcher is None or rule.matcher(call):
                return rule
        return None

    def calls_to(self, method: str) -> list[HostCall]:
        """The recorded calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def methods(self) -> list[str]:
        """The recorded sequence of methods."""
        return [call.method for call in self.calls]

    def check(self) -> None:
        """Raise ``UnexpectedHostCall`` if any callback was not scripted."""
        if self.unexpected:
            first = self.unexpected[0]
            sequence = "\n".join(
                f"  {i}. {c.method} {c.request.decode(errors='replace')[:200]}" for i, c in enumerate(self.calls, 1)
            )
            raise UnexpectedHostCall(
                f"unscripted host callback {first.method} with {first.request.decode(errors='replace')[:500]}\n"
                f"script it with host.on({first.method!r}, ...). Recorded calls:\n{sequence}"
            )


def _encode_reply(reply: Reply) -> bytes:
    if reply is None:
        return b"{}"
    if isinstance(reply, GoModel):
        return encode(reply)
    if isinstance(reply, (bytes, bytearray)):
        return bytes(reply)
    return pydantic_core.to_json(reply)
