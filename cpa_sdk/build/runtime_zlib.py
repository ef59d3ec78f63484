"""zlib for the relocatable runtime: built from source with zig, linked statically into CPython.

CPython 3.11 carries no zlib of its own, and the runtime cannot use the build machine's (its
headers and ``libz.so`` belong to this machine's glibc, and the target may have no libz at all),
yet ``gzip``, ``zipfile``'s deflate and ``zlib`` itself are needed. So zlib's source is compiled
for the target into a static, position-independent ``libz.a`` that configure links into the
``zlib`` and ``binascii`` extension modules (``ZLIB_CFLAGS``/``ZLIB_LIBS``). Its symbols are
hidden, so that the zlib inside those modules never interposes on, or is interposed by, another
zlib in CPA's process.

The tarball is Debian's ``zlib_<version>.dfsg.orig.tar.bz2`` (``scripts/cpython-source`` stores it
beside the CPython tarball) or zlib.net's ``zlib-<version>.tar.gz``/``.tar.xz``.
"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cpa_sdk.build.spec import BuildError

__all__ = ["ZLIB_PATTERNS", "Zlib", "build_zlib", "find_zlib_source"]

ZLIB_PATTERNS: Final = ("zlib_*.orig.tar.*", "zlib-*.tar.*")
"""Names of zlib source tarballs looked for beside the CPython tarball."""

_SOURCES: Final = (
    "adler32",
    "compress",
    "crc32",
    "deflate",
    "gzclose",
    "gzlib",
    "gzread",
    "gzwrite",
    "infback",
    "inffast",
    "inflate",
    "inftrees",
    "trees",
    "uncompr",
    "zutil",
)
"""zlib's library proper (its Makefile's OBJZ and OBJG): no examples, no minigzip."""

_CFLAGS: Final = (
    "-O2",
    "-g0",
    "-fPIC",  # linked into shared extension modules
    "-fvisibility=hidden",
    # What zlib's own configure defines on Linux: 64-bit gz* offsets, internal symbols hidden.
    "-D_LARGEFILE64_SOURCE=1",
    "-DHAVE_HIDDEN",
    "-Wno-deprecated-non-prototype",  # zlib 1.2.x still defines its functions K&R-style
)


@dataclass(frozen=True)
class Zlib:
    """A built zlib: what configure's ``ZLIB_CFLAGS`` and ``ZLIB_LIBS`` point at."""

    include: Path
    library: Path


def find_zlib_source(cpython_source: Path) -> Path | None:
    """A zlib source tarball in the CPython tarball's directory, the newest name first."""
    found = sorted({p for pattern in ZLIB_PATTERNS for p in cpython_source.parent.glob(pattern) if p.is_file()})
    return found[-1] if found else None


def build_zlib(tarball: Path, work: Path, cc: Path, ar: Path, run: Callable[[list[str], Path], None]) -> Zlib:
    """Compile ``tarball``'s zlib with ``cc`` into ``work/libz.a``; ``run(command, cwd)`` runs a step."""
    work.mkdir(parents=True)
    try:
        with tarfile.open(tarball) as archive:
            archive.extractall(work, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise BuildError(f"cannot unpack the zlib source {tarball}: {exc}") from None
    tops = [p for p in work.iterdir() if (p / "zlib.h").is_file()]
    if len(tops) != 1 or not all((tops[0] / f"{name}.c").is_file() for name in _SOURCES):
        raise BuildError(
            f"{tarball} is not a zlib source tarball: expected one directory holding zlib.h and "
            f"{', '.join(name + '.c' for name in _SOURCES)}"
        )
    source = tops[0]
    objects = []
    for name in _SOURCES:
        objects.append(f"{name}.o")
        run([str(cc), *_CFLAGS, "-c", f"{name}.c", "-o", objects[-1]], source)
    run([str(ar), "rcs", "libz.a", *objects], source)
    return Zlib(source, source / "libz.a")
