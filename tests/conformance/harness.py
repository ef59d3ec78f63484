"""Machinery shared by the conformance tests: Go toolchain, CPA builds, plugin builds, servers.

Everything here is about letting the real CPA judge our plugins: the Go side is the project's own
module ``tests/conformance/loader`` that requires CPA from the Go module proxy, and CPA's server
is built from that same module graph, so the loader and the server always run the same CPA.
"""

from __future__ import annotations

import dataclasses
import http.server
import importlib
import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = Path(__file__).resolve().parent
LOADER_MODULE = CONFORMANCE / "loader"
CACHE = REPO / ".cache"
GO_MODCACHE = CACHE / "go-mod"
GO_BUILDCACHE = CACHE / "go-build"
WORK_CACHE = CACHE / "conformance"

CPA_MODULE = "github.com/router-for-me/CLIProxyAPI/v7"
PINNED_VERSION = "v7.2.140"

GOLDEN_PATH_CANDIDATES = (
    REPO.parent / "shared" / "vectors" / "cpa-examples-golden.json",
    REPO / "shared" / "vectors" / "cpa-examples-golden.json",
)

BUILD_TIMEOUT = 1500  # seconds; a cold CPA build on 2 cores takes about 1.5 minutes
RUN_TIMEOUT = 300

# -- evidence printed at the end of the run, whatever pytest's capture settings ----------------

EVIDENCE: list[str] = []
_EVIDENCE_LOCK = threading.Lock()


def evidence(line: str) -> None:
    """Record a line for the terminal summary (shown with or without ``-s``)."""
    with _EVIDENCE_LOCK:
        EVIDENCE.append(line)


# -- Go ------------------------------------------------------------------------------------------


def go_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GOMODCACHE=str(GO_MODCACHE),
        GOCACHE=str(GO_BUILDCACHE),
        GOFLAGS="-mod=mod -buildvcs=false",
        CGO_ENABLED="1",
        GOTOOLCHAIN="local",
    )
    return env


def run(
    cmd: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
    check: bool = True,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=None if env is None else dict(env),
            input=input_text,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"timed out after {timeout}s: {' '.join(cmd)}\n{exc.stderr or ''}") from None
    if check and proc.returncode != 0:
        raise AssertionError(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n--- stdout\n{proc.stdout[-4000:]}"
            f"\n--- stderr\n{proc.stderr[-8000:]}"
        )
    return proc


def require_tools() -> None:
    for tool in ("go", "gcc"):
        if shutil.which(tool) is None:
            raise AssertionError(f"{tool} is required for the conformance tests (CI has Go 1.26 and gcc)")


def _semver_key(version: str) -> tuple[int, ...]:
    match = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", version)
    return tuple(int(part) for part in match.groups()) if match else (-1,)


@dataclasses.dataclass(frozen=True)
class LatestResolution:
    version: str
    how: str


def resolve_latest_version() -> LatestResolution:
    """The newest v7 release the Go module proxy serves (``CPA_CONFORMANCE_LATEST`` overrides).

    Falls back to the pinned version, saying why, when the proxy refuses to list versions.
    """
    override = os.environ.get("CPA_CONFORMANCE_LATEST", "").strip()
    if override:
        return LatestResolution(override, "CPA_CONFORMANCE_LATEST")
    if shutil.which("go") is None:
        return LatestResolution(PINNED_VERSION, "go is not installed (every conformance test will fail on that)")
    env = go_env()
    with tempfile.TemporaryDirectory(prefix="cpa-latest-") as scratch:
        listing = run(
            ["go", "list", "-m", "-versions", CPA_MODULE], cwd=Path(scratch), env=env, timeout=120, check=False
        )
        if listing.returncode == 0:
            versions = [v for v in listing.stdout.split()[1:] if _semver_key(v) != (-1,)]
            if versions:
                newest = max(versions, key=_semver_key)
                return LatestResolution(newest, f"go list -m -versions ({len(versions)} releases listed)")
        latest = run(
            ["go", "list", "-m", "-json", f"{CPA_MODULE}@latest"], cwd=Path(scratch), env=env, timeout=120, check=False
        )
        if latest.returncode == 0:
            return LatestResolution(json.loads(latest.stdout)["Version"], "go list -m <module>@latest")
    reason = (listing.stderr.strip().splitlines() or ["no output"])[-1]
    return LatestResolution(
        PINNED_VERSION,
        f"the module proxy refuses to list CPA versions ({reason.strip()}); newest discoverable = pinned",
    )


def prepare_module(version: str) -> Path:
    """The loader module requiring CPA ``version``: the committed one, or an upgraded copy."""
    if version == PINNED_VERSION:
        return LOADER_MODULE
    target = WORK_CACHE / "modules" / version
    stamp = target / ".prepared"
    sources = [LOADER_MODULE / name for name in ("go.mod", "go.sum", "main.go")]
    fingerprint = "".join(path.read_text() for path in sources)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in sources:
        shutil.copy2(path, target / path.name)
    env = go_env()
    run(["go", "get", f"{CPA_MODULE}@{version}"], cwd=target, env=env, timeout=BUILD_TIMEOUT)
    run(["go", "mod", "tidy"], cwd=target, env=env, timeout=BUILD_TIMEOUT)
    stamp.write_text(fingerprint)
    return target


@dataclasses.dataclass(frozen=True)
class CPABuild:
    version: str
    module_dir: Path
    loader: Path
    server: Path
    build_seconds: float


def build_cpa(version: str) -> CPABuild:
    require_tools()
    started = time.monotonic()
    module_dir = prepare_module(version)
    out = WORK_CACHE / "bin" / version
    out.mkdir(parents=True, exist_ok=True)
    env = go_env()
    run(["go", "build", "-o", str(out / "loader"), "."], cwd=module_dir, env=env, timeout=BUILD_TIMEOUT)
    run(
        ["go", "build", "-o", str(out / "cpa"), f"{CPA_MODULE}/cmd/server"],
        cwd=module_dir,
        env=env,
        timeout=BUILD_TIMEOUT,
    )
    # The binaries must really embed the version under test.
    for binary in ("loader", "cpa"):
        info = run(["go", "version", "-m", str(out / binary)], cwd=module_dir, env=env).stdout
        found = re.findall(rf"\b(?:dep|mod)\s+{re.escape(CPA_MODULE)}\s+(\S+)", info)
        assert found == [version], f"{binary} embeds CPA {found}, expected {version}"
    return CPABuild(version, module_dir, out / "loader", out / "cpa", time.monotonic() - started)


# -- plugins -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PluginSpec:
    spec: str  # module:Class
    plugin_id: str
    cls: Any


def discover_reference_plugins() -> dict[str, PluginSpec]:
    """Every reference plugin, by plugin ID: the catalog's (``tests/reference/test_catalog.py``
    proves it holds every plugin module and package of ``reference_plugins``)."""
    sys.path.insert(0, str(REPO)) if str(REPO) not in sys.path else None
    from reference_plugins import catalog

    return {
        cls.plugin_id: PluginSpec(catalog.target(name), cls.plugin_id, cls) for name, cls in catalog.PLUGINS.items()
    }


TEST_PLUGIN_SPECS = {
    "raising-normalizer": "tests.conformance.plugins.raising_normalizer:RaisingNormalizer",
    "candidate-probe": "tests.conformance.plugins.candidate_probe:CandidateProbe",
    "interceptor-outcomes": "tests.conformance.plugins.interceptor_outcomes:InterceptorOutcomes",
}


def load_spec(spec: str) -> PluginSpec:
    sys.path.insert(0, str(REPO)) if str(REPO) not in sys.path else None
    module_name, _, class_name = spec.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return PluginSpec(spec, cls.plugin_id, cls)


def build_cli_available() -> tuple[bool, str]:
    proc = run([sys.executable, "-m", "cpa_sdk", "build", "--help"], cwd=REPO, timeout=120, check=False)
    text = proc.stdout + proc.stderr
    return proc.returncode == 0, text.strip().splitlines()[-1] if text.strip() else f"exit {proc.returncode}"


def build_python_plugin(spec: PluginSpec, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "cpa_sdk", "build", spec.spec, "-o", str(out_dir)], cwd=REPO, timeout=600)
    artifact = out_dir / f"{spec.plugin_id}.so"
    assert artifact.is_file(), f"cpa_sdk build {spec.spec} did not write {artifact}: {sorted(out_dir.iterdir())}"
    return artifact


def build_control_plugin(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / "control.so"
    run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-o",
            str(artifact),
            str(CONFORMANCE / "plugins" / "control.c"),
        ],
        cwd=REPO,
        timeout=120,
    )
    return artifact


STANDIN_KINDS = {
    "codex-service-tier": "TIER",
    "scheduler": "SCHED",
    "candidate-probe": "PROBE",
    "raising-normalizer": "RAISE",
    "host-callback-auth-files": "AUTHS",
}


def standin_requested() -> bool:
    """``CPA_CONFORMANCE_STANDIN=1``: debug the harness with C stand-ins instead of cpa-sdk plugins."""
    return os.environ.get("CPA_CONFORMANCE_STANDIN", "") == "1"


def build_standin_plugins(out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    built = {}
    for plugin_id, kind in STANDIN_KINDS.items():
        artifact = out_dir / f"{plugin_id}.so"
        run(
            [
                "gcc",
                "-shared",
                "-fPIC",
                "-O2",
                "-Wall",
                "-Wextra",
                f"-DKIND_{kind}",
                "-o",
                str(artifact),
                str(CONFORMANCE / "plugins" / "standin.c"),
            ],
            cwd=REPO,
            timeout=120,
        )
        built[plugin_id] = artifact
    return built


def install_plugins(
    artifacts: Mapping[str, Path], plugins_dir: Path, ids: list[str], names: Mapping[str, str] | None = None
) -> None:
    """Copy (never symlink: CPA skips symlinks) the artifacts of ``ids`` into ``plugins_dir``."""
    plugins_dir.mkdir(parents=True, exist_ok=True)
    for plugin_id in ids:
        name = (names or {}).get(plugin_id, f"{plugin_id}.so")
        shutil.copy2(artifacts[plugin_id], plugins_dir / name)


REQUIRED_REFERENCE_PLUGINS = ("codex-service-tier", "scheduler", "host-callback-auth-files")


def _pytest() -> Any:
    import pytest

    return pytest


@dataclasses.dataclass
class Artifacts:
    """Built plugin files by plugin ID, and why the missing ones are missing."""

    paths: dict[str, Path]
    specs: dict[str, PluginSpec]
    blocked: dict[str, str]
    failed: dict[str, str]
    standin: bool = False

    def need_sdk_built(self, *ids: str) -> dict[str, Path]:
        """Like ``need``, for tests that compare with the golden vectors (no C stand-ins)."""
        if self.standin:
            _pytest().xfail("CPA_CONFORMANCE_STANDIN=1: golden comparisons need the cpa-sdk plugins")
        return self.need(*ids)

    def need(self, *ids: str) -> dict[str, Path]:
        for plugin_id in ids:
            if plugin_id in self.failed:
                _pytest().fail(f"building plugin {plugin_id} failed:\n{self.failed[plugin_id]}", pytrace=False)
        missing = {pid: self.blocked.get(pid, "not built") for pid in ids if pid not in self.paths}
        if missing:
            reasons = "; ".join(f"{pid}: {why}" for pid, why in missing.items())
            _pytest().xfail(f"BLOCKED: {reasons}")
        return {pid: self.paths[pid] for pid in ids}


# -- golden vectors --------------------------------------------------------------------------------


def golden() -> dict[str, Any]:
    for path in GOLDEN_PATH_CANDIDATES:
        if path.is_file():
            data: dict[str, Any] = json.loads(path.read_text())
            return data
    raise AssertionError(f"golden vectors not found in {[str(p) for p in GOLDEN_PATH_CANDIDATES]}")


def _ok_result(out: str) -> Any:
    envelope = json.loads(out)
    return envelope["result"] if envelope.get("ok") else None


def golden_registration(golden: dict[str, Any], plugin_name: str) -> tuple[str, dict[str, Any]] | None:
    """The registration CPA's own example with metadata ``Name`` == plugin_name answered."""
    for key, steps in golden.items():
        if not isinstance(steps, list):
            continue
        for step in steps:
            if step.get("method") in ("plugin.register", "plugin.reconfigure"):
                result = _ok_result(step["out"])
                if result is not None:
                    if result["metadata"]["Name"] == plugin_name:
                        return key, result
                    break
    simple = re.fullmatch(r"example-simple-[a-z]+", plugin_name)
    if simple and "simple_c" in golden:  # the C/Rust form of examples/plugin/simple, renamed
        for step in golden["simple_c"]:
            if step.get("method") == "plugin.register":
                raw = step["out"].replace("example-simple-c", plugin_name)
                return "simple_c (renamed)", json.loads(raw)["result"]
    match = re.fullmatch(r"example-(.+)-[a-z]+", plugin_name)
    generated = golden.get("generated_examples", {})
    if match and match.group(1) in generated:
        raw = generated[match.group(1)]["plugin.register"]["out"].replace("<PID>", plugin_name)
        return f"generated_examples.{match.group(1)}", json.loads(raw)["result"]
    return None


# -- the loader CLI --------------------------------------------------------------------------------


@dataclasses.dataclass
class LoaderRun:
    version: str
    results: list[dict[str, Any]]
    log: list[str]

    def lines(self, needle: str) -> list[str]:
        return [line for line in self.log if needle in line]


def run_loader(build: CPABuild, scenario: dict[str, Any], timeout: float = RUN_TIMEOUT) -> LoaderRun:
    proc = run([str(build.loader)], cwd=REPO, input_text=json.dumps(scenario), timeout=timeout, check=False)
    log = proc.stderr.splitlines()
    if proc.returncode != 0:
        raise AssertionError(f"loader failed ({proc.returncode}):\n" + "\n".join(log[-60:]))
    out = json.loads(proc.stdout)
    assert out["cpa_version"] == build.version, out["cpa_version"]
    return LoaderRun(build.version, out["results"], log)


# -- network fixtures for the server tests ----------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class UpstreamRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclasses.dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


class RecordingServer:
    """An HTTP server on 127.0.0.1 that records each POST on arrival and answers ``respond(request)``.

    ``respond`` runs on the request's own thread, so it may block (a held upstream)."""

    def __init__(self, name: str, respond: Callable[[UpstreamRequest], Reply]) -> None:
        self.requests: list[UpstreamRequest] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = UpstreamRequest("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with owner._lock:
                    owner.requests.append(request)
                reply = respond(request)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def do_GET(self) -> None:  # noqa: N802
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, name=name, daemon=True).start()

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def snapshot(self) -> list[UpstreamRequest]:
        with self._lock:
            return list(self.requests)

    def take(self) -> list[UpstreamRequest]:
        with self._lock:
            taken, self.requests = self.requests, []
        return taken

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def codex_reply(request: UpstreamRequest) -> Reply:
    """A Codex/Responses upstream's successful SSE answer, for the model the request names."""
    model = "gpt-5.5"
    try:
        model = str(request.json().get("model") or model)
    except ValueError:
        pass
    return Reply(200, {"Content-Type": "text/event-stream"}, _codex_sse(model))


class FakeCodexUpstream(RecordingServer):
    """A Responses/Codex upstream on 127.0.0.1 that records requests and answers every one."""

    def __init__(self) -> None:
        super().__init__("fake-upstream", codex_reply)


def _codex_sse(model: str) -> bytes:
    response = {
        "id": "resp_conformance",
        "object": "response",
        "created_at": 1767225600,
        "status": "completed",
        "model": model,
        "output": [
            {
                "type": "message",
                "id": "msg_conformance",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "conformance ok", "annotations": []}],
            }
        ],
        "usage": {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5},
    }
    events = [
        ("response.created", {"type": "response.created", "response": dict(response, status="in_progress", output=[])}),
        (
            "response.output_item.done",
            {"type": "response.output_item.done", "output_index": 0, "item": response["output"][0]},
        ),  # type: ignore[index]
        ("response.completed", {"type": "response.completed", "response": response}),
    ]
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()


class OutboundSink:
    """The HTTP(S) proxy CPA is pointed at: it records every outbound attempt and refuses it.

    Nothing is forwarded, so no request of CPA's can leave 127.0.0.1 through the proxy settings
    that Go's ``http.ProxyFromEnvironment`` honours (loopback itself is never proxied).
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                line = self.rfile.readline(4096).decode("latin-1", "replace").strip()
                owner.attempts.append(line)
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, name="outbound-sink", daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- the CPA server ---------------------------------------------------------------------------------


CLIENT_KEY = "conformance-client-key"
MANAGEMENT_KEY = "conformance-management-key"


class CPAServer:
    """One CPA process on 127.0.0.1 with a config the test wrote. Use as a context manager."""

    def __init__(
        self,
        build: CPABuild,
        workdir: Path,
        config: dict[str, Any],
        sink: OutboundSink,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.build = build
        self.extra_env = dict(env or {})  # added to (or overriding) the minimal environment
        self.workdir = workdir
        self.port = int(config["port"])
        self.config_path = workdir / "config.yaml"
        self.log_path = workdir / "cpa.log"
        self.sink = sink
        self.config = config
        self._proc: subprocess.Popen[bytes] | None = None

    def write_config(self, config: dict[str, Any]) -> None:
        import yaml

        self.config = config
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    def __enter__(self) -> CPAServer:
        self.write_config(self.config)
        proxy = f"http://127.0.0.1:{self.sink.port}"
        # A minimal environment: no store/Home/DEPLOY variables from the caller, proxies to the sink.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "TMPDIR": str(self.workdir),
            "LANG": "C.UTF-8",
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
        for key in ("LD_LIBRARY_PATH", "PYTHONHOME", "VIRTUAL_ENV"):
            if key in os.environ:
                env[key] = os.environ[key]
        env.update(self.extra_env)
        log = self.log_path.open("wb")
        self._proc = subprocess.Popen(
            self.command(),
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        try:
            self._wait_ready(timeout=60)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def command(self) -> list[str]:
        """What runs in the minimal environment, its output going to ``cpa.log``: CPA itself here."""
        return [str(self.build.server), "-config", str(self.config_path), "-local-model"]

    def _wait_ready(self, timeout: float) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise AssertionError(f"CPA exited with {self._proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"CPA not ready after {timeout}s:\n{self.log_tail()}")

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 80) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def plugin_log_lines(self) -> list[str]:
        return [line for line in self.log_text().splitlines() if "pluginhost:" in line]

    def wait_for_log(self, needle: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log_text():
                return
            time.sleep(0.2)
        raise AssertionError(f"CPA never logged {needle!r} within {timeout}s:\n{self.log_tail()}")

    def request(
        self, method: str, path: str, body: Any = None, headers: Mapping[str, str] | None = None, timeout: float = 60
    ) -> tuple[int, dict[str, str], bytes]:
        import urllib.error
        import urllib.request

        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers.items()), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers.items()), err.read()

    def responses(self, body: Mapping[str, Any], timeout: float = 60) -> tuple[int, bytes]:
        status, _, data = self.request(
            "POST", "/v1/responses", dict(body), {"Authorization": f"Bearer {CLIENT_KEY}"}, timeout=timeout
        )
        return status, data


def server_config(
    port: int, workdir: Path, plugin_configs: Mapping[str, Mapping[str, Any]], codex_keys: list[dict[str, Any]]
) -> dict[str, Any]:
    """A CPA config where nothing reaches beyond 127.0.0.1 (see docs/compatibility.md)."""
    auth_dir = workdir / "auths"
    auth_dir.mkdir(parents=True, exist_ok=True)
    return {
        "host": "127.0.0.1",
        "port": port,
        "tls": {"enable": False},
        "remote-management": {
            "allow-remote": False,
            "secret-key": MANAGEMENT_KEY,
            "disable-control-panel": True,
            "disable-auto-update-panel": True,
        },
        "auth-dir": str(auth_dir),
        "api-keys": [CLIENT_KEY],
        "debug": True,
        "pprof": {"enable": False},
        "logging-to-file": False,
        "usage-statistics-enabled": False,
        "proxy-url": "",
        "request-retry": 0,
        "max-retry-interval": 0,
        "codex": {"live-media-relay": {"enabled": False}},
        "plugins": {
            "enabled": True,
            "dir": str(workdir / "plugins"),
            "configs": {pid: dict(cfg) for pid, cfg in plugin_configs.items()},
        },
        "codex-api-key": codex_keys,
    }


def wait_until(predicate: Any, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def iter_json_lines(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        if line.strip():
            yield json.loads(line)
