"""The test machinery of shipping works: roots equal to CPA's machines, and programs run inside them.

These tests prove the infrastructure with C programs only (the C test host, the conformance
control plugin, the real CPA server), so a failure here is the infrastructure's and not
cpa-sdk's: (a) the bookworm root is CPA's runtime layer, with no Python; the arm64 root is a
working glibc; (b) the zig-built host (glibc 2.17) loads the control plugin in bullseye and in
bookworm under chroot; (c) the same for arm64 under qemu, in both ways of running it; (d) CPA
v7.2.140 cross-built for arm64 starts under qemu with the control plugin and serves requests; (e)
CPA for amd64 (built as its Dockerfile builds it) does the same inside the bookworm chroot.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conformance import cross, harness
from tests.ship import roots

REGISTERED = "pluginhost: plugin registered plugin_id=control"


def dpkg_installed(root: Path) -> dict[str, str]:
    """Package -> version of what dpkg installed in ``root``."""
    installed = {}
    for stanza in (root / "var" / "lib" / "dpkg" / "status").read_text().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and line[0] != " ")
        if fields.get("Status") == "install ok installed":
            installed[fields["Package"]] = fields["Version"]
    return installed


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_line(runner: roots.RootRunner) -> str:
    suite, arch = runner.root.name.rsplit("-", 1)
    manifest = roots.read_manifest(suite, arch)
    assert manifest is not None, runner.root
    return (
        f"root {manifest.name}: {manifest.megabytes:.0f} MB, built {manifest.built_at} in "
        f"{manifest.build_seconds:.1f}s: {' '.join(manifest.recipe)}"
    )


# -- (a) the roots -------------------------------------------------------------------------------


def test_bookworm_root_is_cpa_runtime_layer(bookworm_runner: roots.RootRunner) -> None:
    root = bookworm_runner.root
    roots.assert_no_python(root)
    installed = dpkg_installed(root)
    assert "tzdata" in installed and "ca-certificates" in installed, sorted(installed)
    assert not [p for p in installed if "python" in p], [p for p in installed if "python" in p]
    assert (root / "usr" / "share" / "zoneinfo" / "Asia" / "Shanghai").is_file()
    assert (root / "usr" / "share" / "zoneinfo" / "Etc" / "UTC").is_file()
    assert (root / "etc" / "localtime").read_bytes() == (root / "usr/share/zoneinfo/Asia/Shanghai").read_bytes()
    bundle = root / "etc" / "ssl" / "certs" / "ca-certificates.crt"
    assert bundle.stat().st_size > 100_000 and len(list((root / "etc/ssl/certs").glob("*.pem"))) > 100
    assert bookworm_runner.glibc_version() == (2, 36)
    # What a program inside sees: no Python on PATH, CPA's zone, the certificates.
    with bookworm_runner.stage() as stage:
        seen = bookworm_runner.run(
            [
                "/bin/sh",
                "-c",
                "command -v python3 python || echo no-python; ls /usr/lib | grep -ci python; "
                "date +%Z; test -s /etc/ssl/certs/ca-certificates.crt && echo certs",
            ],
            env={"PATH": roots.DEFAULT_PATH, "TZ": roots.CPA_DOCKER_TZ},
            cwd=stage.inner(stage.host_dir),
        )
    assert seen.stdout.split() == ["no-python", "0", "CST", "certs"], seen
    assert roots.mounts_under(root) == []
    roots.evidence(manifest_line(bookworm_runner) + f"; {len(installed)} packages, glibc 2.36, no Python")


def test_arm64_root_runs_its_glibc(arm64_runner: roots.RootRunner, bookworm_runner: roots.RootRunner) -> None:
    root = arm64_runner.root
    roots.assert_no_python(root)
    assert (root / "lib" / "ld-linux-aarch64.so.1").exists() and (root / "etc" / "ld.so.cache").is_file()
    assert (root / "usr/lib/aarch64-linux-gnu/libgcc_s.so.1").exists()
    assert (root / "usr" / "share" / "zoneinfo" / "Asia" / "Shanghai").is_file()
    ours, theirs = (r.root / "etc/ssl/certs/ca-certificates.crt" for r in (arm64_runner, bookworm_runner))
    assert sha256(ours) == sha256(theirs)
    assert arm64_runner.glibc_version() == (2, 36)
    roots.evidence(manifest_line(arm64_runner) + "; glibc 2.36 under qemu")


def test_bullseye_root_is_older(bullseye_runner: roots.RootRunner) -> None:
    roots.assert_no_python(bullseye_runner.root)
    assert bullseye_runner.glibc_version() == (2, 31)
    roots.evidence(manifest_line(bullseye_runner) + "; glibc 2.31")


def test_a_failed_run_leaves_nothing_behind(bookworm_runner: roots.RootRunner) -> None:
    """A program killed on timeout: its namespace's mounts are gone, its stage is removed."""
    with pytest.raises(roots.RootError, match="timed out"):
        with bookworm_runner.stage() as stage:
            host_dir = stage.host_dir
            stage.write("marker", "x")
            bookworm_runner.run(["/bin/sleep", "60"], cwd=stage.inner(host_dir), timeout=2)
    assert not host_dir.exists()
    assert roots.mounts_under(bookworm_runner.root) == []
    assert sorted(p.name for p in (bookworm_runner.root / "proc").iterdir()) == []
    assert sorted(p.name for p in (bookworm_runner.root / "tmp").iterdir()) == []


def test_no_python_check_finds_python(tmp_path: Path) -> None:
    """The sanity helper itself: a root with Python is caught."""
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "usr" / "bin" / "python3.11").write_text("")
    (tmp_path / "usr" / "bin" / "python3.11").chmod(0o755)
    (tmp_path / "usr" / "lib" / "python3.11").mkdir(parents=True)
    (tmp_path / "usr" / "lib" / "x86_64-linux-gnu").mkdir(parents=True)
    (tmp_path / "usr" / "lib" / "x86_64-linux-gnu" / "libpython3.11.so.1.0").write_text("")
    (tmp_path / "usr" / "share" / "gcc" / "python").mkdir(parents=True)  # a data directory: fine
    assert roots.python_in_root(tmp_path) == [
        "usr/bin/python3.11",
        "usr/lib/python3.11/",
        "usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
    ]


# -- (b), (c) the C test host with the control plugin ---------------------------------------------


def register_in(runner: roots.RootRunner, host: Path, plugin: Path) -> dict[str, Any]:
    with runner.stage() as stage:
        so = stage.add(plugin)
        run = runner.c_host(
            stage,
            host,
            [f"load control {so}", "call control plugin.register", "unload control"],
            env={"PATH": roots.DEFAULT_PATH, "HOME": stage.inner(stage.host_dir), "LANG": "C"},
        )
    assert roots.mounts_under(runner.root) == []
    run.assert_clean()
    answer: dict[str, Any] = run.result(0)
    assert answer["ok"] is True and answer["result"]["metadata"]["Name"] == "control", answer
    assert answer["result"]["capabilities"] == {"scheduler": True}
    return answer


@pytest.mark.parametrize("suite", ["bullseye", "bookworm"])
def test_zig_host_loads_control_plugin_in_amd64_root(
    suite: str, zig_hosts: dict[str, Path], control_plugins: dict[str, Path]
) -> None:
    runner = roots.runner_for(suite, "amd64")
    host = zig_hosts["amd64"]
    assert cross.max_glibc(host) <= (2, 17) and cross.max_glibc(control_plugins["amd64"]) <= (2, 17)
    register_in(runner, host, control_plugins["amd64"])
    roots.evidence(
        f"{runner}: zig host (x86_64, glibc 2.17, sha256 {sha256(host)[:12]}) loaded control.so: "
        "plugin.register answered"
    )


@pytest.mark.parametrize("mode", ["qemu-chroot", "qemu-prefix"])
def test_zig_host_loads_control_plugin_under_qemu(
    mode: roots.Mode, zig_hosts: dict[str, Path], control_plugins: dict[str, Path]
) -> None:
    runner = roots.runner_for("bookworm", "arm64", mode)
    host = zig_hosts["arm64"]
    assert cross.max_glibc(host) <= (2, 17)
    register_in(runner, host, control_plugins["arm64"])
    roots.evidence(f"{runner}: zig host (aarch64, glibc 2.17) loaded control.so under qemu: plugin.register answered")


# -- (d), (e) the real CPA server ----------------------------------------------------------------


def codex_keys(upstream: harness.FakeCodexUpstream) -> list[dict[str, Any]]:
    return [{"api-key": "sk-upstream-roots", "base-url": upstream.url("/a")}]


def serve_with_control(build: harness.CPABuild, runner: roots.RootRunner, plugin: Path, network: Any) -> str:
    """CPA in the root with the control plugin: it registers, the management API lists it,
    /v1/models answers, a /v1/responses request reaches the fake upstream. Returns a summary."""
    upstream, sink = network
    with runner.stage() as stage:
        harness.install_plugins({"control": plugin}, stage.host_dir / "plugins", ["control"])
        config = harness.server_config(
            harness.free_port(), stage.host_dir, {"control": {"enabled": True}}, codex_keys(upstream)
        )
        with cross.RootCPAServer(build, runner, stage, config, sink) as server:
            server.wait_for_log(REGISTERED, timeout=server.ready_timeout)
            loaded = [line for line in server.plugin_log_lines() if "plugin loaded" in line]
            assert loaded and stage.inner(stage.host_dir / "plugins") in loaded[0], server.log_tail()
            status, _, body = server.request(
                "GET", "/v0/management/plugins", headers={"Authorization": f"Bearer {harness.MANAGEMENT_KEY}"}
            )
            assert status == 200, body[:500]
            [listed] = [p for p in json.loads(body)["plugins"] if p["id"] == "control"]
            assert listed["registered"] and listed["effective_enabled"], listed
            status, _, body = server.request(
                "GET", "/v1/models", headers={"Authorization": f"Bearer {harness.CLIENT_KEY}"}
            )
            assert status == 200, body[:500]
            models = {m.get("id") for m in json.loads(body).get("data", [])}
            assert "gpt-5.4" in models, sorted(models)
            status, data = server.responses(
                {
                    "model": "gpt-5.4",
                    "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
                    "stream": False,
                },
                timeout=120,
            )
            assert status == 200, (data[:1000], server.log_tail())
            assert json.loads(data).get("status") == "completed", data[:1000]
            received = [r for r in upstream.take() if r.path.endswith("/responses")]
            assert len(received) == 1 and received[0].json()["model"] == "gpt-5.4", received
            assert server.alive
            started = server.started_seconds
    assert roots.mounts_under(runner.root) == []
    return (
        f"CPA {build.version} in {runner}: ready in {started:.1f}s, control plugin registered, "
        f"/v1/models lists {len(models)} models, /v1/responses reached the fake upstream"
    )


@pytest.mark.parametrize("mode", ["qemu-chroot", "qemu-prefix"])
def test_arm64_cpa_serves_under_qemu(
    mode: roots.Mode, cpa_arm64: harness.CPABuild, control_plugins: dict[str, Path], cpa_network: Any
) -> None:
    assert cross.max_glibc(cpa_arm64.server) <= (2, 17)
    runner = roots.runner_for("bookworm", "arm64", mode)
    roots.evidence(serve_with_control(cpa_arm64, runner, control_plugins["arm64"], cpa_network))


def test_amd64_cpa_serves_in_bookworm_chroot(
    cpa_amd64: harness.CPABuild, bookworm_runner: roots.RootRunner, control_plugins: dict[str, Path], cpa_network: Any
) -> None:
    roots.evidence(serve_with_control(cpa_amd64, bookworm_runner, control_plugins["amd64"], cpa_network))


@pytest.mark.parametrize("mode", ["qemu-chroot", "qemu-prefix"])
def test_what_qemu_modes_let_a_program_see(mode: roots.Mode, zig_hosts: dict[str, Path]) -> None:
    """Why ``qemu-chroot`` is the default: under ``qemu-aarch64-static -L`` a path the root lacks
    falls through to this machine's file. The probe: dlopen a host-only file (this repository's
    pyproject.toml) -- not found in a chroot; found (and refused as not ELF) with -L."""
    runner = roots.runner_for("bookworm", "arm64", mode)
    probe = harness.REPO / "pyproject.toml"
    assert not (runner.root / str(probe).lstrip("/")).exists()
    with runner.stage() as stage:
        run = runner.c_host(stage, zig_hosts["arm64"], [f"load probe {probe}"])
    [load] = run.of("load")
    if mode == "qemu-chroot":
        assert "No such file or directory" in load["error"], load
    else:
        assert load["error"] and "No such file" not in load["error"], load
    roots.evidence(f"{runner}: dlopen({probe.name} of this machine) -> {load['error']}")
