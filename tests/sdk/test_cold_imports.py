"""A plugin's start imports only what serving it needs: no PyYAML for a flat or empty config, no
importlib.metadata (pydantic's plugin loader), no CLI or build code; heavier things come when used.

Each case runs in a fresh interpreter, which loads the plugin the way the C shim does
(``cpa_sdk._bridge.load``) and answers ``plugin.register``.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

START = """
import json, sys
from cpa_sdk._bridge import load
endpoint = load("codex-service-tier.so", "reference_plugins.codex_service_tier:CodexServiceTier",
                lambda method, request: (0, b'{"ok":true,"result":{}}'))
rc, answer = endpoint.call("plugin.register", sys.argv[1].encode())
assert rc == 0 and b'"request_normalizer":true' in answer, answer
rc, answer = endpoint.call("request.normalize", b'{"ToFormat":"codex","Model":"gpt-5.5","Body":"e30="}')
assert rc == 0, answer
print(json.dumps(sorted(sys.modules)))
"""

NEVER = {"click", "cpa_sdk.cli", "cpa_sdk.build", "cpa_sdk.devloop", "cpa_sdk.testing", "importlib.metadata", "difflib"}


def _modules_after_start(config_yaml: bytes, **env: str) -> set[str]:
    request = json.dumps({"config_yaml": base64.b64encode(config_yaml).decode(), "schema_version": 3})
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"} | env
    done = subprocess.run(
        [sys.executable, "-c", START, request], capture_output=True, text=True, check=True, cwd=ROOT, env=environ
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("config", [b"", b"enabled: true\nfast: true\npriority: 0\n"])
def test_a_flat_or_empty_config_starts_without_yaml_cli_or_metadata(config: bytes) -> None:
    modules = _modules_after_start(config)
    assert not (NEVER | {"yaml"}) & modules


def test_a_nested_config_brings_pyyaml_and_nothing_else() -> None:
    modules = _modules_after_start(b"enabled: true\nfast: true\nstore:\n    version: 1.2.3\n")
    assert "yaml" in modules
    assert not NEVER & modules


def test_pydantic_plugins_load_when_the_variable_asks_for_them() -> None:
    # PYDANTIC_DISABLE_PLUGINS set to anything but __all__/1/true: pydantic's own loader runs
    assert "importlib.metadata" in _modules_after_start(b"", PYDANTIC_DISABLE_PLUGINS="")
    assert "importlib.metadata" not in _modules_after_start(b"", PYDANTIC_DISABLE_PLUGINS="__all__")


def test_the_collector_runs_again_after_the_import() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import gc, cpa_sdk; print(gc.isenabled())"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert done.stdout.strip() == "True"


def test_an_import_that_fails_half_way_leaves_the_collector_running() -> None:
    # the bridge keeps serving after a plugin's import error: garbage cycles must still be collected
    import gc

    from cpa_sdk._startup import paused_gc

    assert gc.isenabled()
    with pytest.raises(ImportError), paused_gc():
        assert not gc.isenabled()
        raise ImportError("the plugin's module is broken")
    assert gc.isenabled()
