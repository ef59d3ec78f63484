"""The getting-started tutorial, followed verbatim, ends with a .so that a CPA-like host loads.

Every ``$ command`` of the ``console`` blocks in docs/getting-started.md runs in order in a fresh
directory, with this environment's Python tools first on PATH, as a new user would type them.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from cpa_sdk.testing.native_host import compile_host

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "getting-started.md"


def tutorial_commands() -> list[str]:
    blocks = re.findall(r"```console\n(.*?)```", TUTORIAL.read_text(), flags=re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ ")]


def test_tutorial_has_the_steps_a_user_needs() -> None:
    commands = tutorial_commands()
    assert commands[0].startswith("cpa-sdk new ")
    assert any(c.startswith("cpa-sdk build ") for c in commands)
    assert any(c.startswith("cpa-sdk call dist/") for c in commands)


def test_tutorial_runs_verbatim_and_the_built_library_loads_in_a_c_host(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    cwd = tmp_path
    outputs = []
    for command in tutorial_commands():
        if command.startswith("cd "):
            cwd = cwd / shlex.split(command)[1]
            continue
        done = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"$ {command}\n{done.stdout}\n{done.stderr}"
        outputs.append(done.stdout)
    answer = json.loads(outputs[-1])
    assert json.loads(base64.b64decode(answer["result"]["Body"])) == {"model": "gpt", "user": "alice"}

    library = cwd / "dist" / "greeting-plugin.so"
    host = compile_host(tmp_path / "cpa_test_host")
    config = base64.b64encode(b"user: bob\n").decode()
    script = tmp_path / "script.txt"
    script.write_text(
        f"load p {library}\n"
        f'call p plugin.register {{"config_yaml":"{config}","schema_version":3}}\n'
        'call p request.normalize {"Model":"gpt","Body":"eyJtb2RlbCI6ImdwdCJ9"}\n'
        "unload p\n"
    )
    run = subprocess.run([str(host), "script", str(script)], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    calls = [e for e in events if e["event"] == "call"]
    assert [c["rc"] for c in calls] == [0, 0]
    body = json.loads(calls[1]["out"].encode("latin-1"))["result"]["Body"]
    assert json.loads(base64.b64decode(body)) == {"model": "gpt", "user": "bob"}
    assert events[-1] == {"event": "done", "failures": 0, "late_host_calls": 0}
