"""Many host threads at once: right answers, no deadlock, host callbacks in the mix."""

from __future__ import annotations

import json

from conftest import Host, Plugins

from tests.c_host import host_bytes


def test_eight_threads_fifty_thousand_calls_each(host: Host, plugins: Plugins) -> None:
    run = host.run("stress", str(plugins.echo), "8", "50000", "0", timeout=600)
    summary = run.events[-1]
    assert run.returncode == 0, (summary, run.stderr)
    assert summary["calls"] == 8 * 50000
    assert summary["wrong"] == 0, summary["first_wrong"]


def test_threads_that_work_between_calls_take_turns_without_a_wrong_answer(host: Host, plugins: Plugins) -> None:
    # 2 us of host work after each call: the shim hands Python from thread to thread at the end of
    # every call (instead of letting one thread run on), the path where turns change hands most.
    run = host.run("stress", str(plugins.echo), "8", "20000", "2", "2000", timeout=600)
    summary = run.events[-1]
    assert run.returncode == 0, (summary, run.stderr)
    assert summary["calls"] == 8 * 20000 + 2 * 2000
    assert summary["wrong"] == 0, summary["first_wrong"]
    assert summary["host_logs"] == summary["log_calls"] == 2 * 2000


def test_host_log_from_inside_calls_while_other_threads_call(host: Host, plugins: Plugins) -> None:
    # 6 threads call "echo"; 2 more call "log", which calls host.log from inside the call (the
    # GIL is released around the host call, so the echo threads keep going meanwhile).
    run = host.run("stress", str(plugins.echo), "6", "20000", "2", timeout=600)
    summary = run.events[-1]
    assert run.returncode == 0, (summary, run.stderr)
    assert summary["wrong"] == 0, summary["first_wrong"]
    assert summary["log_calls"] == 2 * 2000
    assert summary["host_logs"] == summary["log_calls"]
    assert summary["late_host_calls"] == 0


def test_a_call_blocked_inside_python_does_not_hold_up_other_threads(host: Host, plugins: Plugins) -> None:
    # "block" waits inside Python (GIL released, no host call) until "release" arrives from a second
    # host thread; if that thread had to wait for the first call to end, "block" would time out.
    run = host.run("race", str(plugins.echo), "block", "20", "release", "", "200", timeout=120)
    assert run.returncode == 0, run.stderr
    blocked, release = run.calls()
    assert release["rc"] == 0 and json.loads(host_bytes(release["out"])) == {"ok": True, "result": {"released": True}}
    assert blocked["rc"] == 0 and json.loads(host_bytes(blocked["out"])) == {"ok": True, "result": {"released": True}}


def test_a_reentrant_call_completes_while_another_thread_is_blocked_inside_python(host: Host, plugins: Plugins) -> None:
    # Thread 1 blocks inside Python for 5 s; thread 2's call re-enters the plugin from its host
    # callback. Both the outer and the nested call must get through meanwhile.
    reenter = json.dumps({"method": "host.reenter", "request": '{"nested":true}'}).replace("\\", "\\\\")  # a TEXT field
    run = host.run("race", str(plugins.echo), "block", "5", "host", reenter, "200", timeout=120)
    assert run.returncode == 0, run.stderr
    blocked, outer = run.calls()
    assert json.loads(host_bytes(outer["out"]))["result"] == {"rc": 0, "answer": '{"ok":true,"result":{"nested":true}}'}
    assert json.loads(host_bytes(blocked["out"])) == {"ok": True, "result": {"released": False}}
    assert outer["ms"] < blocked["ms"], "the re-entrant call waited for the blocked one to end"


def test_a_thread_calling_without_pause_does_not_starve_another(host: Host, plugins: Plugins) -> None:
    # The busy thread keeps calling until the other has made all of its calls, so starvation
    # would hang this test (and fail it at the timeout) instead of passing slowly.
    run = host.run("contend", str(plugins.echo), "500", timeout=120)
    summary = run.events[-1]
    assert run.returncode == 0, (summary, run.stderr)
    assert summary["waiter_calls"] == 500
    assert summary["busy_calls_while_waiter_ran"] >= 1
    assert summary["wrong"] == 0
