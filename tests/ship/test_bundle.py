"""A packaged plugin, installed as CPA's store installs it, runs with nothing of the build around.

Every run happens in a fresh ``Sandbox`` (conftest): the library alone under
``plugins/linux/amd64/<id>-v<version>.so``, an empty cache, the C test host (which links no
Python), and an environment with PYTHONPATH and PYTHONHOME set to garbage. The shim's debug report
(``CPA_SDK_DEBUG=1``) lists the file of every module the process imported; the tests assert that
the plugin's code and dependencies came from the cache and that nothing came from the repository
or the build's virtual environment.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cpa_sdk.build import build_plugin
from cpa_sdk.build.bundle import TRAILER_LEN, read_bundle
from tests.c_host import TIMEOUT, host_bytes
from tests.reference.golden import Answer, check_answers, port_replay
from tests.ship.conftest import (
    TARGET,
    Packages,
    Run,
    Sandbox,
    bundle_module,
    call_line,
    forbidden_roots,
    parse_run,
)

SERVICE_TIER = "codex-service-tier"


def vectors(golden: dict[str, Any]) -> list[dict[str, Any]]:
    port = port_replay(golden, SERVICE_TIER)
    assert port.host_replies == {} and port.host_calls is None  # no host callbacks to script
    return port.vectors


def packaged_as(vectors: list[dict[str, Any]], version: str) -> list[dict[str, Any]]:
    """``vectors`` with the registrations' ``metadata.Version`` as ``cpa-sdk package --version`` stamps it."""
    return [
        dict(v, out=v["out"].replace('"Version":"0.1.0"', f'"Version":"{version}"'))
        if v["method"].startswith("plugin.")
        else v
        for v in vectors
    ]


def replay_lines(name: str, vectors: list[dict[str, Any]]) -> list[str]:
    return [call_line(name, v["method"], v["req"]) for v in vectors]


def answers_of(run: Run, name: str) -> list[Answer]:
    return [Answer(e["rc"], host_bytes(e["out"]), []) for e in run.host.calls() if e["plugin"] == name]


def assert_clean(run: Run) -> None:
    loads = run.host.of("load")
    assert loads and all(load["error"] is None for load in loads), (loads, run.host.stderr[-3000:])
    assert run.host.returncode == 0 and run.host.of("done") == [
        {"event": "done", "failures": 0, "late_host_calls": 0}
    ], (run.host.returncode, run.host.stderr[-3000:])


def payload_site(sandbox: Sandbox, report: dict[str, Any]) -> str:
    site = report["site"]
    assert site.startswith(str(sandbox.cache / "payloads") + "/") and site.endswith("/site")
    return str(site)


def assert_runs_from_the_cache(sandbox: Sandbox, report: dict[str, Any]) -> None:
    """Plugin and dependencies from the payload; everything else from the Python installation."""
    site = payload_site(sandbox, report)
    modules: dict[str, str] = report["modules"]
    for name in (
        "reference_plugins.codex_service_tier",
        "cpa_sdk",
        "cpa_sdk._bridge",
        "pydantic",
        "pydantic_core",
        "pydantic_core._pydantic_core",
        "typing_extensions",
        "annotated_types",
        "typing_inspection",
    ):
        assert modules[name].startswith(site + "/"), (name, modules.get(name))
    # PyYAML is not among them: an empty or flat config is read without it (cpa_sdk.config), and
    # what is imported at all must come from the payload or the installation, as checked below.
    prefix = report["prefix"]
    for name, file in modules.items():
        assert file.startswith(site + "/") or file.startswith(prefix + "/"), (name, file)
        for root in forbidden_roots():
            assert not file.startswith(root + "/"), f"{name} was imported from {file} (under {root})"
    assert report["path"][0] == site
    assert not any(p.startswith(str(sandbox.root / "garbage")) for p in report["path"])


def test_packaged_plugin_answers_its_golden_vectors_with_nothing_of_the_build(
    packages: Packages, sandbox: Sandbox, golden: dict[str, Any]
) -> None:
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    wanted = vectors(golden)
    run = sandbox.run([f"load p {installed}", *replay_lines("p", wanted), "unload p"])
    assert_clean(run)
    assert check_answers(wanted, answers_of(run, "p")) == len(wanted) == 20
    [load_report, shutdown_report] = run.debug
    assert (load_report["event"], shutdown_report["event"]) == ("load", "shutdown")
    assert shutdown_report["so"] == str(installed)
    assert_runs_from_the_cache(sandbox, shutdown_report)  # after all calls: lazy imports included
    assert [Path(payload_site(sandbox, shutdown_report)).parent.name] == sandbox.payload_dirs()
    assert Path(payload_site(sandbox, shutdown_report)).parent.name == read_bundle(installed).sha256
    [note] = run.notes
    assert "extracted (sha256" in note, note

    # A second process finds the payload in the cache and extracts nothing.
    again = sandbox.run([f"load p {installed}", call_line("p", "plugin.register", ""), "unload p"])
    assert_clean(again)
    assert "payload " + read_bundle(installed).sha256 + " cached" in again.notes[0]
    cache_mode = (sandbox.cache / "payloads").stat().st_mode & 0o777
    assert (
        cache_mode == 0o700 and (sandbox.cache / "payloads" / sandbox.payload_dirs()[0]).stat().st_mode & 0o777 == 0o700
    )


def test_libpython_and_home_overrides_and_a_missing_libpython(packages: Packages, sandbox: Sandbox) -> None:
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    libdir = sysconfig.get_config_var("LIBDIR")
    library = os.path.join(libdir, sysconfig.get_config_var("INSTSONAME"))
    run = sandbox.run(
        [f"load p {installed}", call_line("p", "plugin.register", ""), "unload p"], CPA_SDK_LIBPYTHON=library
    )
    assert_clean(run)
    assert f"libpython {library} (CPA_SDK_LIBPYTHON)" in run.notes[0]
    assert run.debug[-1]["version"] == sys.version.split()[0]  # the build's own Python, as asked
    assert_runs_from_the_cache(sandbox, run.debug[-1])

    home = sandbox.run(
        [f"load p {installed}", call_line("p", "plugin.register", ""), "unload p"],
        CPA_SDK_LIBPYTHON=library,
        CPA_SDK_PYTHONHOME=sys.base_prefix,
    )
    assert_clean(home)
    assert home.debug[-1]["prefix"] == sys.base_prefix

    no_stdlib = sandbox.run(
        [f"load p {installed}", call_line("p", "plugin.register", ""), "unload p"],
        CPA_SDK_PYTHONHOME=str(sandbox.root / "no-python-here"),
    )
    [(rc, envelope)] = no_stdlib.outs()
    assert rc == 1 and envelope["error"]["code"] == "plugin_load_failed"
    assert (
        "cannot start Python" in envelope["error"]["message"] and "CPA_SDK_PYTHONHOME" in envelope["error"]["message"]
    )

    missing = sandbox.run(
        [
            f"load p {installed}",
            call_line("p", "plugin.register", ""),
            call_line("p", "request.normalize", "{}"),
            "unload p",
        ],
        CPA_SDK_LIBPYTHON=str(sandbox.root / "libpython-nowhere.so"),
    )
    outs = missing.outs()
    assert [rc for rc, _ in outs] == [1, 1]
    for _, envelope in outs:
        assert envelope["error"]["code"] == "libpython_not_found"
        assert (
            "CPA_SDK_LIBPYTHON=" in envelope["error"]["message"] and "cannot be loaded" in envelope["error"]["message"]
        )


def test_two_versions_side_by_side_in_one_process(packages: Packages, sandbox: Sandbox, golden: dict[str, Any]) -> None:
    """CPA's hot reload keeps <id>-v0.1.0.so loaded while it loads <id>-v0.2.0.so: two payloads,
    two cache directories; each version runs its own plugin code, both answer."""
    old = sandbox.install(packages.v1.archive, "0.1.0")
    new = sandbox.install(packages.v2.archive, "0.2.0")
    wanted = vectors(golden)
    lines = [f"load old {old}", f"load new {new}"]
    for vector in wanted:  # interleaved: each call of one version followed by the same call of the other
        lines += [call_line("old", vector["method"], vector["req"]), call_line("new", vector["method"], vector["req"])]
    run = sandbox.run([*lines, "unload old", "unload new"])
    assert_clean(run)
    # Each registers the version it was packaged as, which is the version of CPA's file name.
    assert (
        check_answers(wanted, answers_of(run, "old"))
        == check_answers(packaged_as(wanted, "0.2.0"), answers_of(run, "new"))
        == 20
    )
    hashes = {read_bundle(old).sha256, read_bundle(new).sha256}
    assert len(hashes) == 2 and set(sandbox.payload_dirs()) == hashes
    loads = [r for r in run.debug if r["event"] == "load"]
    assert [r["so"] for r in loads] == [str(old), str(new)]
    for report in loads:  # right after each load, the plugin module is that version's own
        site = payload_site(sandbox, report)
        assert report["modules"]["reference_plugins.codex_service_tier"].startswith(site + "/")
    assert payload_site(sandbox, loads[0]) != payload_site(sandbox, loads[1])


def test_concurrent_first_loads_share_one_payload_directory(packages: Packages, sandbox: Sandbox) -> None:
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    lines = [
        f"load p {installed}",
        call_line("p", "plugin.register", ""),
        call_line("p", "request.normalize", '{"ToFormat":"codex","Model":"gpt-5.5","Body":"e30="}'),
        "unload p",
    ]
    processes = [sandbox.start(lines) for _ in range(8)]
    outputs = [p.communicate(timeout=TIMEOUT) for p in processes]
    runs = [parse_run(p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)]
    for run in runs:
        assert_clean(run)
        assert [rc for rc, _ in run.outs()] == [0, 0]
    assert sandbox.payload_dirs() == [read_bundle(installed).sha256]  # no temporary directory left behind
    how = [run.notes[0] for run in runs]
    assert any("extracted (sha256" in note for note in how), how


THREADS = textwrap.dedent("""
    import ctypes, json, sys, threading
    class Buffer(ctypes.Structure):
        _fields_ = [("ptr", ctypes.c_void_p), ("len", ctypes.c_size_t)]
    class PluginApi(ctypes.Structure):
        _fields_ = [("abi_version", ctypes.c_uint32), ("call", ctypes.c_void_p), ("free_buffer", ctypes.c_void_p),
                    ("shutdown", ctypes.c_void_p)]
    CALL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(Buffer))
    barrier = threading.Barrier(len(sys.argv) - 1)
    results = {}
    def run(path):
        lib = ctypes.CDLL(path)
        api = PluginApi()
        barrier.wait()
        rc = lib.cliproxy_plugin_init(None, ctypes.byref(api))
        out = Buffer()
        call_rc = CALL(api.call)(b"plugin.register", b"", 0, ctypes.byref(out))
        results[path] = [rc, call_rc, ctypes.string_at(out.ptr, out.len).decode()]
    threads = [threading.Thread(target=run, args=(p,)) for p in sys.argv[1:]]
    for t in threads: t.start()
    for t in threads: t.join()
    print(json.dumps(results))
""")


def test_concurrent_first_loads_from_threads(packages: Packages, sandbox: Sandbox) -> None:
    """Four file names of one payload initialised at once by four threads of one process (a
    Python process without site-packages, joined through ctypes)."""
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    copies = []
    for index in range(4):
        copy = installed.with_name(f"copy{index}.so")
        copy.write_bytes(installed.read_bytes())
        copies.append(str(copy))
    env = sandbox.env()
    env.pop("PYTHONHOME")  # this process is a Python: its own home must stay valid
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", THREADS, *copies],
        capture_output=True,
        text=True,
        env=env,
        cwd=sandbox.root,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert set(results) == set(copies)
    for rc, call_rc, answer in results.values():
        assert (rc, call_rc) == (0, 0) and json.loads(answer)["ok"] is True, answer
    assert sandbox.payload_dirs() == [read_bundle(installed).sha256]


def load_and_call(sandbox: Sandbox, library: Path) -> Run:
    return sandbox.run(
        [
            f"load p {library}",
            call_line("p", "plugin.register", ""),
            call_line("p", "request.normalize", "{}"),
            "unload p",
            f"load p {library}",
            call_line("p", "plugin.register", ""),
            "unload p",
        ]
    )


def assert_refused(run: Run, code: str, *needles: str) -> None:
    assert run.host.returncode == 0 and run.host.of("done"), run.host.stderr
    outs = run.outs()
    assert len(outs) == 3 and all(rc == 1 for rc, _ in outs), outs
    for _, envelope in outs:
        assert envelope["ok"] is False and envelope["error"]["code"] == code, envelope
        for needle in needles:
            assert needle in envelope["error"]["message"], envelope


def test_a_corrupted_payload_is_refused_on_every_call(packages: Packages, sandbox: Sandbox) -> None:
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    info = read_bundle(installed)
    data = bytearray(installed.read_bytes())
    data[info.payload_offset + info.payload_size // 2] ^= 0x01  # one bit, in the middle of the payload
    installed.write_bytes(bytes(data))
    run = load_and_call(sandbox, installed)
    assert_refused(run, "payload_invalid", "fails its sha256 check", info.sha256)
    assert sandbox.payload_dirs() == []  # nothing extracted, no temporary directory left

    data[info.payload_offset + info.payload_size // 2] ^= 0x01
    data[-1] ^= 0xFF  # the recorded hash itself
    installed.write_bytes(bytes(data))
    assert_refused(load_and_call(sandbox, installed), "payload_invalid", "fails its sha256 check")


def test_a_truncated_library_is_refused_on_every_call(packages: Packages, sandbox: Sandbox) -> None:
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    data = installed.read_bytes()
    info = read_bundle(installed)
    # trailer damaged, trailer gone, payload cut in half, payload gone entirely (only the ELF left)
    for cut in (1, TRAILER_LEN, info.payload_size // 2, info.payload_size + TRAILER_LEN):
        installed.write_bytes(data[:-cut])
        assert_refused(load_and_call(sandbox, installed), "payload_invalid", "truncated")
    assert sandbox.payload_dirs() == []
    installed.write_bytes(data[:64])  # not even an ELF any more: dlopen says so, as CPA would log
    run = load_and_call(sandbox, installed)
    assert run.host.returncode >= 0 and run.host.of("done"), run.host.returncode
    assert all("dlopen" in load["error"] for load in run.host.of("load")), run.host.of("load")


def no_core_dump() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def test_a_cut_inside_the_loaded_elf_segments_faults_in_dlopen_for_any_library(
    packages: Packages, sandbox: Sandbox, tmp_path: Path
) -> None:
    """The limit of the guarantee above, shown on a plain C library: glibc maps the segments the
    program headers describe, and touching one that lies past the end of a truncated file raises
    SIGBUS inside dlopen, before any code of the library runs. For a bundle that is the first
    ~24 KiB of ~15 MiB (docs/shipping.md); CPA's store checks the zip's sha256 before it installs."""
    plain = tmp_path / "plain.c"
    plain.write_text(
        "int cliproxy_plugin_init(void *h, void *p) { (void)h; (void)p; return 1; }\n"
        "static const char big[1 << 16] = {1}; const char *keep(void) { return big; }\n"
    )
    library = tmp_path / "plain.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", str(library), str(plain)], check=True)
    cases = {library: library.read_bytes(), sandbox.install(packages.v1.archive, "0.1.0"): None}
    for path, data in cases.items():
        data = data if data is not None else path.read_bytes()
        path.write_bytes(data[: 4096 + 512])  # inside the second (executable) LOAD segment
        proc = subprocess.run(
            [str(sandbox.host), "script", str(sandbox.script([f"load p {path}", "unload p"]))],
            capture_output=True,
            timeout=TIMEOUT,
            env=sandbox.env(),
            preexec_fn=no_core_dump,
        )
        assert proc.returncode == -signal.SIGBUS, (path.name, proc.returncode, proc.stdout[-500:])


def test_cache_that_is_not_private_is_refused_and_a_stale_directory_replaced(
    packages: Packages, sandbox: Sandbox
) -> None:
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    payloads = sandbox.cache / "payloads"
    payloads.mkdir(parents=True)
    payloads.chmod(0o777)
    assert_refused(load_and_call(sandbox, installed), "payload_cache_failed", "not a private directory")
    payloads.chmod(0o700)
    stale = payloads / read_bundle(installed).sha256
    (stale / "site").mkdir(parents=True)
    (stale / "site" / "cpa_sdk.py").write_text("raise SystemExit('stale cache used')\n")  # no stamp: never trusted
    run = load_and_call(sandbox, installed)
    assert_clean(run)
    assert [rc for rc, _ in run.outs()] == [0, 0, 0]
    assert not (stale / "site" / "cpa_sdk.py").exists() and (stale / ".complete").is_file()
    assert sandbox.payload_dirs() == [stale.name]
    relative = sandbox.run(
        [f"load p {installed}", call_line("p", "plugin.register", ""), "unload p"], CPA_SDK_CACHE_DIR="relative/dir"
    )
    assert relative.outs()[0][1]["error"]["code"] == "payload_cache_failed"
    assert "not an absolute path" in relative.outs()[0][1]["error"]["message"]


def test_a_bundle_for_another_python_is_refused_beside_a_working_one(
    packages: Packages, sandbox: Sandbox, tmp_path: Path
) -> None:
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    other = build_plugin(
        TARGET,
        tmp_path / "other",
        plugin_id="other-python",
        bundle=True,
        python_version=(sys.version_info.major, sys.version_info.minor - 1),
    )
    run = sandbox.run(
        [
            f"load p {installed}",
            call_line("p", "plugin.register", ""),
            f"load q {other}",
            call_line("q", "plugin.register", ""),
            call_line("p", "plugin.register", ""),
            "unload q",
            "unload p",
        ]
    )
    rcs = [(e["plugin"], e["rc"]) for e in run.host.calls()]
    assert rcs == [("p", 0), ("q", 1), ("p", 0)], run.host.calls()
    refused = run.outs()[1][1]["error"]
    assert refused["code"] == "python_version_mismatch"
    assert f"built for Python {sys.version_info.major}.{sys.version_info.minor - 1}" in refused["message"]


@pytest.mark.parametrize("cycles", [3])
def test_unload_and_reload_in_one_process(packages: Packages, sandbox: Sandbox, cycles: int) -> None:
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    lines = []
    for _ in range(cycles):
        lines += [f"load p {installed}", call_line("p", "plugin.register", ""), "unload p"]
    run = sandbox.run(lines)
    assert_clean(run)
    assert [rc for rc, _ in run.outs()] == [0] * cycles
    assert sum("extracted (sha256" in note for note in run.notes) == 1


LOOSE_PLUGIN = '''
"""A plugin that is one module, in no distribution, importing a package cpa-sdk does not need."""
import iniconfig

from cpa_sdk import Plugin, PluginConfig, RequestNormalizer
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest


class Loose(Plugin[PluginConfig], RequestNormalizer):
    plugin_id = name = "loose-plugin"
    version = "1.0.0"
    author = "tests"
    github_repository = "https://github.com/example/loose-plugin"

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse:
        return PayloadResponse(body=iniconfig.__name__.encode())
'''


def test_cli_bundle_of_a_module_outside_any_distribution(sandbox: Sandbox, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "loose_plugin.py").write_text(LOOSE_PLUGIN)
    library = bundle_module(
        "loose_plugin:Loose", source, tmp_path / "out", "--exclude", "click", cwd=tmp_path, timeout=600
    )
    manifest = read_bundle(library).manifest
    assert manifest["own_packages"] == ["loose_plugin"] and "loose_plugin" in manifest["top_levels"]
    assert "iniconfig" in manifest["distributions"]  # found by what the plugin imports
    assert "click" not in manifest["distributions"]  # --exclude
    (source / "loose_plugin.py").unlink()  # the bundle must not need the source any more
    run = sandbox.run(
        [
            f"load p {library}",
            call_line("p", "plugin.register", ""),
            call_line("p", "request.normalize", '{"Body":"e30="}'),
            "unload p",
        ]
    )
    assert_clean(run)
    outs = run.outs()
    assert outs[0][1]["result"]["metadata"]["Name"] == "loose-plugin"
    assert outs[1][1]["result"]["Body"] == "aW5pY29uZmln"  # b"iniconfig"
    modules = run.debug[-1]["modules"]
    site = payload_site(sandbox, run.debug[-1])
    assert modules["loose_plugin"].startswith(site + "/") and modules["iniconfig"].startswith(site + "/")

    usage = subprocess.run(
        [sys.executable, "-m", "cpa_sdk", "build", "loose_plugin:Loose", "--include", "x"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert usage.returncode == 2 and "only apply with --bundle" in usage.stderr
