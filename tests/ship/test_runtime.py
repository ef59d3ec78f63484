"""Choosing the CPython a bundle embeds: runtime directories, their checks, the standard library.

These run without the embedded runtime: a runtime directory is faked from the build's own
Python installation (a pyenv-style prefix with a shared libpython), which also serves as the
example of a runtime that is *not* fit for CPA's machines (linked on this machine's glibc).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cpa_sdk.build import BuildError
from cpa_sdk.build.runtime import EMBEDDED, SOURCE_ENV, BundleOptions, open_runtime, resolve_runtime
from cpa_sdk.build.stdlib import ALWAYS, NEVER, imported_top_levels, select_stdlib
from cpa_sdk.build.target import Target
from tests.ship.conftest import TARGET

MINOR = f"{sys.version_info[0]}.{sys.version_info[1]}"
BUILD_PREFIX = Path(sys.base_prefix)


def fake_runtime(root: Path, version: str = f"{MINOR}.4", *, libpython: bool = True) -> Path:
    """A runtime directory in python-build-standalone's layout, whose libpython is the build's."""
    minor = ".".join(version.split(".")[:2])
    include = root / "include" / f"python{minor}"
    stdlib = root / "lib" / f"python{minor}"
    (stdlib / "lib-dynload").mkdir(parents=True)
    (stdlib / "encodings").mkdir()
    (stdlib / "email" / "mime").mkdir(parents=True)
    (stdlib / "test").mkdir()
    include.mkdir(parents=True)
    (include / "patchlevel.h").write_text(f'#define PY_VERSION              "{version}"\n')
    (include / "Python.h").write_text("/* headers */\n")
    for name in (
        "os.py",
        "stat.py",
        "difflib.py",
        "encodings/__init__.py",
        "email/__init__.py",
        "email/mime/text.py",
        "test/__init__.py",
    ):
        (stdlib / name).write_text(f"# {name}\n")
    (stdlib / "email" / "tests").mkdir()
    (stdlib / "email" / "tests" / "test_x.py").write_text("# a test suite, never shipped\n")
    (stdlib / "lib-dynload" / f"_json.cpython-{minor.replace('.', '')}-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    if libpython:
        (root / "lib" / f"libpython{minor}.so.1.0").symlink_to(BUILD_PREFIX / "lib" / f"libpython{MINOR}.so.1.0")
    return root


def test_a_python_build_standalone_directory_is_accepted_at_any_of_its_levels(tmp_path: Path) -> None:
    fake_runtime(tmp_path / "python" / "install")
    for given in (tmp_path, tmp_path / "python", tmp_path / "python" / "install"):
        runtime = open_runtime(given, Target.host())
        assert runtime.prefix == (tmp_path / "python" / "install").resolve()
        assert runtime.version == f"{MINOR}.4" and runtime.minor == sys.version_info[:2]
        assert runtime.libpython.name == f"libpython{MINOR}.so.1.0"
        assert runtime.soabi == f"cpython-{MINOR.replace('.', '')}-x86_64-linux-gnu"


def test_a_directory_without_libpython_is_refused(tmp_path: Path) -> None:
    fake_runtime(tmp_path, libpython=False)
    with pytest.raises(BuildError, match=r"not a relocatable CPython: no lib/libpython3\.X\.so\.1\.0"):
        open_runtime(tmp_path)


def test_a_runtime_of_another_minor_is_refused_naming_both(tmp_path: Path) -> None:
    other = f"{sys.version_info[0]}.{sys.version_info[1] + 1}.0"
    fake_runtime(tmp_path, other)
    with pytest.raises(BuildError) as caught:
        open_runtime(tmp_path)
    message = str(caught.value)
    assert f"is CPython {other}" in message and f"runs Python {MINOR}" in message
    assert "minor versions must be equal" in message


def test_a_runtime_of_another_machine_is_refused(tmp_path: Path) -> None:
    fake_runtime(tmp_path)
    with pytest.raises(BuildError, match="is for x86_64, the target is aarch64"):
        open_runtime(tmp_path, Target("arm64"))


def test_no_cached_runtime_and_no_source_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPA_SDK_RUNTIMES", str(tmp_path / "empty"))
    monkeypatch.delenv(SOURCE_ENV, raising=False)
    with pytest.raises(BuildError) as caught:
        resolve_runtime(EMBEDDED, Target("arm64"))
    message = str(caught.value)
    assert f"no CPython {MINOR} runtime for aarch64-linux-gnu.2.17" in message
    assert "cpa-sdk runtime build --source" in message and "--runtime system" in message


def test_system_runtime_cannot_cross_package() -> None:
    with pytest.raises(BuildError, match="--runtime system cannot target arm64"):
        BundleOptions(goarch="arm64", runtime="system").resolve()


def test_an_elf_above_the_baseline_fails_the_package_naming_file_and_symbol(tmp_path: Path) -> None:
    """This machine's own Python links Debian 12's glibc: not a runtime for CPA's glibc 2.17."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cpa_sdk",
            "package",
            TARGET,
            "-o",
            str(tmp_path / "dist"),
            "--runtime",
            str(BUILD_PREFIX),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    assert "will not load on the target (x86_64, glibc 2.17)" in proc.stderr
    assert f"runtime/lib/libpython{MINOR}.so.1.0 needs GLIBC_2." in proc.stderr
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").glob("*.zip"))


def test_select_stdlib_takes_what_is_needed_at_package_granularity(tmp_path: Path) -> None:
    runtime = open_runtime(fake_runtime(tmp_path))
    notes: list[str] = []
    selection = select_stdlib(
        runtime, ["email", "_json", "no_such_module", "pydantic"], mentioned=["winreg", "test"], log=notes.append
    )
    files = set(selection.files)
    assert {
        "os.py",
        "stat.py",
        "encodings/__init__.py",
        "email/__init__.py",
        "email/mime/text.py",
        "lib-dynload/_json.cpython-311-x86_64-linux-gnu.so",
    } <= files
    assert "difflib.py" not in files  # nobody asked for it
    assert not any(name.startswith("test/") or "/tests/" in name for name in files)  # test suites never
    assert "lib-dynload/_json.cpython-311-x86_64-linux-gnu.so" in selection.executable
    assert "no_such_module" not in selection.missing  # not a standard-library name: not the runtime's business
    assert "winreg" not in selection.missing  # only mentioned (a platform-specific import), not needed
    assert {"io", "abc", "codecs", "traceback"} & selection.missing  # ALWAYS, absent in this fake runtime
    assert "the runtime has no" in notes[0]

    full = select_stdlib(runtime, [], full=True)
    assert "difflib.py" in full.files and not any(name.startswith("test/") for name in full.files)
    assert {"test", "idlelib", "ensurepip"} <= NEVER and "os" in ALWAYS


def test_imports_inside_functions_count() -> None:
    source = (
        b"import json\nfrom email.mime import text\ndef later():\n    import difflib, xml.dom\n"
        b"    from . import sibling\n    from .. import parent\n"
    )
    assert imported_top_levels([source, b"this is not python ("]) == {"json", "email", "difflib", "xml"}


def test_cache_root_is_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from cpa_sdk.build.cache import user_cache

    monkeypatch.delenv("CPA_SDK_RUNTIMES", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert user_cache("runtimes", override="CPA_SDK_RUNTIMES") == tmp_path / "xdg" / "cpa-sdk" / "runtimes"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # XDG says: ignore relative paths
    assert user_cache("wheels") == Path(os.path.expanduser("~")) / ".cache" / "cpa-sdk" / "wheels"
    monkeypatch.setenv("CPA_SDK_RUNTIMES", str(tmp_path / "mine"))
    assert user_cache("runtimes", override="CPA_SDK_RUNTIMES") == tmp_path / "mine"
