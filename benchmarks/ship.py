"""The shipping budgets, measured side by side: a bundle with its own CPython next to one that
uses the machine's libpython (issue 14; figures in docs/performance.md and docs/shipping.md).

    python benchmarks/ship.py [--runs 9] [--target pkg.mod:Class]

For each kind it packages the plugin with ``cpa-sdk package`` and reports the library and zip
sizes, then loads the library in fresh processes of the C test host (which has no Python of its
own, like CPA):

* first start: an empty payload cache, so the time includes checking and unpacking the payload;
* cold start: the cache already filled (warm page cache), dlopen + init + ``plugin.register``.

The two kinds are run interleaved, so a slow stretch of the machine affects both alike. The
embedded runtime must be cached, or ``CPA_SDK_CPYTHON_SOURCE`` name a source tarball.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from run import CFLAGS, HOST_SOURCE, machine, run  # noqa: E402  (benchmarks/run.py: same host, same header)

KINDS = {"embedded": [], "system": ["--runtime", "system"]}
BUDGET_ZIP_MIB = 25
BUDGET_COLD_RATIO = 1.2
BUDGET_FIRST_MS = 2000


def package(target: str, out: Path, extra: list[str]) -> tuple[Path, float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "cpa_sdk", "package", target, "-o", str(out), "-q", *extra],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode != 0:
        raise SystemExit(f"cpa-sdk package {' '.join(extra)} failed:\n{proc.stderr}")
    return Path(proc.stdout.splitlines()[0]), time.perf_counter() - started


def unzip_library(archive: Path, out: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        [name] = zipped.namelist()
        out.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(zipped.read(name))
        (out / name).chmod(0o755)
        return out / name


def start_ms(host: Path, library: Path, register: Path, cache: Path) -> float:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cache.parent), "CPA_SDK_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [str(host), "coldstart", str(library), "plugin.register", str(register)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    record = json.loads(proc.stdout.splitlines()[-1])
    if record["rc"] != 0:
        raise SystemExit(f"{library}: plugin.register answered rc {record['rc']}: {record['out']}")
    return float(record["total_ms"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="reference_plugins.codex_service_tier:CodexServiceTier")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cpa-sdk-ship-bench-") as tmp:
        work = Path(tmp)
        host = work / "cpa_test_host"
        run(["gcc", *CFLAGS, "-o", str(host), str(HOST_SOURCE), "-ldl", "-lpthread"])
        register = work / "register.json"
        register.write_text('{"schema_version":3,"config_yaml":""}')
        libraries: dict[str, Path] = {}
        rows: dict[str, dict[str, float]] = {}
        for kind, extra in KINDS.items():
            archive, seconds = package(args.target, work / kind / "dist", extra)
            libraries[kind] = unzip_library(archive, work / kind / "lib")
            rows[kind] = {
                "package_s": seconds,
                "zip_mib": archive.stat().st_size / 2**20,
                "library_mib": libraries[kind].stat().st_size / 2**20,
            }
        first: dict[str, list[float]] = {kind: [] for kind in KINDS}
        cold: dict[str, list[float]] = {kind: [] for kind in KINDS}
        for attempt in range(args.runs):
            for kind, library in libraries.items():
                cache = work / kind / f"cache-{attempt}"
                first[kind].append(start_ms(host, library, register, cache))
                cold[kind].append(start_ms(host, library, register, cache))
        print(machine())
        print(f"- plugin: {args.target}; {args.runs} fresh processes per figure, medians (min-max)\n")
        print("| bundle | zip | library | package | first start (extracts) | cold start (cached) |")
        print("|---|---:|---:|---:|---:|---:|")
        for kind in KINDS:
            row = rows[kind]
            print(
                f"| {kind} | {row['zip_mib']:.1f} MiB | {row['library_mib']:.1f} MiB | {row['package_s']:.1f} s | "
                f"{statistics.median(first[kind]):.0f} ms ({min(first[kind]):.0f}-{max(first[kind]):.0f}) | "
                f"{statistics.median(cold[kind]):.0f} ms ({min(cold[kind]):.0f}-{max(cold[kind]):.0f}) |"
            )
        ratio = statistics.median(cold["embedded"]) / statistics.median(cold["system"])
        print(
            f"\nBudgets (issue 14): zip <= {BUDGET_ZIP_MIB} MiB: "
            f"{'yes' if rows['embedded']['zip_mib'] <= BUDGET_ZIP_MIB else 'NO'} ({rows['embedded']['zip_mib']:.1f}); "
            f"cold start embedded/system <= {BUDGET_COLD_RATIO}: {'yes' if ratio <= BUDGET_COLD_RATIO else 'NO'} "
            f"({ratio:.2f}); first start < {BUDGET_FIRST_MS} ms: "
            f"{'yes' if statistics.median(first['embedded']) < BUDGET_FIRST_MS else 'NO'}"
        )


if __name__ == "__main__":
    main()
