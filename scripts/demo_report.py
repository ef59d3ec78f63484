"""Drive a built codex-service-tier.so through the C test host and print a readable report."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import tempfile

HOST, LIBRARY = sys.argv[1], sys.argv[2]
BODY = b'{"model":"gpt-5.5","input":[{"role":"user","content":"hi"}],"stream":true}'


def call(name: str, method: str, request: object) -> str:
    return f"call p {method} {json.dumps(request, separators=(',', ':'))}\n"


def normalize(model: str) -> dict[str, object]:
    return {
        "FromFormat": "openai-response",
        "ToFormat": "codex",
        "Model": model,
        "Body": base64.b64encode(BODY).decode(),
    }


script = "".join(
    [
        f"load p {LIBRARY}\n",
        call("p", "plugin.register", {"config_yaml": base64.b64encode(b"fast: true\n").decode(), "schema_version": 3}),
        call("p", "request.normalize", normalize("gpt-5.5")),
        call("p", "request.normalize", normalize("gpt-4.1")),
        "call p request.normalize not json\n",
        "unload p\n",
    ]
)
with tempfile.NamedTemporaryFile("w", suffix=".txt") as handle:
    handle.write(script)
    handle.flush()
    output = subprocess.run([HOST, "script", handle.name], check=True, capture_output=True, text=True).stdout

labels = ["", "  Model 'gpt-5.5'", "  Model 'gpt-4.1' (rule does not apply)", "  garbage request"]
print(f"CPA-like host (no Python of its own) loading {LIBRARY}\n")
for line in output.splitlines():
    event = json.loads(line)
    if event["event"] == "load":
        print(f"loaded in {event['ms']:.0f} ms (dlopen + cliproxy_plugin_init: starts CPython, imports the plugin)")
    elif event["event"] == "call":
        envelope = json.loads(event["out"].encode("latin-1"))
        model = labels.pop(0)
        print(f"\n> {event['method']}{model}  (rc {event['rc']})")
        result = envelope.get("result")
        if isinstance(result, dict) and "Body" in result:
            print(f"  body in : {BODY.decode()}")
            print(f"  body out: {base64.b64decode(result['Body']).decode()}")
        else:
            print("  " + json.dumps(envelope, indent=2).replace("\n", "\n  "))
    elif event["event"] == "done":
        print(f"\nunloaded; failures: {event['failures']}, late host calls: {event['late_host_calls']}")
