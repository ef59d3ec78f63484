"""Endpoints the shim's tests load through ``echo_entry:load``; each method exercises one path.

Module globals survive an unload: the interpreter lives as long as the process, so ``STRAYS``
lets a reloaded instance report what a thread of the previous instance saw after shutdown.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

HostCall = Callable[[str, bytes], tuple[int, bytes]]

STRAYS: list[int] = []
"""rc of every host call a stray thread made; filled by ``spawn``."""

INSTANCES = 0

RELEASE = threading.Event()
"""Set by the method ``release``; the method ``block`` waits for it inside Python."""


def ok(result: Any) -> bytes:
    return json.dumps({"ok": True, "result": result}, separators=(",", ":")).encode()


def error(code: str, message: str) -> bytes:
    return json.dumps({"ok": False, "error": {"code": code, "message": message}}, separators=(",", ":")).encode()


class Echo:
    plugin_id = "echo"

    def __init__(self, so_path: str, target: str, host_call: HostCall) -> None:
        global INSTANCES
        INSTANCES += 1
        self.so_path, self.target, self.host_call = so_path, target, host_call
        self.count = 0
        self.closed = False
        self.instance = INSTANCES

    def call(self, method: str, request: bytes) -> Any:
        if method == "echo":
            return 0, b'{"ok":true,"result":' + request + b"}"
        if method == "log":  # a host callback from inside the call
            rc, answer = self.host_call("host.log", b'{"level":"info","message":"from inside a call"}')
            if rc != 0 or answer != b'{"ok":true,"result":{}}':
                return 1, error("host_log_failed", f"rc={rc} answer={answer!r}")
            return 0, b'{"ok":true,"result":' + request + b"}"
        if method == "incr":
            self.count += 1
            return 0, ok({"plugin": self.plugin_id, "count": self.count, "instance": self.instance})
        if method == "info":
            return 0, ok(
                {
                    "plugin": self.plugin_id,
                    "so_path": self.so_path,
                    "target": self.target,
                    "sys_path": sys.path,
                    "prefix": sys.prefix,
                    "base_prefix": sys.base_prefix,
                    "executable": sys.executable,
                    "flags": {
                        "isolated": sys.flags.isolated,
                        "no_site": sys.flags.no_site,
                        "ignore_environment": sys.flags.ignore_environment,
                        "utf8_mode": sys.flags.utf8_mode,
                    },
                    "version": list(sys.version_info[:3]),
                    "filesystem_encoding": sys.getfilesystemencoding(),
                }
            )
        if method == "host":  # {"method": ..., "request": ...} -> what the host answered
            spec = json.loads(request)
            rc, answer = self.host_call(spec["method"], spec["request"].encode())
            return 0, ok({"rc": rc, "answer": answer.decode("latin-1")})
        if method == "host_bad":  # wrong argument types must raise TypeError, not crash
            try:
                self.host_call(1, b"{}")  # type: ignore[arg-type]
            except TypeError as exc:
                return 0, ok({"raised": f"TypeError: {exc}"})
            return 1, error("no_error", "host_call accepted a non-str method")
        if method == "import":
            for name in request.decode().split(","):
                __import__(name)
            return 0, ok({"imported": request.decode()})
        if method == "sleep":
            time.sleep(float(request))
            return 0, ok({"slept": float(request)})
        if method == "block":  # waits inside Python, with no host call, for "release" from another thread
            released = RELEASE.wait(timeout=float(request))
            RELEASE.clear()
            return 0, ok({"released": released})
        if method == "release":
            RELEASE.set()
            return 0, ok({"released": True})
        if method == "raise":
            raise ValueError("boom from the plugin")
        if method == "badtype":
            return "not a tuple"
        if method == "badbytes":
            return 0, "a str, not bytes"
        if method == "bigrc":
            return 2**40, b"{}"
        if method == "rc7":
            return 7, error("seven", "rc passes through")
        if method == "empty":
            return 0, b""
        if method == "bytearray":
            return 0, bytearray(b'{"ok":true,"result":"bytearray"}')
        if method == "spawn":  # a thread that outlives the plugin and keeps calling the host

            def stray() -> None:
                for _ in range(40):
                    rc, _answer = self.host_call("host.log", b'{"message":"stray"}')
                    STRAYS.append(rc)
                    time.sleep(0.005)

            threading.Thread(target=stray, daemon=True).start()
            return 0, ok({"spawned": True})
        if method == "strays":
            return 0, ok({"strays": STRAYS})
        if method == "request_len":
            return 0, ok({"len": len(request), "type": type(request).__name__})
        if method == "method_repr":
            return 0, ok({"method": repr(method)})
        return 0, error("unknown_method", f"unknown method: {method}")

    def shutdown(self) -> None:
        self.closed = True
        self.host_call("host.log", b'{"message":"shutting down"}')


class Other(Echo):
    """A second plugin with its own state, for two-plugins-in-one-process tests."""

    plugin_id = "other"


class Noop:
    """The cheapest endpoint: the shim's own overhead, for benchmarks."""

    plugin_id = "noop"

    def __init__(self, so_path: str, target: str, host_call: HostCall) -> None:
        self.answer = (0, b'{"ok":false,"error":{"code":"unknown_method","message":"unknown method"}}')

    def call(self, method: str, request: bytes) -> tuple[int, bytes]:
        return self.answer

    def shutdown(self) -> None:
        pass


class LoadRaises:
    plugin_id = "load-raises"

    def __init__(self, so_path: str, target: str, host_call: HostCall) -> None:
        raise RuntimeError("load exploded: the config file is missing")


class Anonymous(Echo):
    """Declares no plugin_id of its own: the build needs --id."""

    plugin_id = ""


class ShutdownRaises(Echo):
    plugin_id = "shutdown-raises"

    def shutdown(self) -> None:
        raise RuntimeError("shutdown went wrong")
