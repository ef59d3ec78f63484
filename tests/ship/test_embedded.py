"""Bundles that carry their own CPython: nothing of the machine's Python is used, a standard-library
module imported only inside a method is there when the method runs, and two such bundles in one
process share one interpreter (the first loaded), each finding its own standard library.

The packages come from ``cpa-sdk package`` with its default, the embedded runtime (conftest).
"""

from __future__ import annotations

import base64
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cpa_sdk.build.bundle import read_bundle
from tests.ship.conftest import Packages, Run, Sandbox, bundle_module, call_line
from tests.ship.test_bundle import assert_clean, payload_site

MINOR = f"{sys.version_info[0]}.{sys.version_info[1]}"
STDLIB = f"runtime/lib/python{MINOR}"

LAZY_PLUGIN = '''
"""Imports colorsys and graphlib only when a request arrives: nothing at import time names them,
and nothing else a plugin of cpa-sdk needs imports them."""
from cpa_sdk import Plugin, PluginConfig, RequestNormalizer
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest


class Lazy(Plugin[PluginConfig], RequestNormalizer):
    plugin_id = name = "lazy-stdlib"
    version = "1.0.0"
    author = "tests"
    github_repository = "https://github.com/example/lazy-stdlib"

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse:
        import colorsys
        from graphlib import TopologicalSorter

        hue = colorsys.rgb_to_hsv(0.0, 0.0, 1.0)[0]
        order = "".join(TopologicalSorter({"b": {"a"}, "c": {"b"}}).static_order())
        return PayloadResponse(body=f"{hue:.2f} {order}".encode())
'''


@pytest.fixture(scope="module")
def lazy_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("lazy-src")
    (source / "lazy_stdlib.py").write_text(LAZY_PLUGIN)
    library = bundle_module("lazy_stdlib:Lazy", source, source.parent / "lazy-out", cwd=source, timeout=900)
    (source / "lazy_stdlib.py").unlink()  # the bundle must not need the source any more
    return library


def runtime_prefix(sandbox: Sandbox, report: dict[str, Any]) -> str:
    return str(Path(payload_site(sandbox, report)).parent / "runtime")


def test_the_package_carries_libpython_and_only_the_stdlib_it_needs(packages: Packages, tmp_path: Path) -> None:
    library = tmp_path / "lib.so"
    with zipfile.ZipFile(packages.v1.archive) as zipped:
        library.write_bytes(zipped.read(packages.v1.library_name))
    info = read_bundle(library)
    names = set(info.names)
    assert f"runtime/lib/libpython{MINOR}.so.1.0" in names
    assert {
        f"{STDLIB}/os.py",
        f"{STDLIB}/encodings/__init__.py",
        f"{STDLIB}/json/__init__.py",
        f"{STDLIB}/lib-dynload/",
    } <= names
    assert any(n.startswith(f"{STDLIB}/lib-dynload/_json.") for n in names)
    assert f"{STDLIB}/__pycache__/os.{sys.implementation.cache_tag}.pyc" in names  # precompiled
    for absent in ("tkinter/", "idlelib/", "test/", "ensurepip/", "lib2to3/", "sqlite3/"):
        assert not any(n.startswith(f"{STDLIB}/{absent}") for n in names), absent
    runtime = info.manifest["runtime"]
    assert runtime["python"].startswith(MINOR + ".") and runtime["machine"] == "x86_64"
    assert runtime["glibc"] == "2.17" and info.manifest["glibc"] == "2.17"


def test_runs_on_its_own_python(packages: Packages, sandbox: Sandbox) -> None:
    installed = sandbox.install(packages.v1.archive, "0.1.0")
    run = sandbox.run([f"load p {installed}", call_line("p", "plugin.register", ""), "unload p"])
    assert_clean(run)
    report = run.debug[-1]
    assert report["prefix"] == runtime_prefix(sandbox, report)
    assert "(bundled runtime)" in run.notes[0]
    for name, file in report["modules"].items():
        assert file.startswith(str(sandbox.cache) + "/"), (name, file)  # nothing from the machine's Python


def test_a_stdlib_module_imported_inside_a_method_is_bundled(lazy_bundle: Path, sandbox: Sandbox) -> None:
    names = set(read_bundle(lazy_bundle).names)
    assert f"{STDLIB}/colorsys.py" in names and f"{STDLIB}/graphlib.py" in names
    run = sandbox.run(
        [
            f"load p {lazy_bundle}",
            call_line("p", "plugin.register", ""),
            call_line("p", "request.normalize", '{"Body":"e30="}'),
            "unload p",
        ]
    )
    assert_clean(run)
    [(_, _), (rc, answer)] = run.outs()
    assert rc == 0 and base64.b64decode(answer["result"]["Body"]) == b"0.67 abc"


def test_two_bundles_share_the_first_interpreter_each_with_its_stdlib(
    packages: Packages, lazy_bundle: Path, sandbox: Sandbox
) -> None:
    first = sandbox.install(packages.v1.archive, "0.1.0")
    assert f"{STDLIB}/graphlib.py" not in read_bundle(first).names  # only the second bundle has it
    run: Run = sandbox.run(
        [
            f"load p {first}",
            call_line("p", "plugin.register", ""),
            f"load q {lazy_bundle}",
            call_line("q", "plugin.register", ""),
            call_line("q", "request.normalize", '{"Body":"e30="}'),
            call_line("p", "plugin.register", ""),
            "unload q",
            "unload p",
        ]
    )
    assert_clean(run)
    assert [rc for rc, _ in run.outs()] == [0, 0, 0, 0]
    reports = {r["so"]: r for r in run.debug if r["event"] == "load"}
    p, q = reports[str(first)], reports[str(lazy_bundle)]
    assert p["prefix"] == q["prefix"] == runtime_prefix(sandbox, p)  # one interpreter: the first bundle's
    assert "already in the process" in next(n for n in run.notes if str(lazy_bundle) in n)
    q_runtime = runtime_prefix(sandbox, q)
    shutdown = run.debug[-1]["modules"]
    assert shutdown["graphlib"].startswith(q_runtime + "/"), shutdown["graphlib"]  # from the second bundle's stdlib
    assert shutdown["json"].startswith(p["prefix"] + "/")  # the running interpreter's own comes first
