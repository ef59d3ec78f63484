"""Loading, failing to load, unloading and reloading, and several plugins in one process."""

from __future__ import annotations

import sys
import sysconfig

from conftest import Host, Plugins


def test_two_python_plugins_in_one_process_keep_their_own_state(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.echo}
load b {plugins.other}
call a incr
call a incr
call b incr
call a incr
call b log from-b
call a info
call b info
""")
    assert run.returncode == 0, run.stderr
    assert [run.result(i)["result"]["plugin"] for i in range(4)] == ["echo", "echo", "other", "echo"]
    assert [run.result(i)["result"]["count"] for i in range(4)] == [1, 2, 1, 3]
    assert run.out(4) == b'{"ok":true,"result":from-b}'
    # Each host callback arrives on the host_ctx of the plugin that made it.
    assert [e["plugin"] for e in run.of("host_call")] == ["b"]
    a_info, b_info = run.result(5)["result"], run.result(6)["result"]
    assert (a_info["so_path"], b_info["so_path"]) == (str(plugins.echo), str(plugins.other))


def test_twenty_unload_reload_cycles(host: Host, plugins: Plugins) -> None:
    cycles = 20
    run = host.script(
        f"""
load a {plugins.echo}
load b {plugins.other}
call a incr
expect 0 "count":1
call a incr
expect 0 "count":2
call b echo {{"cycle":true}}
expect 0 {{"ok":true,"result":{{"cycle":true}}}}
call a log x
expect 0 {{"ok":true,"result":x}}
unload a
unload b
""",
        repeat=cycles,
    )
    assert run.returncode == 0, run.stderr
    assert len(run.of("load")) == 2 * cycles and all(e["error"] is None for e in run.of("load"))
    assert len(run.of("expect")) == 4 * cycles and all(e["ok"] for e in run.of("expect"))
    # A fresh endpoint per init: every cycle starts counting at 1 with a new instance.
    instances = {run.result(i)["result"]["instance"] for i in range(0, 4 * cycles, 4)}
    assert len(instances) == cycles
    assert run.of("done")[0]["late_host_calls"] == 0


def test_load_that_raises_answers_every_call_with_the_python_error(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.load_raises}
call a plugin.register {{}}
call a request.normalize {{}}
unload a
load b {plugins.echo}
call b echo {{}}
""")
    assert run.returncode == 0, run.stderr
    assert run.of("load")[0]["error"] is None  # init succeeds: CPA must not abort or retry forever
    for index in (0, 1):
        assert run.calls()[index]["rc"] == 1
        assert run.result(index) == {
            "ok": False,
            "error": {
                "code": "plugin_load_failed",
                "message": "RuntimeError: load exploded: the config file is missing",
            },
        }
    assert run.out(2) == b'{"ok":true,"result":{}}'  # the process is fine
    assert "load exploded" in run.stderr  # the traceback goes to stderr once, at load


def test_plugin_whose_module_is_gone(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.vanished}
call a plugin.register {{}}
""")
    assert run.returncode == 0, run.stderr
    assert run.result(0)["error"] == {
        "code": "plugin_load_failed",
        "message": "ModuleNotFoundError: No module named 'vanishing_plugin'",
    }


def test_plugin_whose_import_raises(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.import_raises}
call a plugin.register {{}}
""")
    assert run.returncode == 0, run.stderr
    assert run.result(0)["error"] == {
        "code": "plugin_load_failed",
        "message": "ImportError: breaking_plugin needs the module nonexistent_dependency",
    }


def test_entry_function_missing(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.entry_missing}
call a plugin.register {{}}
""")
    assert run.returncode == 0, run.stderr
    error = run.result(0)["error"]
    assert error["code"] == "plugin_load_failed"
    assert error["message"] == "AttributeError: module 'echo_entry' has no attribute 'no_such_function'"


def test_plugin_built_for_another_python_is_refused_clearly(host: Host, plugins: Plugins) -> None:
    flavour = " (free-threaded)" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""
    built_for = f"3.{sys.version_info.minor - 1}{flavour}"
    running = ".".join(map(str, sys.version_info[:3])) + flavour
    run = host.script(f"""
load w {plugins.wrong_python}
call w plugin.register {{}}
load a {plugins.echo}
call a echo {{"fine":1}}
call w plugin.register {{}}
unload w
unload a
""")
    assert run.returncode == 0, run.stderr
    for index in (0, 2):
        assert run.calls()[index]["rc"] == 1
        error = run.result(index)["error"]
        assert error["code"] == "python_version_mismatch"
        assert error["message"].startswith(f"plugin built for Python {built_for} but the process runs {running};")
    assert run.out(1) == b'{"ok":true,"result":{"fine":1}}'


def test_same_file_twice_without_shutdown_is_refused_and_the_first_keeps_working(host: Host, plugins: Plugins) -> None:
    # Both handles are one mapping (glibc matches the path), and the ABI's call/shutdown carry no
    # context, so one mapping serves one live instance.
    run = host.script(f"""
load a {plugins.echo}
load b {plugins.echo}
call a incr
unload a
load c {plugins.echo}
call c incr
""")
    loads = run.of("load")
    assert [e["error"] for e in loads] == [None, "cliproxy_plugin_init returned 1", None]
    assert run.result(0)["result"]["count"] == 1 and run.result(1)["result"]["count"] == 1


def test_endpoint_shutdown_that_raises_is_reported_and_ignored(host: Host, plugins: Plugins) -> None:
    run = host.script(f"""
load a {plugins.shutdown_raises}
call a echo {{}}
unload a
load a {plugins.shutdown_raises}
call a echo {{"again":1}}
""")
    assert run.returncode == 0, run.stderr
    assert "shutdown went wrong" in run.stderr
    assert run.out(1) == b'{"ok":true,"result":{"again":1}}'
