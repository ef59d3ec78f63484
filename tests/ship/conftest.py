"""Fixtures of the shipping tests: a reference plugin packaged as CPA's store gets it, installed the
way the store installs it, and run by the C test host in an environment with nothing of ours.

``packaged`` runs ``python -m cpa_sdk package`` (the CLI a user runs) once per session, for two
versions of codex-service-tier into one ``dist/`` (so checksums.txt and registry.json are merged).
``Sandbox`` is a fresh directory with ``plugins/<goos>/<goarch>/`` and an empty cache, from which
``run`` starts the C host with a minimal environment: no variable of this process, PYTHONPATH and
PYTHONHOME pointing at garbage, CPA_SDK_CACHE_DIR at the sandbox's cache, CPA_SDK_DEBUG=1 so the
shim reports where every module came from (``cpa-sdk-debug`` lines on stderr).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from tests.c_host import TIMEOUT, HostRun, compile_host, script_text

REPO: Final = Path(__file__).resolve().parents[2]
TARGET: Final = "reference_plugins.codex_service_tier:CodexServiceTier"
PORTS: Final = ("--path", str(Path(__file__).resolve().parents[2]))
"""Where TARGET's package is for a command run outside the checkout: the examples are not installed."""
PLUGIN_ID: Final = "codex-service-tier"
URL_BASE: Final = "https://plugins.example.test/codex-service-tier"
GOOS, GOARCH = "linux", "amd64"


@dataclass(frozen=True)
class Packaged:
    """One ``cpa-sdk package`` run: the zip, and what the command printed."""

    version: str
    archive: Path
    library_name: str
    dist: Path


@dataclass(frozen=True)
class Packages:
    v1: Packaged  # 0.1.0, library <id>.so, with a registry entry
    v2: Packaged  # 0.2.0, library <id>-v0.2.0.so, registry entry merged
    dist: Path


def package(dist: Path, *args: str) -> list[Path]:
    """Run ``python -m cpa_sdk package TARGET -o dist ARGS`` from a directory outside the repo."""
    proc = subprocess.run(
        [sys.executable, "-m", "cpa_sdk", "package", TARGET, *PORTS, "-o", str(dist), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=dist.parent,
    )
    assert proc.returncode == 0, proc.stderr
    return [Path(line) for line in proc.stdout.splitlines()]


def bundle_module(target: str, source: Path, out: Path, *args: str, cwd: Path, timeout: float) -> Path:
    """Run ``python -m cpa_sdk build --bundle TARGET --path SOURCE -o OUT -q ARGS`` in ``cwd``;
    the library it printed."""
    proc = subprocess.run(
        [sys.executable, "-m", "cpa_sdk", "build", "--bundle", target, "--path", str(source), "-o", str(out), "-q"]
        + list(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr
    return Path(proc.stdout.strip())


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Packages:
    dist = tmp_path_factory.mktemp("ship") / "dist"
    first = package(dist, "--registry-entry", "--url-base", f"{URL_BASE}/v0.1.0")
    second = package(
        dist, "--version", "v0.2.0", "--versioned-name", "--registry-entry", "--url-base", f"{URL_BASE}/v0.2.0"
    )
    assert (
        first[0].name == f"{PLUGIN_ID}_0.1.0_{GOOS}_{GOARCH}.zip"
        and second[0].name == f"{PLUGIN_ID}_0.2.0_{GOOS}_{GOARCH}.zip"
    )
    return Packages(
        Packaged("0.1.0", first[0], f"{PLUGIN_ID}.so", dist),
        Packaged("0.2.0", second[0], f"{PLUGIN_ID}-v0.2.0.so", dist),
        dist,
    )


def install_like_the_store(
    archive: Path, plugins_dir: Path, plugin_id: str, version: str, goarch: str = GOARCH
) -> Path:
    """What CPA's store does with a verified zip (§8.5): the one library at its root, and nothing
    else, goes to ``plugins/<goos>/<goarch>/<id>-v<version>.so`` with the entry's mode."""
    with zipfile.ZipFile(archive) as zipped:
        libraries = [i for i in zipped.infolist() if i.filename.lower().endswith((".so", ".dylib", ".dll"))]
        assert [i.filename for i in libraries] in ([f"{plugin_id}.so"], [f"{plugin_id}-v{version}.so"]), libraries
        target = plugins_dir / GOOS / goarch / f"{plugin_id}-v{version}.so"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(zipped.read(libraries[0]))
        target.chmod((libraries[0].external_attr >> 16) & 0o777 or 0o755)
    return target


@pytest.fixture(scope="session")
def host_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_host(tmp_path_factory.mktemp("ship-host") / "cpa_test_host")


@dataclass
class Run:
    """A C host run, with the shim's debug reports."""

    host: HostRun
    debug: list[dict[str, Any]]
    notes: list[str]

    def outs(self) -> list[tuple[int, dict[str, Any]]]:
        return [(e["rc"], json.loads(e["out"].encode("latin-1"))) for e in self.host.calls()]


class Sandbox:
    """A fresh directory playing the machine CPA runs on (module docstring)."""

    def __init__(self, root: Path, host: Path) -> None:
        self.root = root
        self.host = host
        self.plugins = root / "plugins"
        self.cache = root / "cache"
        self.home = root / "home"
        self.home.mkdir(parents=True)
        self._scripts = 0

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.home),
            "LANG": "C",
            "PYTHONPATH": str(self.root / "garbage-pythonpath"),
            "PYTHONHOME": str(self.root / "garbage-pythonhome"),
            "CPA_SDK_CACHE_DIR": str(self.cache),
            "CPA_SDK_DEBUG": "1",
        }
        env.update(extra)
        return env

    def install(self, archive: Path, version: str) -> Path:
        return install_like_the_store(archive, self.plugins, PLUGIN_ID, version)

    def script(self, lines: list[str]) -> Path:
        self._scripts += 1
        path = self.root / f"script-{self._scripts}.txt"
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self, lines: list[str], **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(self.host), "script", str(self.script(lines))],
            cwd=self.root,
            env=self.env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
        )

    def run(self, lines: list[str], **env: str) -> Run:
        proc = self.start(lines, **env)
        out, err = proc.communicate(timeout=TIMEOUT)
        return parse_run(proc.returncode, out, err)

    def payload_dirs(self) -> list[str]:
        payloads = self.cache / "payloads"
        return sorted(p.name for p in payloads.iterdir()) if payloads.exists() else []


def parse_run(returncode: int, out: str, err: str) -> Run:
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    debug = [json.loads(line.split(" ", 1)[1]) for line in err.splitlines() if line.startswith("cpa-sdk-debug ")]
    notes = [line for line in err.splitlines() if line.startswith("cpa-sdk: ")]
    return Run(HostRun(returncode, events, err), debug, notes)


@pytest.fixture
def sandbox(tmp_path: Path, host_binary: Path) -> Sandbox:
    return Sandbox(tmp_path / "machine", host_binary)


def call_line(name: str, method: str, request: str) -> str:
    data = request.encode()
    return f"call {name} {method} {script_text(data)}" if data else f"call {name} {method}"


def forbidden_roots() -> list[str]:
    """Where nothing a bundle runs may come from: the repository and the build's environment."""
    roots = {str(REPO), os.path.realpath(REPO), sys.prefix, os.path.realpath(sys.prefix)}
    roots |= {p for p in sys.path if p and "site-packages" in p}
    return sorted(r for r in roots if r and r != "/")


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, symlinks=True)


# -- root file systems of CPA's machines (tests/ship/roots.py, tests/conformance/cross.py) ----------
# One session fixture per root and per server build, for tests that run plugins on "a machine with
# nothing but CPA": runners build (or reuse) their root in .cache/roots on first use.

from collections.abc import Iterator  # noqa: E402

from cpa_sdk.build.target import Target  # noqa: E402
from tests.conformance import cross as _cross, harness as _harness  # noqa: E402
from tests.ship import roots as _roots  # noqa: E402


@pytest.fixture(scope="session")
def bookworm_runner() -> _roots.RootRunner:
    """CPA's Docker runtime layer (debian:bookworm + tzdata + ca-certificates), amd64, chroot."""
    return _roots.runner_for("bookworm", "amd64")


@pytest.fixture(scope="session")
def bullseye_runner() -> _roots.RootRunner:
    """Debian 11 minbase (glibc 2.31), amd64, chroot: an older machine than the build's."""
    return _roots.runner_for("bullseye", "amd64")


@pytest.fixture(scope="session")
def arm64_runner() -> _roots.RootRunner:
    """bookworm arm64 libraries, run under qemu-aarch64-static inside a chroot of that root."""
    return _roots.runner_for("bookworm", "arm64", "qemu-chroot")


@pytest.fixture(scope="session")
def arm64_prefix_runner() -> _roots.RootRunner:
    """The same root under ``qemu-aarch64-static -L <root>`` (missing paths fall back to the host)."""
    return _roots.runner_for("bookworm", "arm64", "qemu-prefix")


@pytest.fixture(scope="session")
def zig_hosts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The C test host built by zig for glibc 2.17, by GOARCH (``amd64``, ``arm64``)."""
    out = tmp_path_factory.mktemp("zig-hosts")
    return {arch: _roots.compile_host(Target(arch), out / arch / "cpa_test_host") for arch in ("amd64", "arm64")}


@pytest.fixture(scope="session")
def control_plugins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The conformance C control plugin built by zig for glibc 2.17, by GOARCH."""
    out = tmp_path_factory.mktemp("zig-control")
    return {arch: _roots.compile_plugin(Target(arch), out / arch / "control.so") for arch in ("amd64", "arm64")}


@pytest.fixture(scope="session")
def cpa_amd64() -> _harness.CPABuild:
    """The pinned CPA for this machine (gcc, as CPA's Dockerfile builds it): runs in bookworm."""
    build = _harness.build_cpa(_harness.PINNED_VERSION)
    _roots.evidence(f"CPA {build.version} amd64 (host gcc, like CPA's Dockerfile): {build.build_seconds:.1f}s")
    return build


@pytest.fixture(scope="session")
def cpa_arm64() -> _harness.CPABuild:
    """The pinned CPA cross-built for linux/arm64, glibc 2.17 (cgo through zig)."""
    build = _cross.build_cpa_for(_harness.PINNED_VERSION, Target("arm64"))
    _roots.evidence(
        f"CPA {build.version} arm64 (cgo + zig, glibc 2.17): {build.build_seconds:.1f}s, "
        f"server {build.server.stat().st_size / 1e6:.0f} MB"
    )
    return build


@pytest.fixture
def cpa_network() -> Iterator[tuple[_harness.FakeCodexUpstream, _harness.OutboundSink]]:
    """harness's fake Codex upstream and outbound sink on 127.0.0.1 (reachable from a chroot or
    qemu-user: they share this process's network namespace)."""
    upstream = _harness.FakeCodexUpstream()
    sink = _harness.OutboundSink()
    try:
        yield upstream, sink
    finally:
        upstream.close()
        sink.close()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if _roots.EVIDENCE:
        terminalreporter.section("root file systems of CPA's machines")
        for line in _roots.EVIDENCE:
            terminalreporter.write_line(line)
