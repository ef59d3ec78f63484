"""Replaying the upstream golden vectors against a port, and adapting them to the Python IDs.

Replay rule (issue "reference_plugins"): results are equal as JSON once decoded, a missing field
counting as Go's zero value; byte fields (base64 text) compare exactly, so pages and bodies are
byte for byte; return codes match exactly; error codes match, and messages too unless the code is
``plugin_error`` (Go library text). Host callbacks match in order, method and payload under the
same rule, ``host.log`` included.

The golden file holds the C variants of the generated examples and of ``simple``. ``for_python``
rewrites them: plain text and base64 payloads alike get the Python IDs.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cpa_sdk import Plugin
from cpa_sdk.testing import FakeHost, HostCall, PluginHarness, assert_wire_equal

Vector = dict[str, Any]
Substitutions = Sequence[tuple[str, str]]


def replay(harness: PluginHarness, vectors: Iterable[Mapping[str, Any]]) -> int:
    """Replay every vector in order and check it; returns how many ran."""
    count = 0
    for index, vector in enumerate(vectors):
        start = len(harness.host.calls)
        result = harness.call_raw(vector["method"], vector["req"].encode())
        where = f"vector {index} ({vector['method']} {vector['req'][:80]!r})"
        assert result.rc == vector["rc"], f"{where}: rc {result.rc} != {vector['rc']}: {result.raw!r}"
        expected = json.loads(vector["out"])
        actual = result.envelope
        assert actual.get("ok", False) == expected.get("ok", False), f"{where}: {result.raw!r} vs {vector['out']}"
        if expected.get("ok"):
            try:
                assert_wire_equal(actual.get("result"), expected.get("result"))
            except AssertionError as exc:
                raise AssertionError(f"{where}: {exc}") from None
        else:
            assert actual["error"]["code"] == expected["error"]["code"], f"{where}: {actual} vs {expected}"
            if expected["error"]["code"] != "plugin_error":
                assert actual["error"]["message"] == expected["error"]["message"], f"{where}: {actual} vs {expected}"
        if "host_calls" in vector:
            assert_host_calls(harness.host.calls[start:], vector["host_calls"], where)
        count += 1
    return count


def assert_host_calls(calls: Sequence[HostCall], expected: Iterable[Sequence[str]], where: str = "") -> None:
    """The recorded ``calls`` equal ``expected`` (``[method, request]`` pairs) in order."""
    wanted = [(c[0], c[1]) for c in expected]
    recorded = [(call.method, call.request.decode()) for call in calls]
    assert [m for m, _ in recorded] == [m for m, _ in wanted], f"{where}: host calls {recorded} != {wanted}"
    for (method, got), (_, want) in zip(recorded, wanted, strict=True):
        if want:
            try:
                assert_wire_equal(got, want)
            except AssertionError as exc:
                raise AssertionError(f"{where}: {method} payload: {exc}") from None


def script_host(host: FakeHost, replies: Mapping[str, Any]) -> FakeHost:
    """Script ``host`` with golden host replies (``host_replies_used``).

    A list holds successive replies, its last one repeating. A failed reply becomes a
    ``host_call_failed`` error envelope with rc 0, which is how CPA answers every failure
    whatever code the recording host used.
    """
    for method, reply in replies.items():
        items = reply if isinstance(reply, list) else [reply]
        for position, item in enumerate(reversed(items)):
            envelope = json.loads(item["out"])
            kwargs: dict[str, Any] = {} if position == 0 else {"times": 1}
            if envelope.get("ok"):
                host.on(method, envelope.get("result"), **kwargs)
            else:
                host.on(method, error=envelope["error"]["message"], **kwargs)
    return host


def generated_vectors(golden: Mapping[str, Any], slug: str) -> tuple[list[Vector], list[list[str]]]:
    """The generated example ``slug`` as vectors for ``example-<slug>-python``, and its host calls.

    Upstream's C run sent every method the same request (``generated_examples_c_request_was``).
    The Go unknown-method message is expected, as the SDK answers like the Go variant; the C
    variant's message lacks the method name.
    """
    pid = f"example-{slug}-python"
    substitutions = [(f"example-{slug}-c", pid), ("<PID>", pid)]
    request = golden["generated_examples_c_request_was"]
    vectors = []
    host_calls: list[list[str]] = []
    for method, entry in golden["generated_examples"][slug].items():
        if method == "_host_calls":
            host_calls = [[m, substitute_text(r, substitutions)] for m, r in entry]
            continue
        out = go_unknown_method(for_python(entry["out"], substitutions), method)
        vectors.append({"method": method, "req": request, "rc": entry["rc"], "out": out})
    return vectors, host_calls


def replay_generated(
    golden: Mapping[str, Any], slug: str, plugin: type[Plugin[Any]], *, host: FakeHost | None = None,
    differing: Iterable[str] = (),
) -> PluginHarness:
    """Replay generated example ``slug`` on ``plugin`` and check the run's host calls.

    Methods in ``differing`` are left out: the caller asserts the port's deliberate answer.
    Returns the (closed) harness, whose host holds the recorded calls.
    """
    vectors, host_calls = generated_vectors(golden, slug)
    skipped = set(differing)
    kept = [v for v in vectors if v["method"] not in skipped]
    assert len(kept) == len(vectors) - len(skipped), f"{sorted(skipped)} not all among {[v['method'] for v in vectors]}"
    with PluginHarness(plugin, host=host) as harness:
        assert replay(harness, kept) == len(kept) > 0
        assert_host_calls(harness.host.calls, host_calls, f"{slug} run")
    return harness


def go_unknown_method(out: str, method: str) -> str:
    """Expect Go's ``unknown method: <method>`` where the C variant says ``unknown method``."""
    envelope = json.loads(out)
    error = envelope.get("error") or {}
    if error.get("code") == "unknown_method":
        error["message"] = f"unknown method: {method}"
        return json.dumps(envelope, separators=(",", ":"))
    return out


def for_python(out: str, substitutions: Substitutions) -> str:
    """``out`` with every substitution applied to its strings, inside base64 payloads too."""
    return json.dumps(_substitute(json.loads(out), substitutions), separators=(",", ":"), ensure_ascii=False)


def _substitute(value: Any, substitutions: Substitutions) -> Any:
    if isinstance(value, dict):
        return {substitute_text(k, substitutions): _substitute(v, substitutions) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, substitutions) for v in value]
    if isinstance(value, str):
        decoded = _base64_text(value)
        if decoded is not None and any(old in decoded for old, _ in substitutions):
            return base64.b64encode(substitute_text(decoded, substitutions).encode()).decode()
        return substitute_text(value, substitutions)
    return value


def substitute_text(text: str, substitutions: Substitutions) -> str:
    for old, new in substitutions:
        text = text.replace(old, new)
    return text


def _base64_text(value: str) -> str | None:
    """The text a strict base64 string stands for, or None if it is not one."""
    try:
        decoded = base64.b64decode(value, validate=True)
        return decoded.decode("utf-8") if value and base64.b64encode(decoded).decode() == value else None
    except (binascii.Error, ValueError):
        return None


def result_body(out: str, key: str = "Body") -> bytes:
    """The decoded byte field ``key`` of a vector's result."""
    return base64.b64decode(json.loads(out)["result"][key])


def with_result_body(out: str, body: bytes, key: str = "Body") -> str:
    """``out`` with the byte field ``key`` of its result replaced."""
    envelope = json.loads(out)
    envelope["result"][key] = base64.b64encode(body).decode()
    return json.dumps(envelope, separators=(",", ":"))
