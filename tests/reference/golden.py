"""Replaying the upstream golden vectors against a port, and adapting them to the Python IDs.

Replay rule (issue "reference_plugins"): results are equal as JSON once decoded, a missing field
counting as Go's zero value; byte fields (base64 text) compare exactly, so pages and bodies are
byte for byte; return codes match exactly; error codes match, and messages too unless the code is
``plugin_error`` (Go library text). Host callbacks match in order, method and payload under the
same rule, ``host.log`` included.

The golden file holds the C variants of the generated examples and of ``simple``. ``for_python``
rewrites them: plain text and base64 payloads alike get the Python IDs.

``port_replay`` is the one statement of what each port replays (vectors, host replies, the run's
host calls); ``replay_port`` runs it in-process or on a ``.so`` through ctypes, and
``tests/reference/test_c_host_replay.py`` runs it through the C test host. Both check every answer
with ``check_answers``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cpa_sdk import Plugin
from cpa_sdk.testing import CallResult, FakeHost, HostCall, PluginHarness, assert_wire_equal
from reference_plugins._docs import golden_key

Vector = dict[str, Any]
Substitutions = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Answer:
    """What a plugin answered to one vector, and the host callbacks it made meanwhile."""

    rc: int
    raw: bytes
    host_calls: Sequence[HostCall]


def replay(harness: PluginHarness, vectors: Iterable[Mapping[str, Any]]) -> int:
    """Replay every vector in order and check it; returns how many ran."""
    vectors = list(vectors)

    def answers() -> Iterator[Answer]:
        for vector in vectors:
            start = len(harness.host.calls)
            result = harness.call_raw(vector["method"], vector["req"].encode())
            yield Answer(result.rc, result.raw, harness.host.calls[start:])

    return check_answers(vectors, answers())


def check_answers(vectors: Sequence[Mapping[str, Any]], answers: Iterable[Answer]) -> int:
    """Check each answer against its vector (in order, by the replay rule); returns how many."""
    count = 0
    for index, (vector, answer) in enumerate(zip(vectors, answers, strict=True)):
        check_answer(vector, answer, f"vector {index} ({vector['method']} {vector['req'][:80]!r})")
        count += 1
    return count


def check_answer(vector: Mapping[str, Any], answer: Answer, where: str) -> None:
    """``answer`` is the one ``vector`` records, by the replay rule (module docstring)."""
    assert answer.rc == vector["rc"], f"{where}: rc {answer.rc} != {vector['rc']}: {answer.raw!r}"
    expected = json.loads(vector["out"])
    actual = CallResult(answer.rc, answer.raw).envelope
    assert actual.get("ok", False) == expected.get("ok", False), f"{where}: {answer.raw!r} vs {vector['out']}"
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
        assert_host_calls(answer.host_calls, vector["host_calls"], where)


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
    golden: Mapping[str, Any],
    slug: str,
    plugin: type[Plugin[Any]],
    *,
    host: FakeHost | None = None,
    differing: Iterable[str] | None = None,
) -> PluginHarness:
    """Replay generated example ``slug`` on ``plugin`` and check the run's host calls.

    By default the same as ``replay_port``. ``differing`` (methods left out) and ``host`` replace
    what ``port_replay`` says for the example. Returns the (closed) harness.
    """
    port = port_replay(golden, slug)
    if differing is not None:
        vectors, _ = generated_vectors(golden, slug)
        port = PortReplay(
            slug, _without(vectors, [(method, None) for method in differing]), port.host_replies, port.host_calls
        )
    return _replay_port(port, plugin, host)


# ---- what each port replays --------------------------------------------------------------------

SIMPLE_SUBSTITUTIONS: Final[Substitutions] = (
    ("example-simple-c", "example-simple-python"),
    ("plugin-example-c", "plugin-example-python"),
    ("Plugin Example C", "Plugin Example Python"),
    ("plugin example c command", "plugin example python command"),
    ("example C ABI plugin", "example Python ABI plugin"),
    ("Example C Plugin", "Example Python Plugin"),
    # Upstream writes "example-c" where it means its plugin ID (resource path, "plugin" of the
    # echoes); the port writes the ID it is loaded under.
    ("example-c", "example-simple-python"),
)
"""``simple_c`` with the Python names."""

DIFFERING: Final[Mapping[str, Sequence[tuple[str, str | None]]]] = {
    "simple": (
        ("request.normalize", "not json"),  # C: invalid_request rc 0; port: decode error rc 1
        ("response.translate", '{"body":"eyJhIjoxfQ=="}'),  # C misses lower-case "body"; Go reads it
        ("usage.handle", "{}"),  # C: {"Count":1}; port: {} and a private count
    ),
    "cli": (("command_line.execute", None),),  # upstream escapes the output twice
    "executor": (("executor.execute_stream", None),),  # upstream JSON-encodes the SSE chunk
    # upstream writes garbage for a body of "{" (sjson does not validate); the port leaves it alone
    "codex-service-tier": (("request.normalize", '{"ToFormat": "codex", "Model": "gpt-5.5", "Body": "ew=="}'),),
    "request-lifecycle": (
        # upstream answers this PluginError with rc 1, the SDK with rc 0 (CPA reads both the same)
        ("request.intercept_before", '{"Body": "e30="}'),
    ),
}
"""Vectors whose upstream answer a port deliberately does not give, as ``(method, request)``
(``None``: the method's only vector). The port's docstring says why; its test module asserts what
it answers instead."""

HOST_REPLIES: Final[Mapping[str, Mapping[str, Any]]] = {
    # The golden file records no replies for the generated example: it logs, and it fetches a page
    # whose answer it ignores.
    "host-callback": {
        "host.log": {"out": '{"ok":true,"result":{}}'},
        "host.http.do": {"out": '{"ok":true,"result":{"StatusCode":200}}'},
    },
}
"""Host replies of the ports whose golden run has none in ``host_replies_used``."""


@dataclass(frozen=True)
class PortReplay:
    """What the port of one example replays, wherever it runs."""

    name: str
    vectors: list[Vector]
    """In order; each holds ``method``, ``req``, ``rc``, ``out`` and, when recorded per call,
    ``host_calls``."""
    host_replies: Mapping[str, Any]
    """The host's answers, as ``host_replies_used`` in the golden file (``script_host``)."""
    host_calls: list[list[str]] | None
    """The callbacks of the whole run, when the golden file records them per run, not per call."""


def port_replay(golden: Mapping[str, Any], name: str) -> PortReplay:
    """What the port of example ``name`` replays: its golden vectors for the Python IDs, minus
    ``DIFFERING``, with the host replies its run needs."""
    section, _, slug = golden_key(name).partition("/")
    if slug:
        vectors, host_calls = generated_vectors(golden, slug)
        replies = HOST_REPLIES.get(name, {})
        return PortReplay(name, _without(vectors, DIFFERING.get(name, ())), replies, host_calls)
    vectors = [dict(vector) for vector in golden[section]]
    if name == "simple":
        vectors = _simple_for_python(vectors)
    elif name == "host-callback-auth-files":
        vectors = _host_failures_as_cpa_answers(vectors)
    elif name == "request-lifecycle":
        vectors = _registration_at_host_schema(vectors)
    replies = golden["host_replies_used"].get(section, HOST_REPLIES.get(name, {}))
    return PortReplay(name, _without(vectors, DIFFERING.get(name, ())), replies, None)


def replay_port(
    golden: Mapping[str, Any], name: str, plugin: type[Plugin[Any]] | str | os.PathLike[str]
) -> PluginHarness:
    """Replay ``port_replay(golden, name)`` on ``plugin`` (the class, or its built ``.so``) with a
    strict ``FakeHost`` scripted with the port's host replies. Returns the (closed) harness."""
    return _replay_port(port_replay(golden, name), plugin, None)


def _replay_port(
    port: PortReplay, plugin: type[Plugin[Any]] | str | os.PathLike[str], host: FakeHost | None
) -> PluginHarness:
    if host is None:
        host = script_host(FakeHost(strict_logs=True), port.host_replies)
    with PluginHarness(plugin, host=host) as harness:
        assert replay(harness, port.vectors) == len(port.vectors) > 0
        if port.host_calls is not None:
            assert_host_calls(harness.host.calls, port.host_calls, f"{port.name} run")
    return harness


def _without(vectors: list[Vector], differing: Iterable[tuple[str, str | None]]) -> list[Vector]:
    """``vectors`` minus the ``differing`` ones, each of which must match exactly one vector."""
    kept = vectors
    for method, request in differing:
        left = [v for v in kept if not (v["method"] == method and request in (None, v["req"]))]
        assert len(left) == len(kept) - 1, f"{method} {request!r} is not exactly one of {[v['method'] for v in kept]}"
        kept = left
    return kept


def _simple_for_python(vectors: list[Vector]) -> list[Vector]:
    for vector in vectors:
        out = go_unknown_method(for_python(vector["out"], SIMPLE_SUBSTITUTIONS), vector["method"])
        # The C variant spells the result key "Resources"; Go (and CPA) read it as "resources".
        vector["out"] = out.replace('{"Resources":', '{"resources":')
    return vectors


def _host_failures_as_cpa_answers(vectors: list[Vector]) -> list[Vector]:
    """The golden run, adapted to what CPA itself answers.

    The recording host answered ``host.auth.get`` with rc 1 and code ``not_found``; CPA answers
    every failed callback with rc 0 and code ``host_call_failed`` (protocol §2.4), so the page
    shows ``host_call_failed: auth index not found`` where upstream's run showed ``not_found: …``.
    """
    for vector in vectors:
        if b"not_found: " in (result_body(vector["out"]) if '"Body"' in vector["out"] else b""):
            page = result_body(vector["out"]).replace(b"not_found: ", b"host_call_failed: ")
            vector["out"] = with_result_body(vector["out"], page)
    return vectors


def _registration_at_host_schema(vectors: list[Vector]) -> list[Vector]:
    """Registrations answered with the host's schema where it is below 3.

    Upstream always answers schema 3; a host that speaks 2 refuses a plugin schema above its own
    (``internal/pluginhost/rpc_client.go``), so the SDK answers the host's schema instead.
    """
    for vector in vectors:
        if vector["method"] in ("plugin.register", "plugin.reconfigure") and vector["rc"] == 0:
            host_schema = json.loads(vector["req"]).get("schema_version") or 3
            envelope = json.loads(vector["out"])
            envelope["result"]["schema_version"] = min(3, host_schema)
            vector["out"] = json.dumps(envelope)
    return vectors


# ---- rewriting upstream's answers --------------------------------------------------------------


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
