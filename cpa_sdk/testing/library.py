"""Load a built plugin ``.so`` through ctypes, the way CPA's loader does.

The library is opened ``RTLD_NOW | RTLD_LOCAL``, initialised through ``cliproxy_plugin_init``
with a host API whose ``call`` forwards to a Python ``HostTransport`` (usually a ``FakeHost``),
and unloaded with ``shutdown`` then ``dlclose``. Responses are copied and released with the
plugin's ``free_buffer``; host responses are ``malloc``'d for the plugin to release with ours.
Inside a Python process the shim joins the running interpreter, so this needs a ``.so`` built for
this Python version.
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Final

from cpa_sdk.errors import PluginLoadError
from cpa_sdk.host import HostTransport

__all__ = ["SharedLibraryPlugin"]

ABI_VERSION: Final = 1


class _Buffer(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("len", ctypes.c_size_t)]


_HostCall = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(_Buffer)
)
_HostFree = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t)
_PluginCall = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(_Buffer))
_PluginFree = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t)
_PluginShutdown = ctypes.CFUNCTYPE(None)


class _HostAPI(ctypes.Structure):
    _fields_ = [
        ("abi_version", ctypes.c_uint32),
        ("host_ctx", ctypes.c_void_p),
        ("call", _HostCall),
        ("free_buffer", _HostFree),
    ]


class _PluginAPI(ctypes.Structure):
    _fields_ = [
        ("abi_version", ctypes.c_uint32),
        ("call", _PluginCall),
        ("free_buffer", _PluginFree),
        ("shutdown", _PluginShutdown),
    ]


def _dlclose(handle: int) -> None:
    import _ctypes

    _ctypes.dlclose(handle)


_libc = ctypes.CDLL(None)
_libc.malloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]
_libc.free.argtypes = [ctypes.c_void_p]


class SharedLibraryPlugin:
    """One loaded plugin library; ``call`` is a ``(method, bytes) -> (rc, bytes)`` transport."""

    def __init__(self, path: str, host: HostTransport) -> None:
        self.path = os.path.abspath(path)
        self._host = host
        self._closed = threading.Event()
        try:
            self._lib = ctypes.CDLL(self.path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
        except OSError as exc:
            raise PluginLoadError(f"dlopen {self.path}: {exc}") from None
        # The callbacks must outlive every call the plugin can make: keep them on the instance.
        self._host_call = _HostCall(self._on_host_call)
        self._host_free = _HostFree(lambda ptr, size: _libc.free(ptr))
        self._ctx = ctypes.c_uint64(1)
        self._host_api = _HostAPI(
            ABI_VERSION, ctypes.cast(ctypes.byref(self._ctx), ctypes.c_void_p), self._host_call, self._host_free
        )
        self._api = _PluginAPI()
        init = self._lib.cliproxy_plugin_init
        init.restype = ctypes.c_int
        init.argtypes = [ctypes.POINTER(_HostAPI), ctypes.POINTER(_PluginAPI)]
        rc = init(ctypes.byref(self._host_api), ctypes.byref(self._api))
        if rc != 0 or self._api.abi_version != ABI_VERSION or not self._api.call or not self._api.free_buffer:
            self.close()
            raise PluginLoadError(f"cliproxy_plugin_init of {self.path} returned {rc} (abi {self._api.abi_version})")

    def call(self, method: str, request: bytes) -> tuple[int, bytes]:
        """Call one plugin method exactly as CPA does, copying and releasing the response."""
        if self._closed.is_set():
            raise PluginLoadError(f"{self.path} is unloaded")
        buffer = _Buffer()
        # CPA passes a malloc'd copy of the request (NULL when empty), freed after the call.
        pointer = ctypes.cast(ctypes.create_string_buffer(request, len(request)), ctypes.c_void_p) if request else None
        rc = self._api.call(method.encode(), pointer, len(request), ctypes.byref(buffer))
        data = ctypes.string_at(buffer.ptr, buffer.len) if buffer.ptr and buffer.len else b""
        if buffer.ptr:
            self._api.free_buffer(buffer.ptr, buffer.len)
        return rc, data

    def _on_host_call(
        self, ctx: int, method: bytes, request: int, size: int, response: ctypes._Pointer[_Buffer]
    ) -> int:
        payload = ctypes.string_at(request, size) if request and size else b""
        try:
            rc, answer = self._host(method.decode(), payload)
        except BaseException:  # a fake host that raises must not unwind through C frames
            return 1
        if response:
            response.contents.ptr = None
            response.contents.len = 0
            if answer:
                memory = _libc.malloc(len(answer))
                ctypes.memmove(memory, answer, len(answer))
                response.contents.ptr = memory
                response.contents.len = len(answer)
        return rc

    def close(self) -> None:
        """Unload as CPA does: the plugin's ``shutdown``, then ``dlclose``."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self._api.shutdown:
            self._api.shutdown()
        _dlclose(self._lib._handle)
