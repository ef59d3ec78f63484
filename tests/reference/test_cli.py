"""cli against the golden vectors of the generated ``cli`` example."""

from __future__ import annotations

import base64
import json
from typing import Any

from cpa_sdk.testing import PluginHarness
from reference_plugins.cli import CLIExample
from tests.reference.golden import generated_vectors, replay_generated


def test_golden_vectors(golden: dict[str, Any]) -> None:
    # command_line.execute differs on purpose (golden.DIFFERING), see below.
    replay_generated(golden, "cli", CLIExample)


def test_command_prints_one_line(golden: dict[str, Any]) -> None:
    # Upstream escapes twice: it prints the quotes and a literal backslash-n, no line end.
    vectors, _ = generated_vectors(golden, "cli")
    (upstream,) = [v for v in vectors if v["method"] == "command_line.execute"]
    upstream_stdout = base64.b64decode(json.loads(upstream["out"])["result"]["Stdout"])
    assert upstream_stdout == b'"example-cli-python command executed\\\\n"'
    with PluginHarness(CLIExample) as harness:
        harness.register({"enabled": True})
        flags = harness.call("command_line.register", {}).flags
        triggered = {flags[0].name: {"Name": flags[0].name, "Type": "bool", "Value": "true", "Set": True}}
        answer = harness.call("command_line.execute", {"Program": "cpa", "TriggeredFlags": triggered})
    assert [(f.name, f.type) for f in flags] == [("example-cli-python-command", "bool")]
    assert (answer.stdout, answer.exit_code) == (b"example-cli-python command executed\n", 0)
