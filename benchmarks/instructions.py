"""Instructions per in-process call of the per-request rows, counted by callgrind.

Timings on this project's shared VMs move by tens of percent with the load; instruction counts
do not. Each row runs ``Dispatcher.call`` of the row's plugin and payload (those of run.py) N
times and 0 times under ``valgrind --tool=callgrind``; the difference over N is the cost of one
call. Compare two commits by running this script in a checkout of each.

    python benchmarks/instructions.py [--calls N] [ROW ...]      # rows: see --help
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402


def _usage() -> tuple[str, bytes]:
    return "usage.handle", payloads.usage_record()


def _chunk(size: int) -> Callable[[], tuple[str, bytes]]:
    return lambda: ("response.intercept_stream_chunk", payloads.stream_chunk(size))


def _after() -> tuple[str, bytes]:
    return "response.normalize_after", payloads.normalize_after(payloads.BENCH_BODY.read_bytes().strip())


def _pick(n: int) -> Callable[[], tuple[str, bytes]]:
    return lambda: ("scheduler.pick", payloads.scheduler_pick(n))


ROWS: dict[str, tuple[str, Callable[[], tuple[str, bytes]]]] = {
    "usage": ("bench_plugin:BenchRows", _usage),
    "chunk200": ("bench_plugin:BenchRows", _chunk(200)),
    "chunk4k": ("bench_plugin:BenchRows", _chunk(4096)),
    "normalize_after": ("bench_plugin:BenchRows", _after),
    "pick32": ("reference_plugins.scheduler:SchedulerExample", _pick(32)),
    "pick256": ("reference_plugins.scheduler:SchedulerExample", _pick(256)),
}
"""Row name: (plugin class, the call), the plugins and payloads of run.py's rows beside the Go peer."""


def serve(row: str, calls: int) -> None:
    """The measured process: register the row's plugin, warm it up, then ``calls`` calls."""
    from cpa_sdk.dispatch import Dispatcher

    target, request_of = ROWS[row]
    module, name = target.split(":")
    plugin: Any = getattr(__import__(module, fromlist=[name]), name)
    dispatcher = Dispatcher(plugin, lambda method, payload: (0, b'{"ok":true,"result":{}}'))
    if row.startswith("pick"):
        register = payloads.scheduler_config(payloads.last_candidate_id(int(row[4:])))
    else:
        register = payloads.rows_register()
    assert dispatcher.call("plugin.register", register)[0] == 0
    method, request = request_of()
    for _ in range(3):
        rc, answer = dispatcher.call(method, request)
        assert rc == 0, answer
    call = dispatcher.call
    for _ in range(calls):
        call(method, request)


def instructions(row: str, calls: int) -> int:
    """Instructions of one run of ``serve(row, calls)``, as callgrind counts them."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--serve", row]
        + ["--calls", str(calls)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="*", metavar="ROW", help=f"rows to count, of {', '.join(ROWS)} (default: all)")
    parser.add_argument("--calls", type=int, default=1000, help="calls counted per row (pick256: a tenth)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.calls)
        return
    unknown = sorted(set(args.rows) - set(ROWS))
    if unknown:
        parser.error(f"unknown rows: {', '.join(unknown)}")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    print(f"instructions per in-process call, {ROOT} at {commit.stdout.strip() or 'unknown'}\n")
    print("| row | instructions per call |")
    print("|---|---:|")
    for row in args.rows or list(ROWS):
        calls = max(1, args.calls // 10) if row == "pick256" else args.calls
        per_call = (instructions(row, calls) - instructions(row, 0)) / calls
        print(f"| {row} | {per_call:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
