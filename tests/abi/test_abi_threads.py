"""Many host threads at once: right answers, no deadlock, host callbacks in the mix."""

from __future__ import annotations

from conftest import Host, Plugins


def test_eight_threads_fifty_thousand_calls_each(host: Host, plugins: Plugins) -> None:
    run = host.run("stress", str(plugins.echo), "8", "50000", "0", timeout=600)
    summary = run.events[-1]
    assert run.returncode == 0, (summary, run.stderr)
    assert summary["calls"] == 8 * 50000
    assert summary["wrong"] == 0, summary["first_wrong"]


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
