"""``cpa-sdk dev`` against the real CPA: a plugin edited while CPA runs, the new code seen through CPA.

``cpa-sdk dev`` runs as a subprocess in the harness's place of CPA (``DevServer``: the same
minimal environment, proxies pointing at the refusing sink, readiness on ``/healthz`` and output
file), with the CPA binary the conformance suite built (``--cpa``) and a base config
(``--cpa-config``) whose Codex key points at a fake upstream on 127.0.0.1. The plugin, a project
in ``tmp_path``, stamps the ``user`` field of each request; what the upstream receives is what the
code CPA ran at that moment made of it.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from tests.conformance import harness

PLUGIN_ID = "dev-loop-probe"
TARGET = "dev_loop_probe.plugin:DevLoopProbe"
MARK = f"[{PLUGIN_ID}] "

PLUGIN_SOURCE = """
from cpa_sdk import Plugin, PluginConfig, RequestNormalizer
from cpa_sdk.json_edit import set_top_level_string
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest

STAMP = {stamp!r}


class Config(PluginConfig):
    prefix: str = ""


class DevLoopProbe(Plugin[Config], RequestNormalizer):
    plugin_id = {plugin_id!r}
    name = {plugin_id!r}
    version = "0.1.0"
    author = "cpa-sdk conformance tests"
    github_repository = "https://example.invalid/cpa-sdk/dev-loop-probe"

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
        stamp = self.config.prefix + STAMP
        self.host.log(f"dev-loop-probe stamped {{stamp}}", level="info")
        body = set_top_level_string(request.body or b"{{}}", "user", stamp)
        return PayloadResponse(body=body) if body is not None else None
"""

BODY = {
    "model": "gpt-5.5",
    "input": [{"role": "user", "content": [{"type": "input_text", "text": "Say hi to the dev loop"}]}],
    "max_output_tokens": 16,
    "stream": False,
}


class DevServer(harness.CPAServer):
    """``cpa-sdk dev`` where the harness runs CPA; ``config`` is the base config it starts from."""

    def __init__(
        self,
        build: harness.CPABuild,
        workdir: Path,
        upstream: harness.FakeCodexUpstream,
        sink: harness.OutboundSink,
        project: Path,
        *,
        cpa: Sequence[str],
        env: Mapping[str, str] | None = None,
    ) -> None:
        codex_key = {"api-key": "sk-dev-loop", "base-url": upstream.url("/dev")}
        super().__init__(
            build, workdir, harness.server_config(harness.free_port(), workdir, {}, [codex_key]), sink, env
        )
        self.project = project
        self.cpa = list(cpa)

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "cpa_sdk",
            "dev",
            TARGET,
            *self.cpa,
            "--port",
            str(self.port),
            "--cpa-config",
            str(self.config_path),
            "--workdir",
            str(self.workdir / "dev"),
            "--path",
            str(self.project),
            "-c",
            str(self.project / "plugin.yaml"),
        ]

    def forwarded_user(self, upstream: harness.FakeCodexUpstream) -> str:
        """Send one request through CPA; the ``user`` field the upstream received."""
        status, data = self.responses(BODY)
        assert status == 200, f"CPA answered {status}: {data[:2000]!r}\n{self.log_tail()}"
        received = [r for r in upstream.take() if r.path.endswith("/responses")]
        assert len(received) == 1, [r.path for r in received]
        return str(received[0].json().get("user"))

    def marked(self) -> list[str]:
        return [line for line in self.log_text().splitlines() if line.startswith(MARK)]


def write_plugin(project: Path, stamp: str) -> None:
    (project / "dev_loop_probe" / "plugin.py").write_text(PLUGIN_SOURCE.format(stamp=stamp, plugin_id=PLUGIN_ID))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "dev_loop_probe").mkdir(parents=True)
    (root / "dev_loop_probe" / "__init__.py").write_text("")
    (root / "plugin.yaml").write_text("prefix: cfg-\n")
    write_plugin(root, "first")
    return root


@pytest.fixture
def network() -> Iterator[tuple[harness.FakeCodexUpstream, harness.OutboundSink]]:
    upstream, sink = harness.FakeCodexUpstream(), harness.OutboundSink()
    try:
        yield upstream, sink
    finally:
        upstream.close()
        sink.close()


def test_dev_loop_reloads_the_edited_plugin_in_real_cpa(
    cpa: harness.CPABuild,
    tmp_path: Path,
    project: Path,
    network: tuple[harness.FakeCodexUpstream, harness.OutboundSink],
) -> None:
    """The first code stamps ``cfg-first``; after the edit, with no rebuild and the same CPA process,
    ``cfg-second`` (the config CPA sent at registration still applies); an edit that does not
    import keeps ``cfg-second`` serving and says why; SIGTERM stops CPA cleanly."""
    upstream, sink = network
    work = tmp_path / "run"
    server = DevServer(cpa, work, upstream, sink, project, cpa=["--cpa", str(cpa.server)])
    with server:
        server.wait_for_log(f"pluginhost: plugin registered plugin_id={PLUGIN_ID}")
        assert server.forwarded_user(upstream) == "cfg-first"
        built = work / "dev" / "plugins" / f"{PLUGIN_ID}.so"
        built_at = built.stat().st_mtime_ns

        write_plugin(project, "second")
        assert harness.wait_until(lambda: server.forwarded_user(upstream) == "cfg-second", timeout=30, interval=0.3), (
            server.log_tail()
        )
        assert built.stat().st_mtime_ns == built_at, "the plugin was rebuilt"

        (project / "dev_loop_probe" / "plugin.py").write_text("def broken(:\n")
        assert harness.wait_until(
            lambda: (
                server.forwarded_user(upstream) == "cfg-second"
                and "still serving the previous code" in server.log_text()
            ),
            timeout=30,
            interval=0.3,
        ), server.log_tail()
        serving = next(line for line in server.log_text().splitlines() if "CPA is serving" in line)
    log = server.log_text()
    marked = server.marked()
    for line in (serving, *marked):
        harness.evidence(f"[{cpa.version}] dev loop: {line.strip()}")

    assert log.count("pluginhost: plugin loaded") == 1, log  # one CPA process, one load of the library
    assert any(f"pluginhost: plugin registered plugin_id={PLUGIN_ID}" in line for line in marked), log
    assert any("dev-loop-probe stamped cfg-first" in line for line in marked), log
    assert any("reloaded dev_loop_probe.plugin (dev_loop_probe/plugin.py)" in line for line in marked), log
    assert any("reloading dev_loop_probe.plugin failed, still serving the previous code" in line for line in marked), (
        log
    )
    # The failure's detail comes on lines of its own, without CPA's prefix: still the plugin's.
    assert any(line[len(MARK) :].strip() == "def broken(:" for line in marked), log
    cpa_own = [line for line in log.splitlines() if "Starting API server" in line]
    assert cpa_own and not any(line.startswith(MARK) for line in cpa_own), log
    assert "cpa-sdk dev: SIGTERM: stopping CPA" in log and "cpa-sdk dev: CPA stopped (status 0)" in log, log
    with pytest.raises(OSError):  # CPA is gone with cpa-sdk dev: nothing listens on its port
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()


def test_dev_loop_without_cpa_builds_it_from_the_go_module(
    cpa: harness.CPABuild,
    tmp_path: Path,
    project: Path,
    network: tuple[harness.FakeCodexUpstream, harness.OutboundSink],
) -> None:
    """No ``--cpa``: CPA's server is built from its Go module at ``--cpa-version`` into the cache
    ``CPA_SDK_CPA_CACHE`` names, then serves the plugin. Offline (``GOPROXY=off``): the modules
    come from the module cache the suite's own CPA build filled, the packages from its build cache."""
    upstream, sink = network
    cache = tmp_path / "cpa-cache"
    go = harness.go_env()
    env = {name: go[name] for name in ("GOMODCACHE", "GOCACHE", "GOFLAGS", "GOTOOLCHAIN")}
    env.update(GOPROXY="off", GOSUMDB="off", CPA_SDK_CPA_CACHE=str(cache))
    server = DevServer(cpa, tmp_path / "run", upstream, sink, project, cpa=["--cpa-version", cpa.version], env=env)
    with server:
        server.wait_for_log(f"pluginhost: plugin registered plugin_id={PLUGIN_ID}")
        assert server.forwarded_user(upstream) == "cfg-first"
    built = cache / cpa.version / "cpa"
    assert f"cpa-sdk dev: starting {built} -config" in server.log_text(), server.log_tail()
    info = harness.run(["go", "version", "-m", str(built)], cwd=tmp_path, env=go).stdout
    assert f"\t{harness.CPA_MODULE}\t{cpa.version}\t" in info, info  # the release asked for, not another
