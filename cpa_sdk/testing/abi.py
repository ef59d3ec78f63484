"""CPA's plugin ABI as ctypes declarations: the one Python mirror of ``cpa_sdk/abi_bridge/cpa_abi.h``.

Whatever loads a plugin ``.so`` from Python uses these (``SharedLibraryPlugin``, the ABI tests'
ctypes host), so the layout is written down once; ``tests/abi/test_abi_header.py`` compiles the
header and compares every size and offset with these structures. Imports nothing but ctypes.
"""

from __future__ import annotations

import ctypes
from typing import Final

__all__ = [
    "ABI_VERSION",
    "Buffer",
    "HostAPI",
    "HostCall",
    "HostFree",
    "PluginAPI",
    "PluginCall",
    "PluginFree",
    "PluginShutdown",
]

ABI_VERSION: Final = 1
"""``CPA_ABI_VERSION``: what both sides put in ``abi_version``."""


class Buffer(ctypes.Structure):
    """``cliproxy_buffer``: bytes malloc'd by the side that answers."""

    _fields_ = [("ptr", ctypes.c_void_p), ("len", ctypes.c_size_t)]


HostCall = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(Buffer)
)
"""``cliproxy_host_call_fn(host_ctx, method, request, request_len, response)``."""
HostFree = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t)
PluginCall = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(Buffer))
PluginFree = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t)
PluginShutdown = ctypes.CFUNCTYPE(None)


class HostAPI(ctypes.Structure):
    """``cliproxy_host_api``: what the host hands the plugin at init."""

    _fields_ = [
        ("abi_version", ctypes.c_uint32),
        ("host_ctx", ctypes.c_void_p),
        ("call", HostCall),
        ("free_buffer", HostFree),
    ]


class PluginAPI(ctypes.Structure):
    """``cliproxy_plugin_api``: what the plugin fills in at init."""

    _fields_ = [
        ("abi_version", ctypes.c_uint32),
        ("call", PluginCall),
        ("free_buffer", PluginFree),
        ("shutdown", PluginShutdown),
    ]
