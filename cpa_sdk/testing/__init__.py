"""Test plugins without CPA.

``PluginHarness`` runs a plugin class in-process, or a built ``.so`` through ctypes, behind the
same ``(method, bytes)`` boundary CPA uses; ``FakeHost`` answers and records host callbacks and
fails the test on any it was not told to expect. The pytest plugin (``cpa_host``,
``cpa_plugin`` fixtures) is registered automatically when cpa-sdk is installed.
"""

from cpa_sdk.testing.fake_host import FakeHost, HostCall, UnexpectedHostCall
from cpa_sdk.testing.harness import CallResult, PluginCallError, PluginHarness, config_yaml
from cpa_sdk.testing.wire_compare import assert_wire_equal, go_zero_stripped

__all__ = [
    "CallResult",
    "FakeHost",
    "HostCall",
    "PluginCallError",
    "PluginHarness",
    "UnexpectedHostCall",
    "assert_wire_equal",
    "config_yaml",
    "go_zero_stripped",
]
