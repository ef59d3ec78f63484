"""In-process cost of the cpa_sdk dispatcher, next to the floor of any Python implementation.

Measures ``Dispatcher.call("request.normalize", ...)`` of the codex-service-tier port on the
2.5 KB Responses body of ../shared/vectors/bench-responses-body.json (fast: true, so the body is
edited), and beside it a hand-written handler that does only the unavoidable work: parse the
envelope, decode and re-encode the base64 body, splice the key in. Both run in the same process
and the same run; the table prints µs per call (best of several repeats).

    python benchmarks/dispatch.py [--calls N]
"""

from __future__ import annotations

import argparse
import binascii
import json
import os
import platform
import sys
import timeit
from pathlib import Path

import pydantic_core

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import payloads  # noqa: E402  (benchmarks/payloads.py)

from cpa_sdk.dispatch import Dispatcher  # noqa: E402
from reference_plugins.codex_service_tier import CodexServiceTier  # noqa: E402


def floor_handler(method: str, request: bytes) -> tuple[int, bytes]:
    """The least any Python plugin must do for this call (no validation, no Go semantics)."""
    fields = pydantic_core.from_json(request)
    body = binascii.a2b_base64(fields["Body"])
    end = body.rindex(b"}")
    edited = body[:end] + b',"service_tier":"priority"}'
    return 0, b'{"ok":true,"result":{"Body":"' + binascii.b2a_base64(edited, newline=False) + b'"}}'


def measure(call, request: bytes, calls: int) -> float:  # type: ignore[no-untyped-def]
    timer = timeit.Timer(lambda: call("request.normalize", request))
    return min(timer.repeat(repeat=7, number=calls)) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    request = payloads.normalize(payloads.BENCH_BODY.read_bytes().strip())  # run.py's row
    dispatcher = Dispatcher(CodexServiceTier, lambda method, payload: (0, b'{"ok":true,"result":{}}'))
    dispatcher.call("plugin.register", payloads.register(b"fast: true\n"))
    sdk_rc, sdk_out = dispatcher.call("request.normalize", request)
    floor_rc, floor_out = floor_handler("request.normalize", request)
    assert sdk_rc == floor_rc == 0 and json.loads(sdk_out) == json.loads(floor_out), "both must give the same answer"
    rows = [
        ("hand-written floor (no validation)", measure(floor_handler, request, args.calls)),
        ("cpa_sdk Dispatcher.call", measure(dispatcher.call, request, args.calls)),
    ]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; pydantic-core {pydantic_core.__version__}"
    )
    print(f"request.normalize, codex-service-tier, {len(request)} byte request\n")
    print("| implementation | µs per call |")
    print("|---|---|")
    for name, micros in rows:
        print(f"| {name} | {micros:.2f} |")


if __name__ == "__main__":
    main()
