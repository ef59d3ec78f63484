"""cpa_sdk.wire imports model modules lazily; its one export list stays true to the code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import cpa_sdk.wire as wire

INIT = Path(wire.__file__)


def test_type_checking_imports_match_the_exports() -> None:
    tree = ast.parse(INIT.read_text())
    guarded = next(node for node in tree.body if isinstance(node, ast.If))
    imported = {
        node.module.rsplit(".", 1)[1]: sorted(alias.name for alias in node.names)
        for node in guarded.body
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported == {module: sorted(names) for module, names in wire._EXPORTS.items()}


def test_every_export_resolves_to_the_object_in_its_module() -> None:
    for module, names in wire._EXPORTS.items():
        source = __import__(f"cpa_sdk.wire.{module}", fromlist=["x"])
        for name in names:
            assert getattr(wire, name) is getattr(source, name), name


PLUGIN = """
import sys
from cpa_sdk import Plugin, RequestNormalizer
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest

class Tiny(Plugin, RequestNormalizer):
    plugin_id = name = "tiny"
    version, author, github_repository = "1", "me", "https://github.com/me/tiny"

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
        return None

def wire_modules():
    return sorted(n.rsplit(".", 1)[1] for n in sys.modules if n.startswith("cpa_sdk.wire."))

print(wire_modules())
from cpa_sdk import Host
Host(lambda method, request: (0, b'{"ok":true,"result":{}}')).log("first host callback")
print(wire_modules())
"""


def test_a_plugin_imports_only_the_models_it_uses() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PLUGIN], capture_output=True, text=True, check=True, cwd=INIT.parents[2]
    )
    at_start, after_a_host_call = (set(eval(line)) for line in done.stdout.splitlines())
    # the SDK's own needs (registration) plus the capability's models, nothing else; the host
    # callbacks' models come with the first host callback
    assert at_start == {"_go", "_lazy", "_types", "common", "lifecycle", "transform"}
    assert after_a_host_call - at_start == {"host"}
