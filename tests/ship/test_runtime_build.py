"""The relocatable CPython runtime (``cpa_sdk.build.runtime_build``), built for amd64 and arm64.

``runtimes`` fetches Debian's CPython 3.11 and zlib sources (``scripts/cpython-source``) and builds
both targets into the user cache, where they stay: the first run takes several minutes per target,
later ones reuse them. The runtime of this machine's architecture runs from a copy elsewhere, with
an empty environment; every ELF file of both is read with binutils' readelf.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Final

import pytest

from cpa_sdk.build import BuildError
from cpa_sdk.build.runtime_build import (
    RUNTIME_JSON,
    build_runtime,
    find_cached_runtime,
    runtime_cache_root,
    source_version,
)
from cpa_sdk.build.target import Target, host_goarch

REPO: Final = Path(__file__).resolve().parents[2]
LD: Final = f"{sys.version_info[0]}.{sys.version_info[1]}"
TARGETS: Final = {"amd64": Target("amd64"), "arm64": Target("arm64")}
READELF_MACHINE: Final = {"amd64": "Advanced Micro Devices X86-64", "arm64": "AArch64"}
MUST_MISS: Final = {
    "_ssl",
    "_hashlib",
    "_ctypes",
    "_sqlite3",
    "_bz2",
    "_lzma",
    "readline",
    "_curses",
    "_dbm",
    "_tkinter",
}
MUST_IMPORT: Final = [
    "zlib",
    "json",
    "decimal",
    "datetime",
    "socket",
    "select",
    "hashlib",
    "pyexpat",
    "unicodedata",
    "asyncio",
    "gzip",
    "zipfile",
    "pickle",
    "struct",
    "math",
    "mmap",
    "subprocess",
    "binascii",
    "xml.etree.ElementTree",
    "encodings.cp932",
    "_multibytecodec",
    "_blake2",
    "_sha256",
]


@pytest.fixture(scope="session")
def source() -> Path:
    proc = subprocess.run([str(REPO / "scripts" / "cpython-source")], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    path = Path(proc.stdout.strip())
    assert path.is_absolute() and path.is_file(), proc.stdout
    return path


@pytest.fixture(scope="session")
def runtimes(source: Path) -> dict[str, Path]:
    return {
        goarch: build_runtime(source, target, log=lambda m: print(m, file=sys.stderr))
        for goarch, target in TARGETS.items()
    }


def readelf(*args: str) -> str:
    proc = subprocess.run(["readelf", "-W", *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def elf_files(root: Path) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def glibc_versions(path: Path) -> set[tuple[int, int]]:
    """Every GLIBC_x.y the file needs, from its version-needs section and its undefined symbols."""
    text = readelf("-V", str(path))
    needed = text.split("Version needs section", 1)[1] if "Version needs section" in text else ""
    names = re.findall(r"Name: GLIBC_(\d+)\.(\d+)", needed)
    for line in readelf("--dyn-syms", str(path)).splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[6] == "UND":
            names += re.findall(r"@GLIBC_(\d+)\.(\d+)", fields[7])
    return {(int(a), int(b)) for a, b in names}


def machine(path: Path) -> str:
    match = re.search(r"^\s*Machine:\s+(.+?)\s*$", readelf("-h", str(path)), re.M)
    assert match, path
    return match[1]


def dynamic(path: Path) -> str:
    return readelf("-d", str(path))


# ---- the source tarball ----


def test_source_version_is_read_from_the_top_directory(source: Path) -> None:
    assert source_version(source) == "3.11.2"
    assert (source.parent / "zlib_1.2.13.dfsg.orig.tar.bz2").is_file()  # beside it, where the build finds it


def fake_tarball(path: Path, top: str) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        data = b"This is Python version 3.12.0\n"
        info = tarfile.TarInfo(f"{top}/README.rst")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def test_a_source_of_another_minor_is_refused_naming_both_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CPA_SDK_RUNTIMES", str(tmp_path / "runtimes"))
    tarball = fake_tarball(tmp_path / "Python-3.12.0.tgz", "Python-3.12.0")
    with pytest.raises(BuildError) as caught:
        build_runtime(tarball, Target("amd64"))
    message = str(caught.value)
    assert "3.12.0" in message and sys.version.split()[0] in message and "must match" in message
    assert not (tmp_path / "runtimes").exists()  # refused before anything is unpacked or built


def test_the_cli_refuses_another_minor_in_red(tmp_path: Path) -> None:
    tarball = fake_tarball(tmp_path / "Python-3.12.0.tar.gz", "Python-3.12.0")
    proc = subprocess.run(
        [sys.executable, "-m", "cpa_sdk", "runtime", "build", "--source", str(tarball)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "CPA_SDK_RUNTIMES": str(tmp_path / "rt")},
    )
    assert proc.returncode == 1 and proc.stdout == ""
    assert "error:" in proc.stderr and "3.12.0" in proc.stderr and "must match" in proc.stderr


def test_a_tarball_that_is_not_cpython_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="not a CPython source tarball"):
        source_version(fake_tarball(tmp_path / "x.tar.gz", "zlib-1.3"))


def test_without_zig_the_build_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPA_SDK_RUNTIMES", str(tmp_path / "runtimes"))
    tarball = fake_tarball(tmp_path / "Python-3.11.99.tar.gz", f"Python-{LD}.99")
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ziglang" else real_find_spec(name, *a)
    )
    with pytest.raises(BuildError, match="ziglang"):
        build_runtime(tarball, Target("arm64"))


def test_a_failing_configure_shows_the_log_tail_and_keeps_the_log(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "runtimes"
    monkeypatch.setenv("CPA_SDK_RUNTIMES", str(root))
    tarball = tmp_path / "Python-3.11.99.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        script = b"#!/bin/sh\necho 'checking for something... no'\necho 'configure: error: cannot go on' >&2\nexit 1\n"
        info = tarfile.TarInfo(f"Python-{LD}.99/configure")
        info.size, info.mode = len(script), 0o755
        tar.addfile(info, io.BytesIO(script))
    zlib = source.parent / "zlib_1.2.13.dfsg.orig.tar.bz2"
    with pytest.raises(BuildError) as caught:
        build_runtime(tarball, Target("amd64"), zlib=zlib)
    message = str(caught.value)
    kept = root / f"cpython-{LD}.99-x86_64-linux-gnu.2.17.build.log"
    assert "configure failed (exit 1)" in message and "configure: error: cannot go on" in message
    assert str(kept) in message and "cannot go on" in kept.read_text()
    assert sorted(p.name for p in root.iterdir()) == [kept.name]  # no half-built runtime, no temp directory
    assert find_cached_runtime(Target("amd64"), (sys.version_info[0], sys.version_info[1])) is None


def test_cache_root_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CPA_SDK_RUNTIMES", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert runtime_cache_root() == tmp_path / "xdg" / "cpa-sdk" / "runtimes"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert runtime_cache_root() == tmp_path / "home" / ".cache" / "cpa-sdk" / "runtimes"
    monkeypatch.setenv("CPA_SDK_RUNTIMES", str(tmp_path / "mine"))
    assert runtime_cache_root() == tmp_path / "mine"
    monkeypatch.setenv("CPA_SDK_RUNTIMES", "relative")
    with pytest.raises(BuildError, match="absolute"):
        runtime_cache_root()


# ---- the built runtimes ----


@pytest.mark.parametrize("goarch", sorted(TARGETS))
def test_layout_is_python_build_standalone_install_only(runtimes: dict[str, Path], goarch: str) -> None:
    root = runtimes[goarch]
    target = TARGETS[goarch]
    assert root.name == f"cpython-3.11.2-{target.name}" and root.parent == runtime_cache_root()
    assert find_cached_runtime(target, sys.version_info[:2]) == root
    assert find_cached_runtime(target, (3, 99)) is None
    stdlib = root / "lib" / f"python{LD}"
    for needed in (
        root / "bin" / f"python{LD}",
        root / "lib" / f"libpython{LD}.so.1.0",
        stdlib / "os.py",
        stdlib / "lib-dynload",
        root / "include" / f"python{LD}" / "Python.h",
        root / "include" / f"python{LD}" / "pyconfig.h",
    ):
        assert needed.exists(), needed
    assert len(list((stdlib / "lib-dynload").glob(f"*.cpython-3*-{target.machine}-linux-gnu.so"))) > 40
    for dropped in ("test", "idlelib", "tkinter", "turtledemo", "ensurepip/_bundled"):
        assert not (stdlib / dropped).exists(), dropped
    assert not list(stdlib.glob("config-*/*.a")) and not list(stdlib.rglob("*.opt-1.pyc"))
    assert not list(root.glob("*.tmp")) and not list(root.parent.glob(f".{root.name}.*"))  # no leftovers
    build_dirs = str(runtime_cache_root() / f".{root.name}.").encode()
    assert not [p for p in root.rglob("*") if p.is_file() and build_dirs in p.read_bytes()]  # no path of the build

    info = json.loads((root / RUNTIME_JSON).read_text())
    assert info == {
        "python": "3.11.2",
        "goarch": goarch,
        "machine": target.machine,
        "glibc": "2.17",
        "soabi": f"cpython-311-{target.machine}-linux-gnu",
        "missing_modules": info["missing_modules"],
        "built_by": "cpa-sdk",
    }
    missing = set(info["missing_modules"])
    assert MUST_MISS <= missing
    assert not missing & {
        "zlib",
        "binascii",
        "_decimal",
        "pyexpat",
        "_json",
        "_pickle",
        "_datetime",
        "_socket",
        "select",
        "mmap",
        "unicodedata",
        "_sha256",
        "_blake2",
        "_struct",
        "math",
    }
    for name in missing:
        assert not list((stdlib / "lib-dynload").glob(f"{name}.*"))


@pytest.mark.parametrize("goarch", sorted(TARGETS))
def test_every_elf_file_needs_glibc_2_17_at_most_on_the_right_machine(runtimes: dict[str, Path], goarch: str) -> None:
    files = elf_files(runtimes[goarch])
    assert len(files) > 40
    assert glibc_versions(runtimes[goarch] / "lib" / f"libpython{LD}.so.1.0")  # the parsing finds them
    for path in files:
        assert machine(path) == READELF_MACHINE[goarch], path
        versions = glibc_versions(path)
        assert max(versions, default=(0, 0)) <= (2, 17), (path, sorted(versions))
        needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]", dynamic(path)))
        assert needed <= {
            "libc.so.6",
            "libm.so.6",
            "libdl.so.2",
            "libpthread.so.0",
            "libutil.so.1",
            "librt.so.1",
            f"libpython{LD}.so.1.0",
        }, (path, needed)


@pytest.mark.parametrize("goarch", sorted(TARGETS))
def test_libpython_is_stripped_has_its_soname_and_no_rpath(runtimes: dict[str, Path], goarch: str) -> None:
    root = runtimes[goarch]
    libpython = root / "lib" / f"libpython{LD}.so.1.0"
    assert machine(libpython) == READELF_MACHINE[goarch]
    info = dynamic(libpython)
    assert f"Library soname: [libpython{LD}.so.1.0]" in info
    assert "RPATH" not in info and "RUNPATH" not in info
    sections = readelf("-S", str(libpython))
    assert ".symtab" not in sections and ".debug_info" not in sections
    assert libpython.stat().st_size < 8 * 1024 * 1024
    assert "[$ORIGIN/../lib]" in dynamic(root / "bin" / f"python{LD}")
    assert (root / "lib" / f"libpython{LD}.so").resolve() == libpython.resolve()


def test_the_runtime_runs_from_a_copy_elsewhere_with_an_empty_environment(
    runtimes: dict[str, Path], tmp_path: Path
) -> None:
    original = runtimes[host_goarch()]
    copy = tmp_path / "elsewhere" / "python"
    shutil.copytree(original, copy, symlinks=True)
    script = "\n".join(
        [
            "import json, sys",
            f"mods = {MUST_IMPORT!r}",
            "import importlib; [importlib.import_module(m) for m in mods]",
            "import hashlib, zlib, gzip, decimal, asyncio, socket, select, unicodedata",
            "missing = []",
            "for name in json.load(open(sys.prefix + '/cpa-runtime.json'))['missing_modules']:",
            "    try: importlib.import_module(name)",
            "    except ImportError: missing.append(name)",
            "print(json.dumps({'version': sys.version, 'prefix': sys.prefix, 'path': sys.path,",
            "  'sha256': hashlib.sha256(b'cpa').hexdigest(),",
            "  'gzip': gzip.decompress(gzip.compress(b'x' * 1000)) == b'x' * 1000,",
            "  'decimal': str(decimal.Decimal(1) / decimal.Decimal(7)),",
            "  'asyncio': asyncio.run(asyncio.sleep(0, 'ok')),",
            "  'name': unicodedata.name('\\u00e9'), 'missing': missing}))",
        ]
    )
    proc = subprocess.run(
        ["env", "-i", str(copy / "bin" / f"python{LD}"), "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["version"].startswith("3.11.") and out["prefix"] == str(copy)
    assert not [p for p in out["path"] if str(original) in p or p.startswith(str(REPO))]
    assert out["sha256"] == hashlib.sha256(b"cpa").hexdigest()  # the builtin _sha256: no OpenSSL
    assert out["gzip"] and out["decimal"].startswith("0.142857") and out["asyncio"] == "ok"
    assert out["name"] == "LATIN SMALL LETTER E WITH ACUTE"
    info = json.loads((original / RUNTIME_JSON).read_text())
    assert out["missing"] == info["missing_modules"]  # listed as missing, and really not importable


def test_cli_list_shows_both_runtimes(runtimes: dict[str, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cpa_sdk", "runtime", "list", "--json"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    listed = {entry["path"]: entry for entry in json.loads(proc.stdout)}
    for goarch, path in runtimes.items():
        assert listed[str(path)]["goarch"] == goarch and listed[str(path)]["python"] == "3.11.2"
    human = subprocess.run(
        [sys.executable, "-m", "cpa_sdk", "runtime", "list"], capture_output=True, text=True, timeout=120
    )
    assert human.returncode == 0 and str(runtimes["arm64"]) in human.stdout and "missing: " in human.stdout


def test_cli_build_prints_the_cached_runtime(runtimes: dict[str, Path], source: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cpa_sdk",
            "runtime",
            "build",
            "--source",
            str(source),
            "--goarch",
            "arm64",
            "--glibc",
            "2.17",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{runtimes['arm64']}\n"
