"""Every port, built into its ``.so``, answers its golden vectors through the C test host.

The same vectors as in-process (``golden.port_replay``), checked by the same code
(``golden.check_answers``, ``golden.assert_host_calls``); here the answers come from
``cpa_sdk/testing/host/cpa_test_host.c``, which loads the ``.so`` as CPA does, answers host callbacks
from the script's ``hostreply`` lines and records them. One host process per example.

The host answers every callback to a method with the last ``hostreply`` for it. Which reply each
callback gets is worked out beforehand by the very ``FakeHost`` the in-process replay scripts
(``golden.script_host``), fed the callbacks each vector records; a reply that changes is sent
before the call that needs it. A vector needing two different replies to one method within one
call cannot be scripted so: ``NEEDS_SUCCESSIVE_REPLIES`` names each, and
``test_successive_host_replies_within_one_call`` keeps the gap visible (the ctypes replay in
``test_build_all.py`` covers that vector through the ``.so``).

claude-web-search-router's golden run is a transcript of streams whose callbacks answer in
sequence (a backend's stream is read chunk after chunk); ``REPLAYED_ELSEWHERE`` sends it to its
own test module, which replays the transcript through the built ``.so``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest

from cpa_sdk.testing import FakeHost, HostCall
from reference_plugins.catalog import PLUGINS
from tests.c_host import Host, HostRun, host_bytes, script_text
from tests.reference.golden import Answer, PortReplay, assert_host_calls, check_answers, port_replay, script_host

NAME: Final = "port"
REPLAYED_ELSEWHERE: Final = {"claude-web-search-router": "tests/reference/test_claude_web_search_router.py"}


@dataclass
class Script:
    """The C host script replaying a port, vector by vector."""

    load: list[str]
    steps: list[list[str]] = field(default_factory=list)
    """Per vector: the ``hostqueue``/``hostreply`` lines it needs, then its ``call``."""

    def lines(self) -> list[str]:
        return [*self.load, *(line for step in self.steps for line in step), f"unload {NAME}"]


def c_host_script(port: PortReplay, so: Path) -> Script:
    # "stats" prints the callbacks made while loading, so none is taken for the first vector's.
    script = Script(load=[f"load {NAME} {so}", "stats"])
    host = script_host(FakeHost(strict_logs=True), port.host_replies)
    sent: dict[str, bytes] = {}
    for index, vector in enumerate(port.vectors):
        replies: dict[str, list[bytes]] = {}
        for method, request in _callbacks(port, vector):
            rc, reply = host(method, request.encode())
            assert rc == 0, (method, reply)
            replies.setdefault(method, []).append(reply)
        step = []
        for method, answers in replies.items():
            *first, last = answers
            if any(answer != last for answer in first):
                step += [f"hostqueue {method} {script_text(answer)}" for answer in first]
            if sent.get(method) != last:
                step.append(f"hostreply {method} {script_text(last)}")
                sent[method] = last
        request = vector["req"].encode()
        step.append(
            f"call {NAME} {vector['method']} {script_text(request)}" if request else f"call {NAME} {vector['method']}"
        )
        script.steps.append(step)
    return script


def _callbacks(port: PortReplay, vector: dict[str, Any]) -> list[tuple[str, str]]:
    """The scripted callbacks ``vector`` makes, as recorded; every scripted method when the golden
    file records the callbacks per run (its replies must then be one each, not a sequence)."""
    if "host_calls" in vector:
        return [(method, request) for method, request in vector["host_calls"] if method in port.host_replies]
    assert not any(isinstance(reply, list) and len(reply) > 1 for reply in port.host_replies.values()), port.name
    return [(method, "") for method in port.host_replies]


def read_answers(run: HostRun) -> tuple[list[Answer], list[HostCall]]:
    """Each call's answer with the callbacks made during it, and all callbacks until the unload."""
    run.assert_clean()
    answers: list[Answer] = []
    calls: list[HostCall] = []
    everything: list[HostCall] = []
    for event in run.events:
        kind = event.get("event")
        if kind == "host_call":
            calls.append(HostCall(event["method"], host_bytes(event["request"])))
            everything.append(calls[-1])
        elif kind == "stats":  # those were made while loading
            calls = []
        elif kind == "call":
            answers.append(Answer(event["rc"], host_bytes(event["out"]), calls))
            calls = []
        elif kind == "unload":  # shutdown's callbacks are no vector's (in-process neither)
            break
    return answers, everything


def replay_through_c_host(c_host: Host, port: PortReplay, so: Path) -> None:
    run = c_host.script("\n".join(c_host_script(port, so).lines()))
    answers, calls = read_answers(run)
    assert check_answers(port.vectors, answers) == len(port.vectors) > 0
    if port.host_calls is not None:
        assert_host_calls(calls, port.host_calls, f"{port.name} run")


def built(reference_builds: Path, name: str) -> Path:
    return reference_builds / f"{PLUGINS[name].plugin_id}.so"


@pytest.mark.parametrize("name", [name for name in PLUGINS if name not in REPLAYED_ELSEWHERE])
def test_port_answers_its_golden_vectors_through_the_c_host(
    name: str, golden: dict[str, Any], c_host: Host, reference_builds: Path
) -> None:
    replay_through_c_host(c_host, port_replay(golden, name), built(reference_builds, name))


def test_ports_replayed_elsewhere_are_replayed_through_their_built_library() -> None:
    root = Path(__file__).resolve().parents[2]
    for name, test_file in REPLAYED_ELSEWHERE.items():
        assert name in PLUGINS
        assert "reference_builds" in (root / test_file).read_text(), f"{test_file} does not load the built {name}"
