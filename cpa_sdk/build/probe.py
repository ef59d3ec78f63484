"""What a plugin imports: found by running it, in a subprocess of the build interpreter.

A bundle carries the modules the plugin needs and nothing of the machine that built it, so the
build has to know them. Reading imports statically misses computed and conditional ones;
importing the plugin misses what only runs later. The probe does both halves that can run
here: it imports the target and the entry, then creates the plugin through the entry exactly as
the shim does and sends it ``plugin.register`` with an empty config (what CPA does first), so
that pydantic builds the validators and imports what they need. Any failure of that second
step is ignored: the plugin may require a config, which the build does not have.

The subprocess keeps the build's own ``sys.modules`` clean and sees the plugin as a fresh
process would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from cpa_sdk.build.spec import BuildError, BuildSpec, split_ref

__all__ = ["ProbeResult", "probe"]

_PROBE: Final = r"""
import importlib, json, sys
extra, modules, target, entry = json.loads(sys.argv[1])
sys.path[:0] = [p for p in extra if p not in sys.path]
startup = sorted(sys.modules)
before = set(sys.modules)
for name in modules:
    importlib.import_module(name)
try:
    module_name, _, function = entry.partition(":")
    endpoint = getattr(importlib.import_module(module_name), function)("probe.so", target, lambda m, b: (1, b"{}"))
    endpoint.call("plugin.register", b'{"schema_version":3,"config_yaml":""}')
    endpoint.call("cpa_sdk.probe.unknown", b"{")
except BaseException:
    pass
out = {}
for name, module in list(sys.modules.items()):
    if name not in before and module is not None:
        out[name] = [getattr(module, "__file__", None), [str(p) for p in (getattr(module, "__path__", None) or [])]]
print(json.dumps({"modules": out, "startup": startup}), flush=True)
import os
os._exit(0)  # threads the plugin may have started must not keep the build waiting
"""


@dataclass(frozen=True)
class ProbeResult:
    modules: dict[str, list[Any]]
    """Module name -> [file, package paths], for every module the plugin brought in."""
    startup: tuple[str, ...]
    """Modules the interpreter had before the plugin: what CPython's own start-up imports."""


def probe(spec: BuildSpec, extra: Sequence[str]) -> ProbeResult:
    modules = [split_ref(spec.target, "target")[0], split_ref(spec.entry, "entry")[0]]
    argument = json.dumps([list(extra), modules, spec.target, spec.entry])
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, argument],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=os.getcwd(),
    )
    if proc.returncode != 0:
        raise BuildError(f"importing {spec.target} to find its dependencies failed:\n{proc.stderr.strip()[-3000:]}")
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    return ProbeResult(found["modules"], tuple(found["startup"]))
