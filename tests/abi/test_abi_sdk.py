"""The shim with the real entry, ``cpa_sdk._bridge:load``, and a reference plugin."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from conftest import Host

from cpa_sdk.build import build_plugin

BODY = b'{"model":"gpt-5.5","input":"hi","stream":true}'


def test_codex_service_tier_through_the_c_host(host: Host, abi_dir: Path) -> None:
    so = build_plugin("reference_plugins.codex_service_tier:CodexServiceTier", abi_dir / "sdk")
    register = json.dumps({"config_yaml": base64.b64encode(b"fast: true\n").decode(), "schema_version": 3})
    normalize = json.dumps(
        {
            "FromFormat": "openai-response",
            "ToFormat": "CODEX",
            "Model": "gpt-5.5",
            "Stream": True,
            "Body": base64.b64encode(BODY).decode(),
        }
    )
    run = host.script(f"""
load c {so}
call c plugin.register {register}
call c request.normalize {normalize}
call c no.such.method {{}}
unload c
""")
    assert run.returncode == 0, run.stderr
    registration = run.result(0)
    assert registration["ok"] is True, registration
    assert registration["result"]["capabilities"]["request_normalizer"] is True
    normalized = run.result(1)
    assert normalized["ok"] is True, normalized
    body = json.loads(base64.b64decode(normalized["result"]["Body"]))
    assert body["service_tier"] == "priority"
    assert run.result(2)["ok"] is False
