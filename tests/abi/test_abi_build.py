"""``cpa_sdk.build`` and ``cpa-sdk build``: what ends up in the .so, and the failure messages."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import ENTRY, HERE, Plugins

import abi_bridge
from cpa_sdk.build import BuildError, build_plugin, compiler
from cpa_sdk.build.spec import BuildSpec, c_string

ROOT = HERE.parent.parent


def test_exports_only_the_init_symbol_and_is_pinned(plugins: Plugins) -> None:
    symbols = subprocess.run(
        ["nm", "-D", "--defined-only", str(plugins.echo)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert [s for s in symbols if not s.startswith("0")] == ["T", "cliproxy_plugin_init"]
    dynamic = subprocess.run(["readelf", "-d", str(plugins.echo)], capture_output=True, text=True, check=True).stdout
    assert "NODELETE" in dynamic
    assert f"[{sysconfig.get_config_var('LIBDIR')}]" in dynamic  # RUNPATH to libpython's directory
    assert "libpython" in dynamic


def test_shim_is_warning_clean() -> None:
    assert {"-Wall", "-Wextra", "-Werror"} <= set(compiler.CFLAGS)  # every build enforces it
    assert Path(str(abi_bridge.source())).is_file()


def test_header_records_target_entry_paths_and_version(tmp_path: Path) -> None:
    before = list(sys.path)
    spec = BuildSpec.for_target("standins:Echo", entry=ENTRY, extra_paths=[HERE, tmp_path], python_version=(3, 9))
    assert sys.path == before  # importing the target left sys.path alone
    header = spec.render_header()
    assert spec.plugin_id == "echo"
    assert '#define CPA_BRIDGE_TARGET "standins:Echo"' in header
    assert '#define CPA_BRIDGE_ENTRY_MODULE "echo_entry"' in header
    assert "#define CPA_BRIDGE_PY_MINOR 9" in header
    assert spec.search_paths[0] == str(HERE)  # the plugin's own directory first
    assert spec.home == sys.base_prefix
    assert all(p in sysconfig.get_paths()["purelib"] or "site-packages" in p for p in spec.site_dirs)
    assert str(tmp_path) in spec.search_paths


def test_c_string_round_trips_awkward_paths(tmp_path: Path) -> None:
    values = ['/tmp/a "quoted" dir', "back\\slash", "trigraph??=", "ünïcode/路径", "tab\tnew\nline"]
    source = tmp_path / "t.c"
    source.write_text(
        "#include <stdio.h>\nint main(void){\n"
        + "".join(f"fputs({c_string(v)}, stdout); fputc(0, stdout);\n" for v in values)
        + "return 0;}\n"
    )
    subprocess.run(["gcc", "-Wall", "-Werror", "-o", str(tmp_path / "t"), str(source)], check=True)
    out = subprocess.run([str(tmp_path / "t")], capture_output=True, check=True).stdout
    assert out.split(b"\0")[:-1] == [v.encode() for v in values]


def test_plugin_id_rules(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="declares no plugin_id"):
        build_plugin("standins:Anonymous", tmp_path, entry=ENTRY, extra_paths=[HERE])
    assert (
        build_plugin("standins:Anonymous", tmp_path, entry=ENTRY, extra_paths=[HERE], plugin_id="anon").name
        == "anon.so"
    )
    with pytest.raises(BuildError, match="would read bad-v2.so as plugin 'bad' version '2'"):
        build_plugin("standins:Echo", tmp_path, entry=ENTRY, extra_paths=[HERE], plugin_id="bad-v2")
    with pytest.raises(BuildError, match="is not valid"):
        build_plugin("standins:Echo", tmp_path, entry=ENTRY, extra_paths=[HERE], plugin_id="-dash")
    with pytest.raises(BuildError, match="must look like 'package.module:ClassName'"):
        build_plugin("standins.Echo", tmp_path, entry=ENTRY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["anon.so"]  # no temporary files left behind


def test_missing_shared_libpython_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = compiler._config
    fake = {
        "Py_ENABLE_SHARED": "",
        "LDLIBRARY": "libpython9.99.a",
        "INSTSONAME": "libpython9.99.a",
        "LDVERSION": "9.99",
        "LIBDIR": str(tmp_path),
        "LIBPL": str(tmp_path),
        "MULTIARCH": "",
    }
    monkeypatch.setattr(compiler, "_config", lambda name: fake.get(name, real(name)))
    with pytest.raises(BuildError) as info:
        compiler.python_link()
    message = str(info.value)
    assert "no shared libpython" in message and "Py_ENABLE_SHARED=0" in message
    assert "--enable-shared" in message and "libpython" in message and str(tmp_path) in message


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cpa_sdk", "build", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def test_cli_builds_and_prints_the_path(tmp_path: Path) -> None:
    proc = run_cli("standins:Other", "-o", str(tmp_path), "--entry", ENTRY, "--path", str(HERE))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(tmp_path / "other.so")
    assert "building standins:Other" in proc.stderr and "compiling" in proc.stderr
    assert (tmp_path / "other.so").is_file()


def test_cli_hidden_python_version_option(tmp_path: Path) -> None:
    proc = run_cli(
        "standins:Echo",
        "-o",
        str(tmp_path),
        "--entry",
        ENTRY,
        "--path",
        str(HERE),
        "--id",
        "old",
        "--record-python-version",
        "3.10",
        "-q",
    )
    assert proc.returncode == 0, proc.stderr
    assert "--record-python-version" not in run_cli("--help").stdout


def test_cli_failure_exits_1_with_a_message(tmp_path: Path) -> None:
    proc = run_cli("no_such_module_anywhere:Plugin", "-o", str(tmp_path))
    assert proc.returncode == 1
    assert "error: cannot import the plugin module 'no_such_module_anywhere'" in proc.stderr
    assert "Traceback" not in proc.stderr
