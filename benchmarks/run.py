"""Builds every benchmark plugin and measures them side by side, in one run, on this machine.

    python benchmarks/run.py                       # defaults: see --help
    python benchmarks/run.py --target pkg.mod:MyNormalizer --calls 20000

Everything goes through the C test host (cpa_sdk/testing/host/cpa_test_host.c), which loads plugins the
way CPA does. Prints a markdown report: machine, per-call cost and throughput with 1 and 2 host
threads, cold start in fresh processes, and the targets. Numbers are medians of --repeat runs;
compare them only within one report.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOST_SOURCE = ROOT / "cpa_sdk" / "testing" / "host" / "cpa_test_host.c"
DEFAULT_TARGET = "reference_plugins.codex_service_tier:CodexServiceTier"
SCHEDULER_TARGET = "reference_plugins.scheduler:SchedulerExample"
FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
CFLAGS = ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror"]

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402  (benchmarks/payloads.py)


@dataclass
class Plugin:
    label: str
    path: Path


@dataclass
class BenchRow:
    """One benchmark row. Each round runs 1, 2, then 1 thread again in one process: a later run in a
    process is faster by itself (about 1% here, warm caches), so 2 threads are compared with the
    mean of the one-thread runs around them, never with one run before them."""

    benchmark: str
    plugin: str
    ns_1: list[float] = field(default_factory=list)
    cps_1: list[float] = field(default_factory=list)
    cps_2: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    sample: str = ""

    @property
    def ns(self) -> float:
        return statistics.median(self.ns_1)

    @property
    def best(self) -> float:
        return min(self.ns_1)

    @property
    def ratio(self) -> float:
        """2 threads / 1 thread: the median over rounds of each round's bracketed ratio."""
        return statistics.median(self.ratios)

    def add_single(self, one: dict[str, Any]) -> None:
        self.ns_1.append(one["ns_per_call"])
        self.cps_1.append(one["calls_per_sec"])

    def add_round(self, one_before: dict[str, Any], two: dict[str, Any], one_after: dict[str, Any]) -> None:
        for one in (one_before, one_after):
            self.ns_1.append(one["ns_per_call"])
            self.cps_1.append(one["calls_per_sec"])
        self.cps_2.append(two["calls_per_sec"])
        self.ratios.append(2 * two["calls_per_sec"] / (one_before["calls_per_sec"] + one_after["calls_per_sec"]))


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return proc


def build_all(work: Path, args: argparse.Namespace) -> tuple[Path, dict[str, Plugin]]:
    from cpa_sdk.build import build_plugin

    host = work / "cpa_test_host"
    run(["gcc", *CFLAGS, "-o", str(host), str(HOST_SOURCE), "-ldl", "-lpthread"])
    plugins: dict[str, Plugin] = {}
    floor = work / "floor.so"
    run(
        [
            "gcc",
            *CFLAGS,
            "-fPIC",
            "-shared",
            "-fvisibility=hidden",
            "-o",
            str(floor),
            str(HERE / "native" / "floor_plugin.c"),
        ]
    )
    plugins["floor"] = Plugin("native floor (C)", floor)
    run(["gcc", *CFLAGS, "-o", str(work / "core_to_core"), str(HERE / "native" / "core_to_core.c"), "-lpthread"])

    go = shutil.which("go")
    if go is None:
        raise SystemExit("go not found on PATH: the Go peer cannot be built")
    env = dict(
        os.environ,
        GOMODCACHE=str(ROOT / ".cache" / "go-mod"),
        GOCACHE=str(ROOT / ".cache" / "go-build"),
        GOFLAGS="-mod=mod",
        CGO_ENABLED="1",
    )
    peer = work / "go_peer.so"
    run([go, "build", "-buildmode=c-shared", "-o", str(peer), "."], cwd=HERE / "go_peer", env=env)
    plugins["go"] = Plugin("Go c-shared peer", peer)

    out = work / "py"
    target_so = build_plugin(args.target, out, entry=args.entry, plugin_id="target")
    plugins["py"] = Plugin(f"Python .so ({args.target.rpartition(':')[2]}, SDK)", target_so)
    bare = build_plugin("bare_entry:Bare", out, entry="bare_entry:load", extra_paths=[HERE])
    plugins["bare"] = Plugin("Python .so (bare endpoint: shim only)", bare)
    scheduler = build_plugin(SCHEDULER_TARGET, out, entry=args.entry, plugin_id="scheduler")
    plugins["sched"] = Plugin("Python .so (scheduler port, SDK)", scheduler)
    rows = build_plugin("bench_plugin:BenchRows", out, entry=args.entry, plugin_id="bench-rows", extra_paths=[HERE])
    plugins["rows"] = Plugin("Python .so (BenchRows, SDK)", rows)
    return host, plugins


def bench(
    host: Path, so: Path, method: str, request: Path, calls: int, setup: Path, work_ns: int, threads: str = "1,2,1"
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One process: the sample answer, then the runs with 1, 2 and 1 host threads, in that order
    (``threads`` "1": one run on one thread, for the rows compared with the Go peer only)."""
    cmd = [
        str(host),
        "bench",
        str(so),
        method,
        str(request),
        threads,
        str(calls),
        "plugin.register",
        str(setup),
        str(work_ns),
    ]
    sample: dict[str, Any] = {}
    runs: list[dict[str, Any]] = []
    for line in run(cmd, timeout=600).stdout.splitlines():
        record = json.loads(line)
        if "threads" in record:
            runs.append(record)
        else:
            sample = record
    return sample, runs


@dataclass
class ColdStart:
    """Fresh processes: the plugin's start (and, for ``more``, each further plugin's beside it)."""

    inside: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    more_inside: list[list[float]] = field(default_factory=list)
    more_cpu: list[list[float]] = field(default_factory=list)
    more_rss: list[list[float]] = field(default_factory=list)


def cold_start(
    host: Path,
    so: Path,
    register: Path,
    runs: int,
    more: tuple[tuple[Path, Path], ...] = (),
    into: ColdStart | None = None,
) -> ColdStart:
    """``runs`` fresh processes: dlopen + init + plugin.register of ``so``, then of each of ``more``
    in the same process (a second plugin's start), with wall and CPU time and the RSS each adds."""
    result = into or ColdStart()
    for _ in range(runs):
        cmd = [str(host), "coldstart", str(so), "plugin.register", str(register)]
        for other, other_register in more:
            cmd += [str(other), str(other_register)]
        started = time.perf_counter()
        proc = run(cmd, timeout=120)
        result.wall.append((time.perf_counter() - started) * 1e3)
        records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{"mode":"coldstart"')]
        for record in records:
            if record["rc"] != 0:
                raise SystemExit(
                    f"cold start of {record['plugin']}: plugin.register returned {record['rc']}: {record['out']}"
                )
        first, *rest = records
        result.inside.append(first["total_ms"])
        result.cpu.append(first["cpu_ms"])
        result.rss.append((first["rss_kib_after"] - first["rss_kib_before"]) / 1024)
        for i, record in enumerate(rest):
            while len(result.more_inside) <= i:
                result.more_inside.append([])
                result.more_cpu.append([])
                result.more_rss.append([])
            result.more_inside[i].append(record["total_ms"])
            result.more_cpu[i].append(record["cpu_ms"])
            result.more_rss[i].append((record["rss_kib_after"] - record["rss_kib_before"]) / 1024)
    return result


def in_process_ns(target: str, method: str, request: bytes, register: bytes, calls: int) -> float:
    """The SDK's dispatcher called directly from Python: the cost without the C shim."""
    code = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from cpa_sdk._bridge import load
endpoint = load("target.so", {target!r}, lambda m, r: (0, b'{{"ok":true,"result":{{}}}}'))
endpoint.call("plugin.register", {register!r})
call, method, request = endpoint.call, {method!r}, {request!r}
for _ in range({calls} // 10): call(method, request)
best = None
for _ in range(5):
    t = time.perf_counter()
    for _ in range({calls}): call(method, request)
    ns = (time.perf_counter() - t) * 1e9 / {calls}
    best = ns if best is None else min(best, ns)
print(best)
"""  # best of 5, like the "best" column
    return float(run([sys.executable, "-c", code], timeout=600).stdout.strip())


def core_to_core(work: Path) -> str:
    """The cache line round trip between CPUs 0 and 1 (benchmarks/native/core_to_core.c)."""
    proc = subprocess.run([str(work / "core_to_core")], capture_output=True, text=True, timeout=120)
    return f"{proc.stdout.strip()} ns" if proc.returncode == 0 else "n/a"


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gcc = run(["gcc", "--version"]).stdout.splitlines()[0]
    go = run(["go", "version"]).stdout.strip() if shutil.which("go") else "no go"
    return (
        f"- machine: {os.cpu_count()} CPUs (nproc), {model}, {platform.system()} {platform.release()} {platform.machine()}\n"
        f"- Python {platform.python_version()}{' free-threaded (no GIL)' if FREE_THREADED else ''}"
        f" ({sys.executable}); {gcc}; {go}"
    )


def fmt_ns(ns: float) -> str:
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--target", default=DEFAULT_TARGET, help="Python request normalizer to measure (package.module:Class)"
    )
    parser.add_argument("--entry", default="cpa_sdk._bridge:load", help="entry function the Python .so calls")
    parser.add_argument("--body", type=Path, default=payloads.BENCH_BODY, help="request body for request.normalize")
    parser.add_argument("--calls", type=int, default=20000, help="calls per thread for request.normalize")
    parser.add_argument("--noop-calls", type=int, default=200000, help="calls per thread for the no-op round trip")
    parser.add_argument(
        "--work-ns",
        type=int,
        default=8000,
        help="host work after each request.normalize call in the host-work rows (no-op rows: an eighth)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--cold-runs", type=int, default=7, help="fresh processes for cold start (median)")
    parser.add_argument("--work-dir", type=Path, help="keep the built files here (default: a temporary directory)")
    parser.add_argument(
        "--side-only",
        action="store_true",
        help="only the rows beside the Go peer (no thread, cold start or in-process rows): a quick look",
    )
    args = parser.parse_args()

    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="cpa-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"building into {work} ...", file=sys.stderr)
    host, plugins = build_all(work, args)

    body = args.body.read_bytes().strip()
    normalize = payloads.normalize(body)
    register = payloads.register(b"fast: true\n")
    sizes = {"100 KB": 100_000, "1 MB": 1_000_000}
    pick_sizes = (32, 256)
    files = {
        "noop": b"{}",
        "normalize": normalize,
        "register": register,
        "register-go": payloads.register(
            f"fast: true\nauth_id: {payloads.last_candidate_id(pick_sizes[-1])}\n".encode()
        ),
        "register-rows": payloads.rows_register(),
        "usage": payloads.usage_record(),
        "normalize-after": payloads.normalize_after(body),
    }
    for n in pick_sizes:
        files[f"pick{n}"] = payloads.scheduler_pick(n)
        files[f"register-pick{n}"] = payloads.scheduler_config(payloads.last_candidate_id(n))
        files[f"register-go-pick{n}"] = payloads.register(
            f"fast: true\nauth_id: {payloads.last_candidate_id(n)}\n".encode()
        )
    for label, size in sizes.items():
        files[f"normalize-{label}"] = payloads.normalize(payloads.large_body(body, size))
    for size in (200, 4096):
        files[f"chunk{size}"] = payloads.stream_chunk(size)
    for name, data in files.items():
        (work / f"{name}.json").write_bytes(data)
    trip_before = core_to_core(work)

    noop_work, normalize_work = args.work_ns // 8, args.work_ns
    noop_with_work = f"no-op + {fmt_ns(noop_work)} of host work per call"
    normalize_with_work = f"request.normalize + {fmt_ns(normalize_work)} of host work per call"
    plan = [
        ("no-op round trip (unknown method)", "floor", "cpa.noop", "noop", args.noop_calls, 0),
        ("no-op round trip (unknown method)", "bare", "cpa.noop", "noop", args.noop_calls, 0),
        ("no-op round trip (unknown method)", "py", "cpa.noop", "noop", args.noop_calls, 0),
        (f"request.normalize ({len(body)} B body)", "go", "request.normalize", "normalize", args.calls, 0),
        (f"request.normalize ({len(body)} B body)", "py", "request.normalize", "normalize", args.calls, 0),
        (noop_with_work, "py", "cpa.noop", "noop", args.noop_calls // 10, noop_work),
        (normalize_with_work, "go", "request.normalize", "normalize", args.calls // 2, normalize_work),
        (normalize_with_work, "py", "request.normalize", "normalize", args.calls // 2, normalize_work),
    ]
    # Python .so beside the Go peer, one host thread: (benchmark, Python plugin, method, request, calls, target)
    side_by_side: list[tuple[str, str, str, str, int, float]] = [
        *[
            (
                f"scheduler.pick, {n} candidates",
                "sched",
                "scheduler.pick",
                f"pick{n}",
                max(args.calls * 32 // (n * 4), 200),
                0.3,
            )
            for n in pick_sizes
        ],
        (f"request.normalize, {len(body)} B body", "py", "request.normalize", "normalize", args.calls, 0.25),
        *[
            (
                f"request.normalize, {label} body",
                "py",
                "request.normalize",
                f"normalize-{label}",
                max(args.calls * 2500 // size, 50),
                0.5,
            )
            for label, size in sizes.items()
        ],
        *[
            (
                f"response.intercept_stream_chunk, {size} B SSE chunk",
                "rows",
                "response.intercept_stream_chunk",
                f"chunk{size}",
                args.calls,
                0.5,
            )
            for size in (200, 4096)
        ],
        ("usage.handle", "rows", "usage.handle", "usage", args.calls, 0.5),
        ("response.normalize_after", "rows", "response.normalize_after", "normalize-after", args.calls // 2, 0.5),
    ]
    setups = {"floor": "register", "bare": "register", "py": "register", "go": "register-go", "rows": "register-rows"}
    rows = [BenchRow(b, plugins[p].label) for b, p, *_ in plan]
    pairs = [(BenchRow(b, plugins["go"].label), BenchRow(b, plugins[p].label)) for b, p, *_ in side_by_side]
    first_with_work = next(i for i, entry in enumerate(plan) if entry[5] > 0)
    python_rows = [row for row, entry in zip(rows, plan, strict=True) if entry[1] in ("bare", "py") and entry[5] == 0]
    overlap_rows = [row for row, entry in zip(rows, plan, strict=True) if entry[1] == "py" and entry[5] > 0]
    for round_ in range(args.repeat):  # interleaved, so background noise hits every row alike
        print(f"round {round_ + 1}/{args.repeat} ...", file=sys.stderr)
        for row, (_, key, method, req, calls, work_ns) in zip(rows, plan, strict=True):
            if args.side_only:
                break
            sample, runs = bench(
                host, plugins[key].path, method, work / f"{req}.json", calls, work / f"{setups[key]}.json", work_ns
            )
            row.add_round(*runs)
            row.sample = sample["out"][:80]
        for (go_row, py_row), (_, key, method, req, calls, _target) in zip(pairs, side_by_side, strict=False):
            setup = setups.get(key, "register-" + req)
            go_setup = f"register-go-{req}" if key == "sched" else "register-go"
            for row, plugin_key, setup_file in ((go_row, "go", go_setup), (py_row, key, setup)):
                sample, runs = bench(
                    host,
                    plugins[plugin_key].path,
                    method,
                    work / f"{req}.json",
                    calls,
                    work / f"{setup_file}.json",
                    0,
                    threads="1",
                )
                if not sample["out"].startswith('{"ok":true'):
                    raise SystemExit(f"{plugin_key} {method}: {sample['out'][:300]}")
                row.add_single(runs[0])
                row.sample = sample["out"][:80]

    if args.side_only:
        for (go_row, py_row), (benchmark, *_rest, target) in zip(pairs, side_by_side, strict=False):
            print(
                f"| {benchmark} | {fmt_ns(go_row.ns)} | {fmt_ns(py_row.ns)} | {py_row.ns / go_row.ns:.2f}x | ≤ {target}x |"
            )
        return 0
    trip_after = core_to_core(work)
    print("cold start ...", file=sys.stderr)
    cold: dict[str, ColdStart] = {key: ColdStart() for key in ("floor", "go", "py")}
    second = (
        (plugins["sched"].path, work / "register-pick32.json"),
        (plugins["rows"].path, work / "register-rows.json"),
    )
    for _ in range(args.cold_runs):  # interleaved too
        cold_start(host, plugins["floor"].path, work / "register.json", 1, into=cold["floor"])
        cold_start(host, plugins["go"].path, work / "register-go.json", 1, into=cold["go"])
        cold_start(host, plugins["py"].path, work / "register.json", 1, more=second, into=cold["py"])
    direct: dict[str, float] = {}
    if args.entry == "cpa_sdk._bridge:load":
        direct["noop"] = in_process_ns(args.target, "cpa.noop", b"{}", register, args.noop_calls)
        direct["normalize"] = in_process_ns(args.target, "request.normalize", normalize, register, args.calls)

    print(f"## cpa-sdk ABI bridge benchmarks ({time.strftime('%Y-%m-%d %H:%M')})\n")
    print(machine())
    print(
        f"- load average at start {load_before}, at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        " (other work on the machine slows every row)"
    )
    print(
        f"- a cache line from CPU 0 to CPU 1 and back: {trip_before} before the rounds, {trip_after} after them"
        " (on this project's VMs ~100 ns, or ~400 ns for stretches when the hypervisor places the vCPUs far"
        " apart: Python moving between cores then costs far more, see docs/performance.md)"
    )
    print(
        f"- {args.repeat} interleaved runs per row (median); no-op {args.noop_calls} and normalize {args.calls}"
        " calls per thread; 2 threads = two host threads calling at once; 2T / 1T = median over rounds of 2T"
        " against the mean of the 1T runs just before and after it (same process); host work = the host"
        " thread busy after each call, holding no lock (CPA's own share of a request)\n"
    )
    print(
        "| benchmark | plugin | per call, 1 thread (median) | best | calls/s, 1 thread | calls/s, 2 threads | 2T / 1T |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for index, row in enumerate(rows):
        if index == first_with_work:
            for key, benchmark in (("noop", rows[0].benchmark), ("normalize", rows[3].benchmark)):
                if key in direct:
                    print(
                        f"| {benchmark} | the SDK's Python alone: endpoint.call in-process, no shim |"
                        f" | {fmt_ns(direct[key])} | {1e9 / direct[key]:,.0f} | | |"
                    )
        print(
            f"| {row.benchmark} | {row.plugin} | {fmt_ns(row.ns)} | {fmt_ns(row.best)} |"
            f" {statistics.median(row.cps_1):,.0f} | {statistics.median(row.cps_2):,.0f} | {row.ratio:.2f} |"
        )

    print("\nPython .so beside the Go peer (one host thread; ratio = Python median / Go median, lower is faster):\n")
    print("| benchmark | Go peer (median) | Python .so (median) | Python plugin | ratio | target | met |")
    print("|---|---:|---:|---|---:|---:|---|")
    ratio_checks = []
    for (go_row, py_row), (benchmark, *_rest, target) in zip(pairs, side_by_side, strict=False):
        ratio = py_row.ns / go_row.ns
        ratio_checks.append((f"{benchmark} ≤ {target}x Go", ratio <= target, f"{ratio:.2f}x"))
        print(
            f"| {benchmark} | {fmt_ns(go_row.ns)} | {fmt_ns(py_row.ns)} | {py_row.plugin} | {ratio:.2f}x |"
            f" ≤ {target}x | {'yes' if ratio <= target else 'NO'} |"
        )
    big = {label: pair[1].ns for (label, pair) in zip(sizes, pairs[3:5], strict=False)}
    per_byte = {label: big[label] / size for label, size in sizes.items()}
    print(
        "\nPython normalize cost per body byte: "
        + ", ".join(f"{label} {v:.2f} ns/B" for label, v in per_byte.items())
        + f" (linear when these agree; {len(body)} B: {pairs[2][1].ns / len(body):.2f} ns/B, fixed costs included)"
    )

    med = statistics.median
    print(
        "\n| cold start (fresh process: dlopen + init + plugin.register) | in process (median) | CPU (median) |"
        " whole process (median) | RSS added |"
    )
    print("|---|---:|---:|---:|---:|")
    for key in ("floor", "go", "py"):
        c = cold[key]
        print(
            f"| {plugins[key].label} | {med(c.inside):.1f} ms | {med(c.cpu):.1f} ms | {med(c.wall):.1f} ms |"
            f" {med(c.rss):.1f} MiB |"
        )
    for (so_key, label), inside, cpu, rss in zip(
        (("sched", "second"), ("rows", "third")),
        cold["py"].more_inside,
        cold["py"].more_cpu,
        cold["py"].more_rss,
        strict=False,
    ):
        print(
            f"| {plugins[so_key].label}, the {label} Python plugin in that process | {med(inside):.1f} ms |"
            f" {med(cpu):.1f} ms | | {med(rss):.1f} MiB |"
        )

    shim = rows[1].ns - rows[0].ns
    second_ms = med(cold["py"].more_inside[0])
    checks = [
        ("no-op round trip through the shim ≤ 0.5 µs (bare endpoint, best)", rows[1].best <= 500, fmt_ns(rows[1].best)),
        ("no-op round trip through the SDK ≤ 0.5 µs (best)", rows[2].best <= 500, fmt_ns(rows[2].best)),
        ("request.normalize ≤ 10 µs (best)", rows[4].best <= 10_000, fmt_ns(rows[4].best)),
        (
            "2 threads ≥ 1 thread, tight loop (Python rows"
            + ("" if FREE_THREADED else "; a GIL build's ceiling is 1.00, see docs/performance.md")
            + ")",
            all(r.ratio >= 1 for r in python_rows),
            ", ".join(f"{r.ratio:.3f}" for r in python_rows),
        ),
        (
            "2 threads ≥ 1 thread when the host works between calls, as CPA does (Python rows)",
            all(r.ratio >= 1 for r in overlap_rows),
            ", ".join(f"{r.ratio:.2f}" for r in overlap_rows),
        ),
        (
            "cold start ≤ 40 ms (codex-service-tier, in process)",
            med(cold["py"].inside) <= 40,
            f"{med(cold['py'].inside):.1f} ms",
        ),
        ("a second Python plugin's start ≤ 10 ms (in process)", second_ms <= 10, f"{second_ms:.1f} ms"),
        *ratio_checks,
    ]
    print(f"\nShim overhead over the native floor (bare endpoint − floor, medians): {fmt_ns(shim)} per call.\n")
    print("| target | met | measured |")
    print("|---|---|---|")
    for name, met, value in checks:
        print(f"| {name} | {'yes' if met else 'NO'} | {value} |")
    if not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
