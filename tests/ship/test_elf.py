"""``cpa_sdk.build.elf``: what ELF files need of the machine, checked against CPA's baseline.

The files are real: tiny C libraries compiled here by gcc (this machine's glibc, 2.36 on Debian
12, so ``stat`` is ``GLIBC_2.33`` and ``getrandom`` ``GLIBC_2.25``) and by zig for CPA's
targets (``x86_64``/``aarch64-linux-gnu.2.17``), plus the extension modules and libpython of
this interpreter. binutils' ``readelf`` is the reference the parser is compared with.
"""

from __future__ import annotations

import importlib.util
import random
import re
import shutil
import struct
import subprocess
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

from cpa_sdk.build.elf import (
    GLIBC_SONAMES,
    ElfInfo,
    baseline_report,
    check_baseline,
    is_elf,
    read_elf,
)
from cpa_sdk.build.spec import BuildError
from cpa_sdk.build.target import Target

BASELINE: Final = (2, 17)

STAT_C: Final = """
#include <string.h>
#include <sys/stat.h>
int sizes(const char *path, int fd, char *dst, const char *src, size_t n) {
    struct stat a, b;
    memcpy(dst, src, n);
    return stat(path, &a) + fstat(fd, &b);
}
"""
RANDOM_C: Final = """
#include <sys/random.h>
long rnd(void *buf, unsigned long n) { return getrandom(buf, n, 0); }
"""
DEP_C: Final = "#include <unistd.h>\nstatic int x; int *pointer = &x; int dep(void) { return getpid() + *pointer; }\n"
USER_C: Final = '#include <stdlib.h>\nint dep(void); int user(void) { return dep() + atoi("1"); }\n'
PRIVATE_C: Final = "extern int __libc_enable_secure; int secure(void) { return __libc_enable_secure; }\n"
MAIN_C: Final = '#include <stdio.h>\nint main(void) { fputs("hi\\n", stdout); return 0; }\n'
NOLIBC_C: Final = "int answer(void) { return 42; }\n"


def _run(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"{command} failed:\n{done.stderr}"


def _compile(cc: list[str], out: Path, sources: dict[str, str], *flags: str) -> Path:
    for name, text in sources.items():
        (out.parent / name).write_text(text)
    _run([*cc, "-o", str(out), *sources, *flags], out.parent)
    return out


@dataclass(frozen=True)
class Built:
    host_lib: Path  # gcc: stat, fstat, getrandom
    host_stripped: Path
    host_exe: Path  # gcc -no-pie: stdout is copy-relocated
    zig_x86_64: Path
    zig_aarch64: Path
    dep: Path  # soname libdep.so.1, DT_RELR
    user: Path  # DT_NEEDED libdep.so.1
    plain: Path  # libplain.so: no soname
    plain_user: Path  # DT_NEEDED libplain.so, as the file is called
    private: Path  # GLIBC_PRIVATE
    nolibc: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("elf")
    gcc = ["gcc", "-shared", "-fPIC"]
    host_lib = _compile(gcc, out / "host.so", {"stat.c": STAT_C, "random.c": RANDOM_C})
    host_stripped = out / "host-stripped.so"
    shutil.copy(host_lib, host_stripped)
    _run(["strip", "-s", str(host_stripped)], out)
    zig = {
        goarch: _compile([*Target(goarch).cc(), "-shared", "-fPIC", "-O2"], out / f"zig-{goarch}.so", {"s.c": STAT_C})
        for goarch in ("amd64", "arm64")
    }
    dep = _compile(gcc, out / "libdep.so", {"dep.c": DEP_C}, "-Wl,-soname,libdep.so.1", "-Wl,-z,pack-relative-relocs")
    user = _compile(gcc, out / "user.so", {"user.c": USER_C}, f"-L{out}", "-ldep")
    plain = _compile(gcc, out / "libplain.so", {"plain.c": DEP_C})
    plain_user = _compile(gcc, out / "plain-user.so", {"user.c": USER_C}, f"-L{out}", "-lplain")
    private = _compile(gcc, out / "private.so", {"private.c": PRIVATE_C}, "/lib64/ld-linux-x86-64.so.2")
    return Built(
        host_lib=host_lib,
        host_stripped=host_stripped,
        host_exe=_compile(["gcc", "-no-pie"], out / "main", {"main.c": MAIN_C}),
        zig_x86_64=zig["amd64"],
        zig_aarch64=zig["arm64"],
        dep=dep,
        user=user,
        plain=plain,
        plain_user=plain_user,
        private=private,
        nolibc=_compile([*gcc, "-nostdlib"], out / "nolibc.so", {"nolibc.c": NOLIBC_C}),
    )


def _readelf(path: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """binutils' view: version -> the dynamic symbols bound to it, and version -> its vn_files."""
    text = subprocess.run(
        ["readelf", "-V", "--dyn-syms", "-W", str(path)], capture_output=True, text=True, check=True
    ).stdout
    symbols: dict[str, set[str]] = {}
    for name, version in re.findall(r"^\s*\d+:(?:\s+\S+){6}\s+([^@\s]+)@([^@\s]+) \(\d+\)$", text, re.M):
        symbols.setdefault(version, set()).add(name)
    files: dict[str, set[str]] = {}
    needs = text.partition("Version needs section")[2]
    library = ""
    for line in needs.splitlines():
        if match := re.search(r"File: (\S+)", line):
            library = match[1]
        elif match := re.search(r"Name: (\S+)", line):
            files.setdefault(match[1], set()).add(library)
    return symbols, files


def _real_modules() -> list[Path]:
    found = []
    for name in ("pydantic_core._pydantic_core", "yaml._yaml"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, f"{name} is not installed in this venv"
        found.append(Path(spec.origin))
    return found


def _libpython() -> Path:
    path = Path(str(sysconfig.get_config_var("LIBDIR"))) / str(sysconfig.get_config_var("INSTSONAME"))
    assert path.is_file(), f"{path}: this interpreter is not built with --enable-shared"
    return path


def _lines(error: pytest.ExceptionInfo[BuildError]) -> list[str]:
    return [line.strip() for line in str(error.value).splitlines()]


# -- parsing -------------------------------------------------------------------------------------


def test_host_library_versions_and_symbols(built: Built) -> None:
    info = read_elf(built.host_lib.read_bytes())
    assert info.machine == "x86_64"
    assert info.needed == ("libc.so.6",)
    assert info.soname is None
    assert info.symbol_versions["GLIBC_2.33"] == ("fstat", "stat")
    assert info.symbol_versions["GLIBC_2.25"] == ("getrandom",)
    assert info.symbol_versions["GLIBC_2.14"] == ("memcpy",)
    assert info.symbol_versions["GLIBC_2.2.5"] == ("__cxa_finalize",)
    assert list(info.symbol_versions) == ["GLIBC_2.2.5", "GLIBC_2.14", "GLIBC_2.25", "GLIBC_2.33"]
    assert info.version_files == {version: ("libc.so.6",) for version in info.symbol_versions}
    assert info.glibc_required == (2, 33)


@pytest.mark.parametrize(
    "which", ["host_lib", "host_stripped", "host_exe", "zig_x86_64", "zig_aarch64", "dep", "user", "private"]
)
def test_matches_readelf(built: Built, which: str) -> None:
    path: Path = getattr(built, which)
    _check_against_readelf(path)


@pytest.mark.parametrize("path", [*_real_modules(), _libpython()], ids=lambda path: path.name)
def test_real_files_match_readelf(path: Path) -> None:
    info = _check_against_readelf(path)
    assert info.machine == "x86_64"
    assert info.glibc_required is not None


def _check_against_readelf(path: Path) -> ElfInfo:
    info = read_elf(path.read_bytes())
    symbols, files = _readelf(path)
    assert files, f"readelf found no version needs in {path}: nothing was compared"
    assert {version: set(names) for version, names in info.symbol_versions.items() if names} == symbols
    assert {version: set(libraries) for version, libraries in info.version_files.items()} == files
    assert set(info.symbol_versions) == set(files)
    return info


def test_stripped_file_reads_the_same(built: Built) -> None:
    def section_names(path: Path) -> str:
        return subprocess.run(["readelf", "-S", "-W", str(path)], capture_output=True, text=True, check=True).stdout

    assert ".symtab" in section_names(built.host_lib)
    assert ".symtab" not in section_names(built.host_stripped)  # the strip did happen
    assert read_elf(built.host_stripped.read_bytes()) == read_elf(built.host_lib.read_bytes())


def test_hidden_bit_of_version_indexes_is_ignored(built: Built) -> None:
    """Bit 15 of a ``.gnu.version`` entry only hides the symbol; the loader masks it off."""
    data = built.host_lib.read_bytes()
    headers = subprocess.run(["readelf", "-S", "-W", str(built.host_lib)], capture_output=True, text=True, check=True)
    match = re.search(r"\.gnu\.version\s+VERSYM\s+\S+\s+(\S+)\s+(\S+)", headers.stdout)
    assert match, headers.stdout
    offset, size = int(match[1], 16), int(match[2], 16)
    hidden = bytearray(data)
    for entry in range(offset, offset + size, 2):
        struct.pack_into("<H", hidden, entry, struct.unpack_from("<H", data, entry)[0] | 0x8000)
    assert hidden != data
    assert read_elf(bytes(hidden)).symbol_versions == read_elf(data).symbol_versions


def test_executable_counts_copy_relocated_data(built: Built) -> None:
    info = read_elf(built.host_exe.read_bytes())
    assert "stdout" in info.symbol_versions["GLIBC_2.2.5"]  # defined here (.bss), yet glibc's
    assert info.symbol_versions["GLIBC_2.34"] == ("__libc_start_main",)
    assert info.glibc_required == (2, 34)


def test_zig_builds_for_the_targets(built: Built) -> None:
    amd64 = read_elf(built.zig_x86_64.read_bytes())
    arm64 = read_elf(built.zig_aarch64.read_bytes())
    assert (amd64.machine, arm64.machine) == ("x86_64", "aarch64")
    assert "__xstat" in amd64.symbol_versions["GLIBC_2.2.5"]  # glibc 2.17's stat, not 2.33's
    assert set(arm64.symbol_versions) == {"GLIBC_2.17"}  # aarch64's base version
    assert {"__xstat", "__fxstat"} <= set(arm64.symbol_versions["GLIBC_2.17"])
    assert amd64.glibc_required is not None and amd64.glibc_required <= BASELINE
    assert arm64.glibc_required == BASELINE


def test_soname_needed_and_feature_versions(built: Built) -> None:
    dep = read_elf(built.dep.read_bytes())
    assert dep.soname == "libdep.so.1"
    assert dep.symbol_versions["GLIBC_ABI_DT_RELR"] == ()  # a loader feature: no symbol uses it
    assert dep.glibc_required == (2, 36)
    assert "libdep.so.1" in read_elf(built.user.read_bytes()).needed
    private = read_elf(built.private.read_bytes())
    assert private.symbol_versions == {"GLIBC_PRIVATE": ("__libc_enable_secure",)}
    assert private.version_files == {"GLIBC_PRIVATE": ("ld-linux-x86-64.so.2",)}
    assert private.glibc_required is None
    nolibc = read_elf(built.nolibc.read_bytes())
    assert (nolibc.needed, dict(nolibc.symbol_versions), nolibc.glibc_required) == ((), {}, None)


def test_every_stdlib_extension_module_parses() -> None:
    dynload = Path(str(sysconfig.get_config_var("DESTSHARED")))
    modules = sorted(dynload.glob("*.so"))
    assert len(modules) > 10, f"no extension modules in {dynload}"
    infos = {module.name: read_elf(module.read_bytes()) for module in modules}
    assert {info.machine for info in infos.values()} == {"x86_64"}
    assert infos[f"math{sysconfig.get_config_var('EXT_SUFFIX')}"].glibc_required is not None


def test_is_elf() -> None:
    assert is_elf(b"\x7fELF\x02\x01")
    assert not is_elf(b"#!/bin/sh\n")
    assert not is_elf(b"\x7fEL")


# -- damaged and foreign input -------------------------------------------------------------------


def test_not_64_bit_little_endian(built: Built) -> None:
    data = bytearray(built.host_lib.read_bytes())
    for offset, value in ((4, 1), (5, 2)):  # EI_CLASS = ELFCLASS32, EI_DATA = ELFDATA2MSB
        damaged = bytearray(data)
        damaged[offset] = value
        with pytest.raises(BuildError, match="not a 64-bit little-endian ELF"):
            read_elf(bytes(damaged))
    with pytest.raises(BuildError, match="not an ELF file"):
        read_elf(b"PK\x03\x04")


def test_truncated_files_raise_build_error(built: Built) -> None:
    data = built.host_lib.read_bytes()
    cuts = sorted({*range(0, len(data), 61), 4, 6, 63, 64, len(data) - 1})
    for cut in cuts:
        with pytest.raises(BuildError):
            read_elf(data[:cut])


def test_damaged_headers_raise_build_error(built: Built) -> None:
    data = built.host_lib.read_bytes()
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    for offset, layout, value in (
        (0x28, "<Q", 2**63),  # e_shoff
        (0x28, "<Q", 0),
        (0x3A, "<H", 40),  # e_shentsize
        (0x3C, "<H", 0xFFFF),  # e_shnum
    ):
        damaged = bytearray(data)
        struct.pack_into(layout, damaged, offset, value)
        with pytest.raises(BuildError):
            read_elf(bytes(damaged))
    shnum = struct.unpack_from("<H", data, 0x3C)[0]
    for index in range(1, shnum):  # each section's sh_offset, then its sh_link, pointing nowhere
        for field, layout, value in ((0x18, "<Q", 2**40), (0x28, "<I", 0xFFFF)):
            damaged = bytearray(data)
            struct.pack_into(layout, damaged, shoff + index * 64 + field, value)
            if field == 0x18:
                with pytest.raises(BuildError):
                    read_elf(bytes(damaged))
            else:  # only the sections read follow their link: the rest parse as before
                try:
                    read_elf(bytes(damaged))
                except BuildError as exc:
                    assert "links to section 65535" in str(exc)


def test_random_corruption_never_crashes(built: Built) -> None:
    """Garbage in the headers and dynamic sections is a ``BuildError`` or a result, never a crash."""
    data = built.host_lib.read_bytes()
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    targets = [*range(0, 0x700), *range(shoff, len(data))]  # headers, .dynsym, .dynstr, versions
    rng = random.Random(20240617)
    outcomes = {"parsed": 0, "rejected": 0}
    for _ in range(1500):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            damaged[rng.choice(targets)] = rng.randrange(256)
        try:
            read_elf(bytes(damaged))
            outcomes["parsed"] += 1
        except BuildError:
            outcomes["rejected"] += 1
    assert outcomes["rejected"] > 0 and outcomes["parsed"] > 0, outcomes


# -- the baseline check --------------------------------------------------------------------------


@pytest.mark.parametrize("goarch", ["amd64", "arm64"])
def test_zig_build_passes_the_baseline(built: Built, goarch: str) -> None:
    target = Target(goarch)
    library = built.zig_x86_64 if goarch == "amd64" else built.zig_aarch64
    files = {"site/stat.so": library.read_bytes(), "site/stat.py": b"import os\n"}
    check_baseline(files, machine=target.machine, glibc=target.glibc)


def test_host_build_fails_naming_file_and_symbols(built: Built) -> None:
    files = {"site/foo.so": built.host_lib.read_bytes()}
    with pytest.raises(BuildError) as error:
        check_baseline(files, machine="x86_64", glibc=BASELINE)
    lines = _lines(error)
    assert lines[0] == "these files of the bundle will not load on the target (x86_64, glibc 2.17):"
    assert lines[1:3] == [
        "site/foo.so needs GLIBC_2.25 (getrandom) but the target's baseline is glibc 2.17",
        "site/foo.so needs GLIBC_2.33 (fstat, stat) but the target's baseline is glibc 2.17",
    ]
    assert "zig cc -target x86_64-linux-gnu.2.17" in lines[-1]
    assert "manylinux2014_x86_64" in lines[-1]
    check_baseline(files, machine="x86_64", glibc=(2, 33))  # exactly what it needs: fine
    with pytest.raises(BuildError, match=r"needs GLIBC_2\.33 \(fstat, stat\)"):
        check_baseline(files, machine="x86_64", glibc=(2, 32))


def test_missing_needed_library(built: Built) -> None:
    user, dep = built.user.read_bytes(), built.dep.read_bytes()
    glibc = (2, 36)  # libdep uses DT_RELR; only the library search is under test
    with pytest.raises(BuildError) as error:
        check_baseline({"site/user.so": user}, machine="x86_64", glibc=glibc)
    assert "site/user.so needs libdep.so.1, which is neither part of glibc nor shipped in the bundle" in _lines(error)
    check_baseline({"site/user.so": user, "lib/libdep.so.1": dep}, machine="x86_64", glibc=glibc)
    check_baseline({"site/user.so": user, "lib/renamed.so": dep}, machine="x86_64", glibc=glibc)  # by DT_SONAME
    with pytest.raises(BuildError, match="needs libdep.so.1"):  # a file of that name that is no library
        check_baseline({"site/user.so": user, "lib/libdep.so.1": b"not a library"}, machine="x86_64", glibc=glibc)


def test_needed_library_without_soname_is_found_by_file_name(built: Built) -> None:
    plain, plain_user = built.plain.read_bytes(), built.plain_user.read_bytes()
    assert read_elf(plain).soname is None
    assert "libplain.so" in read_elf(plain_user).needed
    glibc = (2, 36)
    check_baseline({"site/user.so": plain_user, "lib/libplain.so": plain}, machine="x86_64", glibc=glibc)
    with pytest.raises(BuildError, match="site/user.so needs libplain.so, which is neither"):
        check_baseline({"site/user.so": plain_user, "lib/libplain.so.1": plain}, machine="x86_64", glibc=glibc)


def test_glibc_sonames_cover_both_targets(built: Built) -> None:
    zig_needed = {*read_elf(built.zig_x86_64.read_bytes()).needed, *read_elf(built.zig_aarch64.read_bytes()).needed}
    module_needed = {name for path in _real_modules() for name in read_elf(path.read_bytes()).needed}
    assert zig_needed | module_needed <= GLIBC_SONAMES
    assert {"ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libgcc_s.so.1"} <= GLIBC_SONAMES
    assert "libcrypt.so.1" not in GLIBC_SONAMES and "libstdc++.so.6" not in GLIBC_SONAMES


def test_wrong_machine(built: Built) -> None:
    with pytest.raises(BuildError) as error:
        check_baseline({"site/stat.so": built.zig_aarch64.read_bytes()}, machine="x86_64", glibc=BASELINE)
    assert "site/stat.so is for aarch64, not x86_64" in _lines(error)
    with pytest.raises(BuildError, match="site/stat.so is for x86_64, not aarch64"):
        check_baseline({"site/stat.so": built.zig_x86_64.read_bytes()}, machine="aarch64", glibc=BASELINE)


def test_private_and_feature_versions_are_reported(built: Built) -> None:
    with pytest.raises(BuildError) as error:
        check_baseline({"private.so": built.private.read_bytes()}, machine="x86_64", glibc=(2, 99))
    assert _lines(error)[1] == (
        "private.so needs GLIBC_PRIVATE (__libc_enable_secure): glibc's internals, which change with every glibc build"
    )
    with pytest.raises(BuildError, match=r"libdep\.so needs GLIBC_ABI_DT_RELR \(glibc 2\.36\) but"):
        check_baseline({"libdep.so": built.dep.read_bytes()}, machine="x86_64", glibc=(2, 35))
    check_baseline({"libdep.so": built.dep.read_bytes()}, machine="x86_64", glibc=(2, 36))


def test_one_error_lists_every_file_in_order(built: Built) -> None:
    files = {
        "c/broken.so": built.host_lib.read_bytes()[:200],
        "b/host.so": built.host_lib.read_bytes(),
        "a/arm.so": built.zig_aarch64.read_bytes(),
        "a/notes.txt": b"not ELF, ignored",
        "a/good.so": built.zig_x86_64.read_bytes(),
    }
    with pytest.raises(BuildError) as error:
        check_baseline(files, machine="x86_64", glibc=BASELINE)
    problems = _lines(error)[1:-1]
    assert [line.split()[0] for line in problems] == ["a/arm.so", "b/host.so", "b/host.so", "c/broken.so"]
    assert problems[-1].startswith("c/broken.so cannot be checked: truncated or damaged ELF")


def test_baseline_report(built: Built) -> None:
    files = {
        "host.so": built.host_lib.read_bytes(),
        "arm.so": built.zig_aarch64.read_bytes(),
        "private.so": built.private.read_bytes(),
        "nolibc.so": built.nolibc.read_bytes(),
        "broken.so": built.host_lib.read_bytes()[:100],
        "notes.txt": b"ignored",
    }
    report = baseline_report(files)
    assert report.pop("broken.so").startswith("unreadable: truncated or damaged ELF")
    assert report == {
        "arm.so": "aarch64, glibc 2.17",
        "host.so": "x86_64, glibc 2.33",
        "nolibc.so": "x86_64, no glibc version",
        "private.so": "x86_64, no glibc version, GLIBC_PRIVATE",
    }
    modules = {path.name: path.read_bytes() for path in _real_modules()}
    assert all(re.fullmatch(r"x86_64, glibc 2\.\d+", value) for value in baseline_report(modules).values())
