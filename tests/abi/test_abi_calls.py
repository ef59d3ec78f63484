"""One plugin, one thread: what the shim answers for every kind of call."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from conftest import Host, Plugins


def test_echo_round_trip_and_metadata(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.echo}
call a echo {{"x":1}}
call a info
""")
    assert run.returncode == 0, run.stderr
    assert run.of("load")[0]["error"] is None
    assert run.calls()[0]["rc"] == 0
    assert run.out(0) == b'{"ok":true,"result":{"x":1}}'
    info = run.result(1)["result"]
    assert info["so_path"] == str(plugins.echo)
    assert info["target"] == "standins:Echo"
    # The isolated configuration of a Python the shim started itself.
    assert info["flags"] == {"isolated": 1, "no_site": 1, "ignore_environment": 1, "utf8_mode": 1}
    assert info["filesystem_encoding"] == "utf-8"
    assert str(plugins.echo.parent.parent.parent) not in info["sys_path"]  # no stray cwd entries


@contextmanager
def host_starts_with_default_signals() -> Iterator[None]:
    """The host inherits ignored dispositions from whoever started pytest (a job started in the
    background by a shell without job control ignores SIGINT). Python takes SIGINT only while it
    is at its default, so the test would prove nothing there: the host starts with defaults.
    SIGPIPE and SIGXFSZ are ignored by Python itself, and ``subprocess`` restores them in the host."""
    ignored = [
        s for s in signal.valid_signals() - {signal.SIGPIPE, signal.SIGXFSZ} if signal.getsignal(s) == signal.SIG_IGN
    ]
    for sig in ignored:
        signal.signal(sig, signal.SIG_DFL)
    try:
        yield
    finally:
        for sig in ignored:
            signal.signal(sig, signal.SIG_IGN)


def test_python_installs_no_signal_handlers(host: Host, plugins: Plugins) -> None:
    # Go owns signals (every handler must use SA_ONSTACK); an embedded Python installs none.
    with host_starts_with_default_signals():
        run = host.script(f"""
signals
load a {plugins.echo}
call a import signal,faulthandler,asyncio
signals
""")
    before, after = run.of("signals")
    assert before == after
    assert all(value == "default" for key, value in after.items() if key != "event")


def test_extension_modules_import_under_rtld_local(host: Host, plugins: Plugins) -> None:
    # CPA loads RTLD_LOCAL; without promoting libpython to global scope these fail with
    # "undefined symbol: PyFloat_Type" and friends.
    run = host.script(f"""
load a {plugins.echo}
call a import math,_decimal,_ctypes,_json,pydantic_core,yaml
expect 0 "imported"
""")
    assert run.returncode == 0, run.out(0)


def test_null_method_empty_and_garbage_requests(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.echo}
call a @null {{}}
call a request_len
call a request_len @empty
call a echo \\x00\\xff\\xfe garbage \\x01"
call a nosuch.method {{}}
call a \\xff\\xfebad-utf8 {{}}
""")
    assert run.returncode == 0, run.stderr
    calls = run.calls()
    assert calls[0]["rc"] == 1
    assert run.result(0) == {"ok": False, "error": {"code": "invalid_method", "message": "method is required"}}
    assert run.result(1)["result"] == {"len": 0, "type": "bytes"}  # NULL request -> b""
    assert run.result(2)["result"] == {"len": 0, "type": "bytes"}  # empty request -> b""
    assert run.out(3) == b'{"ok":true,"result":\x00\xff\xfe garbage \x01"}'  # bytes pass through untouched
    assert calls[4]["rc"] == 0
    assert run.result(4)["error"] == {"code": "unknown_method", "message": "unknown method: nosuch.method"}
    assert run.result(5)["error"]["code"] == "unknown_method"  # undecodable name: surrogateescape


def test_plugin_errors_become_error_envelopes(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.echo}
call a raise
call a badtype
call a badbytes
call a bigrc
call a rc7
call a empty
call a bytearray
call a echo {{"still":"alive"}}
""")
    assert run.returncode == 0, run.stderr
    rcs = [c["rc"] for c in run.calls()]
    assert rcs == [1, 1, 1, 1, 7, 0, 0, 0]
    assert run.result(0)["error"] == {"code": "plugin_error", "message": "ValueError: boom from the plugin"}
    assert run.result(1)["error"]["message"] == "endpoint.call must return (int, bytes), got str"
    assert run.result(2)["error"]["message"] == "endpoint.call must return (int, bytes), got (int, str)"
    assert "outside the C int range" in run.result(3)["error"]["message"]
    assert run.result(4)["error"]["code"] == "seven"  # rc and envelope pass through
    assert run.calls()[5]["out"] is None  # empty bytes -> no buffer
    assert run.out(6) == b'{"ok":true,"result":"bytearray"}'
    assert run.out(7) == b'{"ok":true,"result":{"still":"alive"}}'


def host_request(method: str, request: str) -> str:
    """The "host" method's request, escaped for a script line (backslashes doubled)."""
    return json.dumps({"method": method, "request": request}).replace("\\", "\\\\")


def test_host_callbacks_from_inside_a_call(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
hostreply host.answer {{"ok":true,"result":{{"v":42}}}}
hostreply host.down @rc1
load a {plugins.echo}
call a log hello
call a host {host_request("host.answer", '{"q":1}')}
call a host {host_request("host.down", "{}")}
call a host {host_request("host.reenter", '{"nested":true}')}
call a host_bad
""")
    assert run.returncode == 0, run.stderr
    recorded = [(e["method"], e["request"]) for e in run.of("host_call")]
    assert recorded[:4] == [
        ("host.log", '{"level":"info","message":"from inside a call"}'),
        ("host.answer", '{"q":1}'),
        ("host.down", "{}"),
        ("host.reenter", '{"nested":true}'),
    ]
    assert run.out(0) == b'{"ok":true,"result":hello}'
    assert run.result(1)["result"] == {"rc": 0, "answer": '{"ok":true,"result":{"v":42}}'}
    assert run.result(2)["result"] == {"rc": 1, "answer": ""}
    # The host re-entered the plugin on the calling thread while the outer call waited.
    assert run.result(3)["result"] == {"rc": 0, "answer": '{"ok":true,"result":{"nested":true}}'}
    assert run.result(4)["result"]["raised"] == "TypeError: host_call(): method must be str"


def test_shutdown_may_call_the_host_and_later_calls_never_reach_it(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.echo}
call a spawn
unload a
sleep 400
load a {plugins.echo}
call a strays
unload a
stats
""")
    # The stray thread kept calling host_call after shutdown: every such call must come back
    # (1, b"") without touching the host (the host counts late calls and fails the run).
    assert run.returncode == 0, run.stderr
    assert run.of("stats")[0]["late_host_calls"] == 0
    assert ("host.log", '{"message":"shutting down"}') in [(e["method"], e["request"]) for e in run.of("host_call")]
    strays = run.result(1)["result"]["strays"]
    assert len(strays) >= 30 and strays[-1] == 1 and set(strays) <= {0, 1}


def test_envelope_is_valid_json_for_any_exception_text(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.load_raises}
call a x
""")
    envelope = json.loads(run.out(0))  # quotes and newlines in Python messages stay valid JSON
    assert envelope["ok"] is False
