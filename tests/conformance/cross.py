"""CPA built for CPA's release machines, and CPA run inside the root file systems of tests/ship.

``harness.build_cpa`` builds CPA for this machine with this machine's gcc: right for the
conformance tests, and the same binary CPA's Docker image carries (its Dockerfile builds with
CGO_ENABLED=1 on golang:bookworm). CPA's releases also run on arm64 and on glibc 2.17, which this
machine is not, so ``build_cpa_for`` cross-builds the same module graph (``harness.prepare_module``)
with cgo (CPA's plugin loader is cgo: dlopen) and zig as the C compiler and linker, for any
``Target``. The binaries are cached beside harness's: ``.cache/conformance/bin/<version>/<target>/``;
Go's build cache and its up-to-date check make a second build a no-op.

``RootCPAServer`` is ``harness.CPAServer`` with the process started by a ``RootRunner``: amd64
under chroot, arm64 under qemu (chroot + static qemu by default, or ``qemu-aarch64-static -L``).
Its work directory is a ``Stage`` (inside the root for the chroot modes), the config it writes
carries the paths the process sees, and the fake upstream and outbound sink of harness stay
reachable on 127.0.0.1 because a chroot and qemu-user share this process's network namespace.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Final

from cpa_sdk.build.target import Target
from tests.conformance import harness
from tests.ship.roots import CPA_DOCKER_TZ, DEFAULT_PATH, RootRunner, Stage

CC_WRAPPERS: Final = harness.WORK_CACHE / "cc"
QEMU_READY_TIMEOUT: Final = 240  # seconds; CPA's start under qemu-user takes a few seconds, CPU allowing
NATIVE_READY_TIMEOUT: Final = 60


def cc_wrapper(target: Target) -> Path:
    """An executable that is ``target.cc()``: Go wants CC to be one program, and zig is a Python
    module here (``python -m ziglang cc -target ...``). Rewritten only when it changes."""
    CC_WRAPPERS.mkdir(parents=True, exist_ok=True)
    path = CC_WRAPPERS / f"{target.name}-cc"
    text = "#!/bin/sh\nexec " + " ".join(shlex.quote(part) for part in target.cc()) + ' "$@"\n'
    if not path.is_file() or path.read_text() != text:
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_text(text)
        partial.chmod(0o755)
        partial.replace(path)
    return path


def cross_env(target: Target) -> dict[str, str]:
    """harness's Go environment (same module and build caches) for ``target``, cgo through zig."""
    env = harness.go_env()
    env.update(GOOS="linux", GOARCH=target.goarch, CGO_ENABLED="1", CC=str(cc_wrapper(target)))
    env.pop("CXX", None)
    return env


def max_glibc(binary: Path) -> tuple[int, int]:
    """The newest ``GLIBC_x.y`` symbol version ``binary`` needs (readelf reads any architecture)."""
    proc = harness.run(["readelf", "-W", "--version-info", str(binary)], cwd=binary.parent)
    versions = {(int(a), int(b)) for a, b in re.findall(r"GLIBC_(\d+)\.(\d+)", proc.stdout)}
    return max(versions) if versions else (0, 0)


def build_cpa_for(version: str, target: Target) -> harness.CPABuild:
    """CPA ``version`` (server ``{CPA_MODULE}/cmd/server`` and the conformance loader) for ``target``.

    Fails unless the binaries embed ``version``, are built for the target's architecture and need
    no glibc newer than the target's."""
    if shutil.which("go") is None:
        raise AssertionError("go is required to build CPA (CI has Go 1.26)")
    started = time.monotonic()
    module_dir = harness.prepare_module(version)
    out = harness.WORK_CACHE / "bin" / version / target.name
    out.mkdir(parents=True, exist_ok=True)
    env = cross_env(target)
    harness.run(
        ["go", "build", "-o", str(out / "cpa"), f"{harness.CPA_MODULE}/cmd/server"],
        cwd=module_dir,
        env=env,
        timeout=harness.BUILD_TIMEOUT,
    )
    harness.run(["go", "build", "-o", str(out / "loader"), "."], cwd=module_dir, env=env, timeout=harness.BUILD_TIMEOUT)
    for binary in ("cpa", "loader"):
        info = harness.run(["go", "version", "-m", str(out / binary)], cwd=module_dir, env=env).stdout
        found = re.findall(rf"\b(?:dep|mod)\s+{re.escape(harness.CPA_MODULE)}\s+(\S+)", info)
        assert found == [version], f"{binary} embeds CPA {found}, expected {version}"
        assert re.search(rf"\bbuild\s+GOARCH={target.goarch}\b", info), f"{binary} is not {target.goarch}:\n{info}"
        assert re.search(r"\bbuild\s+CGO_ENABLED=1\b", info), f"{binary} was built without cgo"
        needed = max_glibc(out / binary)
        assert needed <= target.glibc, f"{binary} needs GLIBC_{needed[0]}.{needed[1]} > {target.glibc_text}"
    return harness.CPABuild(version, module_dir, out / "loader", out / "cpa", time.monotonic() - started)


def server_env(stage: Stage, sink: harness.OutboundSink) -> dict[str, str]:
    """CPAServer's minimal environment as the process in the root sees it, plus the ``TZ`` of CPA's
    Dockerfile. Nothing of this process (no LD_LIBRARY_PATH, PYTHONHOME, VIRTUAL_ENV) goes in."""
    proxy = f"http://127.0.0.1:{sink.port}"
    inner = stage.inner(stage.host_dir)
    return {
        "PATH": DEFAULT_PATH,
        "HOME": inner,
        "TMPDIR": inner,
        "LANG": "C.UTF-8",
        "TZ": CPA_DOCKER_TZ,
        "GIN_MODE": "release",
        "HTTP_PROXY": proxy,
        "HTTPS_PROXY": proxy,
        "ALL_PROXY": proxy,
        "http_proxy": proxy,
        "https_proxy": proxy,
        "all_proxy": proxy,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


class RootCPAServer(harness.CPAServer):
    """``harness.CPAServer`` whose process runs inside a root, through ``runner``.

    ``stage`` is the work directory (``workdir`` of CPAServer): build the config with
    ``harness.server_config(port, stage.host_dir, ...)`` and install plugins into
    ``stage.host_dir / "plugins"``, as for CPAServer; paths are translated when the config is
    written. Everything else (readiness on /healthz, logs, ``request``, ``responses``) is
    CPAServer's. ``extra_env`` adds to (or overrides) ``server_env``.
    """

    def __init__(
        self,
        build: harness.CPABuild,
        runner: RootRunner,
        stage: Stage,
        config: dict[str, Any],
        sink: harness.OutboundSink,
        extra_env: dict[str, str] | None = None,
        ready_timeout: float | None = None,
    ) -> None:
        super().__init__(build, stage.host_dir, config, sink)
        self.runner = runner
        self.stage = stage
        self.extra_env = dict(extra_env or {})
        self.ready_timeout = ready_timeout or (NATIVE_READY_TIMEOUT if runner.mode == "chroot" else QEMU_READY_TIMEOUT)
        self.started_seconds = 0.0  # from start to /healthz answering

    def write_config(self, config: dict[str, Any]) -> None:
        import yaml

        self.config = config
        self.config_path.write_text(yaml.safe_dump(self.stage.translate(config), sort_keys=False))

    def __enter__(self) -> RootCPAServer:
        self.write_config(self.config)
        server = self.stage.add(self.build.server, "cpa")
        env = server_env(self.stage, self.sink) | self.extra_env
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            self._proc = self.runner.popen(
                [server, "-config", self.stage.inner(self.config_path), "-local-model"],
                env=env,
                cwd=self.stage.inner(self.workdir),
                stage=self.stage,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_ready(timeout=self.ready_timeout)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self.started_seconds = time.monotonic() - started
        return self
