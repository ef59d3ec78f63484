"""What the ELF files of a bundle ask of the machine that loads them, checked before shipping.

A bundle runs wherever CPA runs: amd64 or arm64 with glibc 2.17 or newer (``target``). One of
its libraries built on this machine instead (a C extension compiled with the host's gcc, a wheel
tagged ``manylinux_2_34``) loads here and every test passes, then fails on the user's machine
with ``version `GLIBC_2.34' not found`` or ``libfoo.so.3: cannot open shared object file``. The
only place that failure can be caught early is the build, by reading what each file asks for:

* ``e_machine``: the architecture it was compiled for;
* ``DT_NEEDED``: the libraries the dynamic loader must find, which must be glibc's own or
  shipped in the payload (the loader is told where; nothing else of the machine can be assumed);
* ``.gnu.version_r``: the symbol versions it needs from each of them. glibc never removes a
  version, so the highest ``GLIBC_x.y`` needed is the oldest glibc the file loads on.

Only the section headers are read, the way ``readelf -V --dyn-syms`` reads them: ``strip -s``
keeps them (and ``.dynsym``/``.dynstr``, which the loader itself needs). Both targets are ELF64
little-endian, so nothing else is parsed. The input comes from wheels and build trees, not from
us: every offset is bounds-checked, and a damaged file is a ``BuildError``, not a crash.
"""

from __future__ import annotations

import posixpath
import re
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from cpa_sdk.build.spec import BuildError

__all__ = ["GLIBC_SONAMES", "ElfInfo", "baseline_report", "check_baseline", "is_elf", "read_elf"]

GLIBC_SONAMES: Final = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "libpthread.so.0",
        "librt.so.1",
        "libutil.so.1",
        "libresolv.so.2",
        "libanl.so.1",
        "libmvec.so.1",
        "ld-linux-x86-64.so.2",
        "ld-linux-aarch64.so.1",
        "libgcc_s.so.1",
    }
)
"""The libraries every glibc machine has, on both targets, which a bundle may need unshipped.

``libgcc_s.so.1`` is not glibc's, but glibc itself loads it (``pthread_cancel`` and
``backtrace`` unwind through it), so no working glibc system lacks it; manylinux allows it too.
``libcrypt.so.1`` is left out although old glibcs built it: glibc 2.38 stopped building it by
default, distributions moved to libxcrypt (Fedora 30 keeps ``libcrypt.so.1`` only in an optional
``libxcrypt-compat``), and auditwheel dropped it from manylinux's allowed libraries in 2019
(pypa/auditwheel#182). A file needing it (the stdlib's ``_crypt``) must bring it along, or stay
out of the bundle. ``libnsl`` (no longer installed by glibc since 2.28) and ``libstdc++`` (never
glibc's) must be shipped too.
"""

_MACHINES: Final = {62: "x86_64", 183: "aarch64"}
_GLIBC_VERSION: Final = re.compile(r"GLIBC_([0-9]+)\.([0-9]+)(?:\.[0-9]+)?")
_GLIBC_FEATURES: Final = {"GLIBC_ABI_DT_RELR": (2, 36)}
"""Versions that name a loader feature, not a release: ``ld -z pack-relative-relocs`` adds this one."""

_EHDR: Final = struct.Struct("<16xHHIQQQIHHHHHH")  # e_ident is checked apart
_SHDR: Final = struct.Struct("<IIQQQQIIQQ")
_DYN: Final = struct.Struct("<qQ")
_SYM: Final = struct.Struct("<IBBHQQ")
_VERSYM: Final = struct.Struct("<H")
_VERNEED: Final = struct.Struct("<HHIII")
_VERNAUX: Final = struct.Struct("<IHHII")

_SHT_DYNAMIC: Final = 6
_SHT_NOBITS: Final = 8
_SHT_DYNSYM: Final = 11
_SHT_GNU_VERNEED: Final = 0x6FFFFFFE
_SHT_GNU_VERSYM: Final = 0x6FFFFFFF
_DT_NULL, _DT_NEEDED, _DT_SONAME = 0, 1, 14
_VERSYM_HIDDEN: Final = 0x8000


@dataclass(frozen=True)
class ElfInfo:
    """What one ELF file needs of the machine that loads it."""

    machine: str
    """``x86_64``, ``aarch64``, or ``EM_<number>`` for any other ``e_machine``."""
    needed: tuple[str, ...] = ()
    """``DT_NEEDED``, in the order the loader searches them."""
    soname: str | None = None
    symbol_versions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each version needed (``GLIBC_2.14``) -> the dynamic symbols bound to it, sorted.

    A version can have no symbol (``GLIBC_ABI_DT_RELR`` asks the loader for a feature), and
    copy-relocated data (``stdout`` in an executable) counts even though it is defined here.
    """
    version_files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Each version needed -> the libraries it is needed from (``vn_file``), sorted."""

    @property
    def glibc_required(self) -> tuple[int, int] | None:
        """The oldest glibc this file loads on, from its highest ``GLIBC_x.y[.z]``; ``None`` if none.

        ``GLIBC_2.2.5`` counts as 2.2: the few three-part versions (2.2.5, 2.3.4) are far older
        than any baseline, which is always a ``major.minor`` release.
        """
        found = [_glibc_version(name) for name in self.symbol_versions]
        return max((version for version in found if version is not None), default=None)


def is_elf(data: bytes) -> bool:
    return data[:4] == b"\x7fELF"


def read_elf(data: bytes) -> ElfInfo:
    """The machine, needed libraries and symbol versions of an ELF64 little-endian file."""
    if not is_elf(data):
        raise BuildError("not an ELF file")
    if data[4:6] != b"\x02\x01":
        raise BuildError("not a 64-bit little-endian ELF")
    header = _unpack(_EHDR, data, 0)
    machine = _MACHINES.get(header[1], f"EM_{header[1]}")
    sections = _sections(data, shoff=header[5], shentsize=header[10], shnum=header[11])

    needed: list[str] = []
    soname: str | None = None
    for dynamic in _of_type(sections, _SHT_DYNAMIC):
        strtab = _linked(sections, dynamic)
        for tag, value in _entries(data, dynamic, _DYN):
            if tag == _DT_NULL:
                break
            if tag == _DT_NEEDED:
                needed.append(_string(data, strtab, value))
            elif tag == _DT_SONAME:
                soname = _string(data, strtab, value)

    names, files = _version_needs(data, sections)
    users: dict[str, set[str]] = {name: set() for name in files}
    for versym in _of_type(sections, _SHT_GNU_VERSYM):  # one version index per .dynsym entry
        dynsym = _linked(sections, versym)
        if dynsym.type != _SHT_DYNSYM:
            raise BuildError("damaged ELF: .gnu.version does not belong to a .dynsym")
        strtab = _linked(sections, dynsym)
        for (name, *_), (index,) in zip(_entries(data, dynsym, _SYM), _entries(data, versym, _VERSYM)):
            version = names.get(index & ~_VERSYM_HIDDEN)
            if version is not None and name:
                users[version].add(_string(data, strtab, name))
    return ElfInfo(
        machine=machine,
        needed=tuple(needed),
        soname=soname,
        symbol_versions={name: tuple(sorted(users[name])) for name in sorted(users, key=_release_order)},
        version_files={name: tuple(sorted(files[name])) for name in sorted(files, key=_release_order)},
    )


def check_baseline(files: Mapping[str, bytes], *, machine: str, glibc: tuple[int, int]) -> None:
    """``BuildError`` listing every ELF among ``files`` that will not load on the target.

    ``files`` is the payload (name -> bytes); anything that is not ELF is skipped. A needed
    library is satisfied by glibc (``GLIBC_SONAMES``) or by another ELF in ``files`` whose
    ``DT_SONAME`` or file name matches, since the bundle's loader puts them all on the search path.
    """
    infos: dict[str, ElfInfo | BuildError] = {}
    for name in sorted(files):
        if is_elf(files[name]):
            try:
                infos[name] = read_elf(files[name])
            except BuildError as exc:
                infos[name] = exc
    readable = {name: info for name, info in infos.items() if isinstance(info, ElfInfo)}
    shipped = {posixpath.basename(name) for name in readable}
    shipped.update(info.soname for info in readable.values() if info.soname)
    baseline = f"{glibc[0]}.{glibc[1]}"
    problems = []
    for name, info in infos.items():
        if isinstance(info, BuildError):
            problems.append(f"{name} cannot be checked: {info}")
        else:
            problems.extend(f"{name} {problem}" for problem in _problems(info, machine, glibc, baseline, shipped))
    if problems:
        raise BuildError(
            f"these files of the bundle will not load on the target ({machine}, glibc {baseline}):\n"
            + "".join(f"  {problem}\n" for problem in problems)
            + f"Build C code for the target with zig (zig cc -target {machine}-linux-gnu.{baseline}),"
            f" install wheels built for it (manylinux2014_{machine}: pip install --only-binary=:all:"
            f" --platform manylinux2014_{machine}) instead of ones built on this machine, and ship"
            " every library they need that is not glibc's in the bundle."
        )


def baseline_report(files: Mapping[str, bytes]) -> dict[str, str]:
    """Each ELF among ``files`` -> ``"x86_64, glibc 2.14"``: its machine and the oldest glibc it loads on.

    For verbose output and the docs; ``check_baseline`` is what enforces the target's.
    """
    report: dict[str, str] = {}
    for name in sorted(files):
        if not is_elf(files[name]):
            continue
        try:
            info = read_elf(files[name])
        except BuildError as exc:
            report[name] = f"unreadable: {exc}"
            continue
        required = info.glibc_required
        parts = [info.machine, f"glibc {required[0]}.{required[1]}" if required else "no glibc version"]
        if "GLIBC_PRIVATE" in info.symbol_versions:
            parts.append("GLIBC_PRIVATE")
        report[name] = ", ".join(parts)
    return report


def _problems(info: ElfInfo, machine: str, glibc: tuple[int, int], baseline: str, shipped: set[str]) -> Iterator[str]:
    if info.machine != machine:
        yield f"is for {info.machine}, not {machine}"
    for version, symbols in info.symbol_versions.items():
        if not version.startswith("GLIBC_"):
            continue  # another library's own versions (GCC_3.0 of libgcc_s, a shipped library's)
        used = f" ({', '.join(symbols)})" if symbols else ""
        number = _glibc_version(version)
        if version == "GLIBC_PRIVATE":
            yield f"needs GLIBC_PRIVATE{used}: glibc's internals, which change with every glibc build"
        elif number is None:
            yield f"needs {version}{used}, which glibc {baseline} may not have (an unknown glibc version)"
        elif number > glibc:
            release = "" if _GLIBC_VERSION.fullmatch(version) else f" (glibc {number[0]}.{number[1]})"
            yield f"needs {version}{release}{used} but the target's baseline is glibc {baseline}"
    for library in info.needed:
        if library not in GLIBC_SONAMES and library not in shipped:
            yield f"needs {library}, which is neither part of glibc nor shipped in the bundle"


def _release_order(name: str) -> tuple[str | int, ...]:
    """``GLIBC_2.2.5`` before ``GLIBC_2.3`` before ``GLIBC_2.14``, as people read them."""
    parts = re.split(r"([0-9]+)", name)  # text, number, text, ...: comparable position by position
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


def _glibc_version(name: str) -> tuple[int, int] | None:
    """The glibc release that introduced version ``name``; ``None`` if not known."""
    match = _GLIBC_VERSION.fullmatch(name)
    return (int(match[1]), int(match[2])) if match else _GLIBC_FEATURES.get(name)


@dataclass(frozen=True)
class _Section:
    type: int
    offset: int
    size: int
    link: int
    info: int


def _unpack(layout: struct.Struct, data: bytes, offset: int, end: int | None = None) -> tuple[int, ...]:
    """``layout`` at ``offset``, which must end by ``end`` (default: the end of the file)."""
    limit = len(data) if end is None else min(end, len(data))
    if offset < 0 or offset + layout.size > limit:
        raise BuildError(f"truncated or damaged ELF: {layout.size} bytes at offset {offset} are out of range")
    return layout.unpack_from(data, offset)


def _sections(data: bytes, *, shoff: int, shentsize: int, shnum: int) -> list[_Section]:
    if shoff == 0:
        raise BuildError("ELF without section headers: its dynamic symbols cannot be found")
    if shentsize != _SHDR.size:
        raise BuildError(f"damaged ELF: section headers of {shentsize} bytes, not {_SHDR.size}")
    if shnum == 0:  # more than 0xff00 sections: the count is in the first header (ELF gABI)
        shnum = _unpack(_SHDR, data, shoff)[5]
    if shoff + shnum * _SHDR.size > len(data):
        raise BuildError(f"truncated or damaged ELF: {shnum} section headers at offset {shoff} are out of range")
    sections = []
    for index in range(shnum):
        _, kind, _, _, offset, size, link, info, _, _ = _unpack(_SHDR, data, shoff + index * _SHDR.size)
        if kind == _SHT_NOBITS:
            size = 0
        if offset + size > len(data):
            raise BuildError(f"truncated or damaged ELF: section {index} ends past the end of the file")
        sections.append(_Section(kind, offset, size, link, info))
    return sections


def _of_type(sections: list[_Section], kind: int) -> list[_Section]:
    return [section for section in sections if section.type == kind]


def _linked(sections: list[_Section], section: _Section) -> _Section:
    if not 0 < section.link < len(sections):
        raise BuildError(f"damaged ELF: a section links to section {section.link}, which does not exist")
    return sections[section.link]


def _entries(data: bytes, section: _Section, layout: struct.Struct) -> Iterator[tuple[int, ...]]:
    end = section.offset + section.size
    for offset in range(section.offset, end - layout.size + 1, layout.size):
        yield _unpack(layout, data, offset, end)


def _string(data: bytes, strtab: _Section, offset: int) -> str:
    start = strtab.offset + offset
    end = data.find(b"\0", start, strtab.offset + strtab.size)
    if offset >= strtab.size or end < 0:
        raise BuildError(f"damaged ELF: string {offset} is outside its string table")
    return data[start:end].decode("utf-8", "surrogateescape")


def _version_needs(data: bytes, sections: list[_Section]) -> tuple[dict[int, str], dict[str, set[str]]]:
    """``.gnu.version_r``: version index -> name, and name -> the libraries it comes from.

    The entries are linked lists of relative offsets; following at most ``sh_info`` files of at
    most ``vn_cnt`` versions each keeps a damaged chain from looping forever.
    """
    names: dict[int, str] = {}
    files: dict[str, set[str]] = {}
    for verneed in _of_type(sections, _SHT_GNU_VERNEED):
        strtab = _linked(sections, verneed)
        end = verneed.offset + verneed.size
        offset = verneed.offset
        for _ in range(verneed.info):
            _, count, file_name, aux, following = _unpack(_VERNEED, data, offset, end)
            library = _string(data, strtab, file_name)
            entry = offset + aux
            for _ in range(count):
                _, _, index, name, next_entry = _unpack(_VERNAUX, data, entry, end)
                version = _string(data, strtab, name)
                names[index & ~_VERSYM_HIDDEN] = version
                files.setdefault(version, set()).add(library)
                if not next_entry:
                    break
                entry += next_entry
            if not following:
                break
            offset += following
    return names, files
