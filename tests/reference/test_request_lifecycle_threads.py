"""request-lifecycle, built into its ``.so``, keeps exact admission state under concurrent calls.

CPA calls ``request.intercept_before`` and ``request.complete`` from many goroutines at once
(cpa-protocol.md §1.9, §5.9, §5.10). The C test host's ``admission`` mode does the same from
``THREADS`` pthreads, every step starting at a barrier so that the threads contend, and counts
the answers with atomics. Its config reaches the plugin as CPA's does: ``plugin.register`` with
``config_yaml`` (``cliproxy_plugin_init`` carries none). A round is:

* admit: every thread intercepts ``REQUESTS`` new requests, none completed; every fourth carries
  the reject keyword. Exactly ``max_concurrency`` pass, the other plain ones get 429 with
  ``Retry-After: 1``, the keyword ones 403;
* again: CPA asks again for the admitted requests, now with the keyword: all of them pass;
* complete: every intercepted request is completed (the rejected ones too, as CPA does), the
  admitted ones twice, and as many IDs nobody intercepted;
* churn: intercepts and completions at once, each admitted request held a while. The host's own
  count of requests in flight never exceeds the plugin's, so its maximum bounds the plugin's.

A last admit after the rounds shows that every slot came back, and none more: a leak would
admit fewer, freeing slots for duplicate or unknown completions (an underflowing count) more.

The check itself is checked against broken variants of the plugin, built the same way
(``MUTANTS``). One holds a race: the admission's check and add without the lock, with the GIL
released between them, as it may be anywhere on a free-threaded build. On this GIL build, calls
into Python run one at a time (abi_bridge R12) and ``AdmissionSet.admit`` releases the GIL
nowhere, so there simply removing the lock changes nothing observable (tried: 200 rounds, every
count exact). What the test shows is that the same window under the lock stays exact
(``locked``) while without it admits too many (``unlocked``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from cpa_sdk.build import build_plugin
from reference_plugins.request_lifecycle import RequestLifecycle
from tests.c_host import Host

THREADS: Final = 8
REQUESTS: Final = 40  # per thread and step; a multiple of 4 (every fourth is blocked)
ROUNDS: Final = 3
HOLD_NS: Final = 100_000  # how long churn holds an admitted request
MAX_CONCURRENCY: Final = 3
KEYWORD: Final = "blocked"

BODY: Final = b'{"model":"test","messages":[]}'
BLOCKED_BODY: Final = b'{"model":"test","prompt":"' + KEYWORD.encode() + b'"}'

ALL: Final = THREADS * REQUESTS
BLOCKED: Final = ALL // 4
PLAIN: Final = ALL - BLOCKED


@dataclass(frozen=True)
class Deviation:
    round: int
    phase: str
    field: str
    got: int
    want: str

    def __str__(self) -> str:
        return f"round {self.round} {self.phase}: {self.field} {self.got}, want {self.want}"


def run_admission(c_host: Host, so: Path, workdir: Path) -> list[dict[str, Any]]:
    """Every step's counts, in order, from one run of the host's admission mode."""
    config = f"max_concurrency: {MAX_CONCURRENCY}\nreject_keyword: {KEYWORD}\n".encode()
    register = workdir / "register.json"
    register.write_text(json.dumps({"config_yaml": base64.b64encode(config).decode(), "schema_version": 3}))
    run = c_host.run(
        "admission",
        str(so),
        str(register),
        str(THREADS),
        str(REQUESTS),
        str(ROUNDS),
        base64.b64encode(BODY).decode(),
        base64.b64encode(BLOCKED_BODY).decode(),
        str(HOLD_NS),
    )
    assert run.returncode == 0, f"host exited {run.returncode}: {run.stderr}\n{run.events[-3:]}"
    lines = [e for e in run.events if e.get("mode") == "admission"]
    assert lines[0] == {"mode": "admission", "event": "register", "rc": 0, "ok": True}, lines[0]
    assert lines[-1]["event"] == "done" and lines[-1]["late_host_calls"] == 0, lines[-1]
    steps = [e for e in lines if "phase" in e]
    schedule = [(r, phase) for r in range(ROUNDS) for phase in ("admit", "again", "complete", "churn")]
    assert [(s["round"], s["phase"]) for s in steps] == [*schedule, (ROUNDS, "admit")]
    return steps


def deviations(steps: list[dict[str, Any]]) -> list[Deviation]:
    """Each count of ``steps`` that differs from what a correct plugin answers."""
    found: list[Deviation] = []

    def want(step: dict[str, Any], field: str, value: int) -> None:
        if step[field] != value:
            found.append(Deviation(step["round"], step["phase"], field, step[field], f"{value}"))

    for step in steps:
        want(step, "other", 0)
        want(step, "completion_errors", 0)
        if step["phase"] == "admit":
            want(step, "passed", MAX_CONCURRENCY)
            want(step, "busy", PLAIN - MAX_CONCURRENCY)
            want(step, "blocked", BLOCKED)
        elif step["phase"] == "again":
            want(step, "passed", MAX_CONCURRENCY)
            want(step, "busy", 0)
            want(step, "blocked", 0)
        elif step["phase"] == "complete":
            # every intercepted request once, the admitted ones once more, ALL unknown IDs
            want(step, "completions", ALL + MAX_CONCURRENCY + ALL)
        else:
            want(step, "blocked", BLOCKED)
            want(step, "passed", PLAIN - step["busy"])
            if step["passed"] < 1:
                found.append(Deviation(step["round"], "churn", "passed", step["passed"], ">= 1"))
            if step["max_in_flight"] > MAX_CONCURRENCY:
                found.append(
                    Deviation(step["round"], "churn", "max_in_flight", step["max_in_flight"], f"<= {MAX_CONCURRENCY}")
                )
    return found


def test_admission_counts_are_exact_with_8_threads_calling_at_once(
    c_host: Host, reference_builds: Path, tmp_path: Path
) -> None:
    steps = run_admission(c_host, reference_builds / f"{RequestLifecycle.plugin_id}.so", tmp_path)
    assert [str(d) for d in deviations(steps)] == []


# ---- the check against broken plugins ---------------------------------------------------------

MUTANTS: Final = '''
"""request-lifecycle with broken admission state, for test_request_lifecycle_threads."""

import time

from cpa_sdk.admission import AdmissionSet
from reference_plugins.request_lifecycle import RequestLifecycle

WINDOW = 0.002  # seconds between the capacity check and the add, without the GIL


class Unlocked(AdmissionSet):
    def admit(self, request_id):
        if request_id in self._admitted:
            return True
        if len(self._admitted) >= self.capacity:
            return False
        time.sleep(WINDOW)
        self._admitted.add(request_id)
        return True


class Locked(AdmissionSet):
    """Unlocked's window, under the lock: correct."""

    def admit(self, request_id):
        with self._lock:
            if request_id in self._admitted:
                return True
            if len(self._admitted) >= self.capacity:
                return False
            time.sleep(WINDOW)
            self._admitted.add(request_id)
            return True


class Counting(AdmissionSet):
    """A count beside the set: every completion frees a slot, duplicates and unknown IDs too."""

    def __init__(self, capacity):
        super().__init__(capacity)
        self.count = 0

    def admit(self, request_id):
        with self._lock:
            if request_id in self._admitted:
                return True
            if self.count >= self.capacity:
                return False
            self.count += 1
            self._admitted.add(request_id)
            return True

    def release(self, request_id):
        with self._lock:
            self.count -= 1
            self._admitted.discard(request_id)
            return True


class Leaking(AdmissionSet):
    """Completions free nothing."""

    def release(self, request_id):
        return False


def _with(admission_set, plugin_id):
    class Mutant(RequestLifecycle):
        def __init__(self, host):
            super().__init__(host)
            self.in_flight = admission_set(self.in_flight.capacity)

    Mutant.plugin_id = Mutant.name = plugin_id
    return Mutant


UnlockedLifecycle = _with(Unlocked, "request-lifecycle-unlocked")
LockedLifecycle = _with(Locked, "request-lifecycle-locked")
CountingLifecycle = _with(Counting, "request-lifecycle-counting")
LeakingLifecycle = _with(Leaking, "request-lifecycle-leaking")
'''


@pytest.fixture(scope="module")
def mutants_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    here = tmp_path_factory.mktemp("request-lifecycle-mutants")
    (here / "request_lifecycle_mutants.py").write_text(MUTANTS, encoding="utf-8")
    return here


def build_mutant(mutants_dir: Path, name: str) -> Path:
    return build_plugin(f"request_lifecycle_mutants:{name}", mutants_dir / "out", extra_paths=[mutants_dir])


def test_the_same_window_under_the_lock_stays_exact(c_host: Host, mutants_dir: Path, tmp_path: Path) -> None:
    steps = run_admission(c_host, build_mutant(mutants_dir, "LockedLifecycle"), tmp_path)
    assert [str(d) for d in deviations(steps)] == []


@pytest.mark.parametrize(
    ("mutant", "symptom"),
    [
        ("UnlockedLifecycle", "too many admitted at once"),
        ("CountingLifecycle", "slots freed by duplicate and unknown completions"),
        ("LeakingLifecycle", "slots never come back"),
    ],
)
def test_broken_admission_state_is_caught(
    c_host: Host, mutants_dir: Path, tmp_path: Path, mutant: str, symptom: str
) -> None:
    found = deviations(run_admission(c_host, build_mutant(mutants_dir, mutant), tmp_path))
    admitted = [d for d in found if d.field == "passed" and d.phase == "admit"]
    if mutant == "LeakingLifecycle":
        assert admitted and all(d.got < MAX_CONCURRENCY and d.round >= 1 for d in admitted), (symptom, found)
    else:
        assert any(d.got > MAX_CONCURRENCY for d in admitted), (symptom, found)
