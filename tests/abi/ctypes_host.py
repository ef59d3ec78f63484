"""A Python process that loads plugin .so files with ctypes, as plugin authors' test scripts do.

Here Python is already running when the shim initialises, so the shim must join this interpreter
(PyGILState on these threads) instead of starting its own, and refuse a plugin built for another
Python. Usage: python ctypes_host.py ECHO_SO WRONG_PYTHON_SO; prints one JSON object.
"""

from __future__ import annotations

import ctypes
import json
import sys
import threading
from typing import Any

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]


class Buffer(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("len", ctypes.c_size_t)]


HOST_CALL = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_char_p,
    ctypes.POINTER(ctypes.c_uint8),
    ctypes.c_size_t,
    ctypes.POINTER(Buffer),
)
HOST_FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t)
PLUGIN_CALL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(Buffer))
PLUGIN_FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t)
PLUGIN_SHUTDOWN = ctypes.CFUNCTYPE(None)


class HostAPI(ctypes.Structure):
    _fields_ = [
        ("abi_version", ctypes.c_uint32),
        ("host_ctx", ctypes.c_void_p),
        ("call", HOST_CALL),
        ("free_buffer", HOST_FREE),
    ]


class PluginAPI(ctypes.Structure):
    _fields_ = [
        ("abi_version", ctypes.c_uint32),
        ("call", PLUGIN_CALL),
        ("free_buffer", PLUGIN_FREE),
        ("shutdown", PLUGIN_SHUTDOWN),
    ]


host_calls: list[tuple[str, bytes]] = []
lock = threading.Lock()


@HOST_CALL
def host_call(ctx: Any, method: bytes, request: Any, length: int, response: Any) -> int:
    with lock:
        host_calls.append((method.decode(), ctypes.string_at(request, length)))
    answer = b'{"ok":true,"result":{}}'
    ptr = libc.malloc(len(answer))
    ctypes.memmove(ptr, answer, len(answer))
    response.contents.ptr, response.contents.len = ptr, len(answer)
    return 0


@HOST_FREE
def host_free(ptr: Any, length: int) -> None:
    libc.free(ptr)


class Loaded:
    def __init__(self, path: str) -> None:
        self.lib = ctypes.CDLL(path)  # RTLD_LOCAL, like CPA; ctypes releases the GIL in calls
        self.host = HostAPI(1, None, host_call, host_free)
        self.api = PluginAPI()
        self.rc = self.lib.cliproxy_plugin_init(ctypes.byref(self.host), ctypes.byref(self.api))

    def call(self, method: str, request: bytes) -> tuple[int, bytes]:
        out = Buffer()
        rc = self.api.call(method.encode(), request, len(request), ctypes.byref(out))
        data = ctypes.string_at(out.ptr, out.len) if out.ptr else b""
        if out.ptr:
            self.api.free_buffer(out.ptr, out.len)
        return rc, data


def main() -> None:
    echo, wrong = Loaded(sys.argv[1]), Loaded(sys.argv[2])
    report: dict[str, Any] = {"init_rc": [echo.rc, wrong.rc]}
    report["info"] = json.loads(echo.call("info", b"")[1])["result"]
    wrong_answers = []

    def worker(n: int) -> None:
        for i in range(2000):
            request = json.dumps({"t": n, "i": i}).encode()
            rc, out = echo.call("echo" if i % 100 else "log", request)
            if rc != 0 or out != b'{"ok":true,"result":' + request + b"}":
                wrong_answers.append((n, i, rc, out[:100].decode("latin-1")))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    report["wrong"] = wrong_answers[:5]
    report["host_logs"] = sum(1 for method, _ in host_calls if method == "host.log")
    report["wrong_python"] = list(wrong.call("plugin.register", b"{}"))
    report["wrong_python"][1] = report["wrong_python"][1].decode()
    echo.api.shutdown()
    wrong.api.shutdown()
    report["after_shutdown"] = echo.call("echo", b"{}")[1].decode()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
