"""A packaged plugin on machines with nothing but CPA: no Python, no libpython, no compiler.

The package is what ``cpa-sdk package`` makes by default (CPython embedded, glibc 2.17), for amd64
and, cross-packaged on this amd64 machine, for arm64. It runs in

* a root file system made like CPA's Docker runtime layer (debian:bookworm + tzdata +
  ca-certificates; checked to hold no Python), inside the real CPA server (chroot), installed
  the way CPA's store installs it, with a fake Codex upstream on 127.0.0.1;
* a Debian bullseye root (glibc 2.31), through the C test host compiled by zig for glibc 2.17;
* an arm64 bookworm root under qemu-aarch64-static: the C test host built for arm64, then the
  real CPA cross-built for arm64 serving a request through the plugin.

Roots, runners and CPA builds: tests/ship/roots.py, tests/conformance/cross.py (conftest fixtures).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cpa_sdk.build.bundle import read_bundle
from cpa_sdk.build.elf import read_elf
from tests.c_host import HostRun, host_bytes
from tests.conformance import cross, harness
from tests.reference.golden import Answer, check_answers
from tests.ship import roots
from tests.ship.conftest import PLUGIN_ID, TARGET, Packages, install_like_the_store
from tests.ship.test_bundle import replay_lines, vectors

FAST_BODY = {
    "model": "gpt-5.5",
    "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi from a machine without Python"}]}],
    "stream": False,
}


@pytest.fixture(scope="session")
def arm64_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """codex-service-tier packaged for linux/arm64 on this amd64 machine."""
    dist = tmp_path_factory.mktemp("ship-arm64") / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "cpa_sdk", "package", TARGET, "-o", str(dist), "--goarch", "arm64"],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=dist.parent,
    )
    assert proc.returncode == 0, proc.stderr
    archive = Path(proc.stdout.splitlines()[0])
    assert archive.name == f"{PLUGIN_ID}_0.1.0_linux_arm64.zip"
    return archive


def library_of(archive: Path, out: Path) -> Path:
    with zipfile.ZipFile(archive) as zipped:
        [name] = zipped.namelist()
        out.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(zipped.read(name))
    return out / name


def run_golden_vectors(runner: roots.RootRunner, host: Path, library: Path, golden: dict[str, Any]) -> None:
    """The C host in ``runner``'s root replays codex-service-tier's golden vectors on ``library``."""
    wanted = vectors(golden)
    with runner.stage() as stage:
        inner = stage.add(library, f"{PLUGIN_ID}.so")
        env = {"PATH": roots.DEFAULT_PATH, "HOME": stage.inner(stage.host_dir), "CPA_SDK_DEBUG": "1"}
        run: HostRun = runner.c_host(stage, host, [f"load p {inner}", *replay_lines("p", wanted), "unload p"], env=env)
    assert run.returncode == 0 and run.of("load")[0]["error"] is None, run.stderr[-3000:]
    answers = [Answer(e["rc"], host_bytes(e["out"]), []) for e in run.calls()]
    assert check_answers(wanted, answers) == len(wanted) == 20
    assert "(bundled runtime)" in run.stderr, run.stderr[-2000:]
    report = next(
        json.loads(line.split(" ", 1)[1]) for line in run.stderr.splitlines() if line.startswith("cpa-sdk-debug ")
    )
    assert report["prefix"].endswith("/runtime") and "/.cache/cpa-sdk/payloads/" in report["prefix"], report["prefix"]
    assert roots.mounts_under(runner.root) == []


def serve_codex_request(
    build: harness.CPABuild, runner: roots.RootRunner, archive: Path, goarch: str, network: Any
) -> bytes:
    """CPA in ``runner``'s root with the package installed as the store installs it; returns what the
    fake Codex upstream received for a gpt-5.5 request."""
    upstream, sink = network
    with runner.stage() as stage:
        installed = install_like_the_store(archive, stage.host_dir / "plugins", PLUGIN_ID, "0.1.0", goarch)
        assert installed.parent == stage.host_dir / "plugins" / "linux" / goarch
        config = harness.server_config(
            harness.free_port(),
            stage.host_dir,
            {PLUGIN_ID: {"enabled": True, "fast": True}},
            [{"api-key": "sk-upstream-nothing-but-cpa", "base-url": upstream.url("/a")}],
        )
        with cross.RootCPAServer(build, runner, stage, config, sink) as server:
            server.wait_for_log(f"plugin registered plugin_id={PLUGIN_ID}", timeout=server.ready_timeout)
            status, data = server.responses(FAST_BODY, timeout=180)
            assert status == 200, (data[:1000], server.log_tail())
            received = [r for r in upstream.take() if r.path.endswith("/responses")]
            assert len(received) == 1, [r.path for r in received]
            assert server.alive
    assert roots.mounts_under(runner.root) == []
    return received[0].body


def test_real_cpa_in_its_docker_runtime_layer_runs_the_package(
    packages: Packages, cpa_amd64: harness.CPABuild, bookworm_runner: roots.RootRunner, cpa_network: Any
) -> None:
    roots.assert_no_python(bookworm_runner.root)
    body = serve_codex_request(cpa_amd64, bookworm_runner, packages.v1.archive, "amd64", cpa_network)
    assert json.loads(body)["service_tier"] == "priority"
    assert b'"service_tier":"priority"' in body
    roots.evidence(
        f"CPA {cpa_amd64.version} in {bookworm_runner} (no Python): packaged {PLUGIN_ID} (embedded "
        'CPython) loaded from the store path; the upstream received "service_tier":"priority"'
    )


def test_the_package_answers_in_a_bullseye_root(
    packages: Packages,
    bullseye_runner: roots.RootRunner,
    zig_hosts: dict[str, Path],
    golden: dict[str, Any],
    tmp_path: Path,
) -> None:
    roots.assert_no_python(bullseye_runner.root)
    assert bullseye_runner.glibc_version() == (2, 31)
    run_golden_vectors(bullseye_runner, zig_hosts["amd64"], library_of(packages.v1.archive, tmp_path), golden)
    roots.evidence(f"{bullseye_runner} (glibc 2.31): the amd64 package answered its 20 golden vectors")


def test_the_arm64_package_is_arm64_code_on_the_baseline(arm64_archive: Path, tmp_path: Path) -> None:
    library = library_of(arm64_archive, tmp_path)
    info = read_bundle(library)
    assert info.manifest["platform"] == "linux-aarch64" and info.manifest["glibc"] == "2.17"
    assert info.manifest["runtime"]["machine"] == "aarch64"
    loader = read_elf(library.read_bytes()[: info.payload_offset])
    assert loader.machine == "aarch64" and (loader.glibc_required or (0, 0)) <= (2, 17)
    with zipfile.ZipFile(library) as payload:
        compiled = [n for n in payload.namelist() if n.endswith(".so") or ".so." in n]
        assert any(n.startswith("site/pydantic_core/") for n in compiled)
        assert not any("x86_64" in n for n in compiled), [n for n in compiled if "x86_64" in n]
        for name in compiled:
            elf = read_elf(payload.read(name))
            assert elf.machine == "aarch64" and (elf.glibc_required or (0, 0)) <= (2, 17), (name, elf.glibc_required)


def test_the_arm64_package_answers_under_qemu(
    arm64_archive: Path,
    arm64_runner: roots.RootRunner,
    zig_hosts: dict[str, Path],
    golden: dict[str, Any],
    tmp_path: Path,
) -> None:
    roots.assert_no_python(arm64_runner.root)
    run_golden_vectors(arm64_runner, zig_hosts["arm64"], library_of(arm64_archive, tmp_path), golden)
    roots.evidence(f"{arm64_runner}: the arm64 package (cross-packaged on amd64) answered its 20 golden vectors")


def test_real_arm64_cpa_runs_the_arm64_package_under_qemu(
    arm64_archive: Path, cpa_arm64: harness.CPABuild, arm64_runner: roots.RootRunner, cpa_network: Any
) -> None:
    body = serve_codex_request(cpa_arm64, arm64_runner, arm64_archive, "arm64", cpa_network)
    assert json.loads(body)["service_tier"] == "priority"
    roots.evidence(
        f"CPA {cpa_arm64.version} arm64 under qemu in {arm64_runner}: the arm64 package served a "
        'request; the upstream received "service_tier":"priority"'
    )
