"""Builds the relocatable CPython a bundle embeds, from CPython's source tarball, with zig.

CPA's machines (linux amd64 and arm64, glibc 2.17 or newer) have no Python, and a CPython
compiled on this machine would ask for its glibc (2.36 on Debian 12). zig's C compiler carries
the headers and link stubs of glibc 2.17 for both architectures (``cpa_sdk.build.target``), so
CPython is configured in *cross* mode for the target triple even when the architecture is this
machine's: then neither configure nor setup.py runs target programs or looks into this machine's
``/usr/include`` and ``/usr/lib``, whose glibc 2.36 headers must never be mixed with zig's. What
configure cannot probe by running programs, ``CONFIG_SITE`` says; whatever glibc 2.17 lacks
(``getrandom``, ``copy_file_range``, ``memfd_create``...) simply fails configure's link checks
against zig's 2.17 stubs, and CPython falls back as it does on old systems.

The result has python-build-standalone's ``install_only`` layout (``bin/python3.X`` with the rpath
``$ORIGIN/../lib``, ``lib/libpython3.X.so.1.0``, ``lib/python3.X/``, ``include/python3.X/``) plus
``cpa-runtime.json``, and is cached once per CPython version and target under
``runtime_cache_root()``. It is built in a temporary directory beside its final place and renamed
into it at the end, so a half-built runtime is never found.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import py_compile
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

from cpa_sdk.build.cache import user_cache
from cpa_sdk.build.runtime_zlib import ZLIB_PATTERNS, build_zlib, find_zlib_source
from cpa_sdk.build.spec import BuildError
from cpa_sdk.build.target import Target, zig_command

__all__ = [
    "RUNTIME_JSON",
    "build_runtime",
    "cached_runtimes",
    "find_cached_runtime",
    "read_runtime_info",
    "runtime_cache_root",
    "source_version",
]

RUNTIME_JSON: Final = "cpa-runtime.json"
ROOT_ENV: Final = "CPA_SDK_RUNTIMES"
PREFIX: Final = "/install"
"""The configured prefix, as python-build-standalone's; never used at run time, where CPython
finds its prefix from its executable (or from the home the embedding shim gives it)."""

SCRUBBED: Final = "/cpa-sdk-build"
"""What the build directory's path reads as in the runtime's build-time records."""

_TOP_DIR: Final = re.compile(r"^Python-(\d+)\.(\d+)\.(\d+)$")
_RUNTIME_DIR: Final = re.compile(r"^cpython-(\d+)\.(\d+)\.(\d+)-(.+)$")
_LOG_TAIL: Final = 40

REQUIRED_MODULES: Final = frozenset(
    {
        "zlib",
        "binascii",
        "_decimal",
        "pyexpat",
        "_elementtree",
        "_md5",
        "_sha1",
        "_sha256",
        "_sha512",
        "_sha3",
        "_blake2",
        "_json",
        "_pickle",
        "_datetime",
        "_struct",
        "math",
        "select",
        "_socket",
        "mmap",
        "_posixsubprocess",
        "unicodedata",
        "_multibytecodec",
        "_asyncio",
    }
)
"""Extensions whose code CPython (or our zlib) carries: a runtime without one of them is a broken build."""

_SETUP_PY_MODULES: Final = ("_ctypes", "_curses", "_curses_panel", "_dbm", "readline")
"""Extensions that 3.11's setup.py looks for itself: configure's Makefile has no state for them."""

_TEST_MODULE: Final = re.compile(r"^(_test|_ctypes_test$|_xxtestfuzz$|xxlimited)")

# Run checks configure cannot make when cross compiling; true of every Linux with glibc.
_CONFIG_SITE: Final = """\
ac_cv_file__dev_ptmx=yes
ac_cv_file__dev_ptc=no
ac_cv_buggy_getaddrinfo=no
"""

_CC_WRAPPER: Final = """\
#!/bin/sh
# configure wants CC to be one program. zig's linker knows -soname but not its short spelling -h,
# which CPython's Makefile uses for libpython's soname. zig's clang makes __DATE__ an error
# (reproducible builds); CPython's getbuildinfo.c records it in sys.version. __FILE__ strings
# (PyErr_BadInternalCall's, for one) are made relative, so that no path of this machine is shipped.
for arg do
  shift
  case $arg in
    -Wl,-hash*) set -- "$@" "$arg" ;;
    -Wl,-h*) set -- "$@" "-Wl,-soname,${arg#-Wl,-h}" ;;
    *) set -- "$@" "$arg" ;;
  esac
done
exec COMMAND -Wno-error=date-time -ffile-prefix-map=WORK/= "$@"
"""

_DROP: Final = ("test", "idlelib", "tkinter", "turtledemo", "turtle.py", "ensurepip/_bundled", "lib2to3/tests")
"""Parts of the standard library no plugin runs: test suites, GUIs, and pip's wheels."""


def runtime_cache_root() -> Path:
    """``$CPA_SDK_RUNTIMES``, else ``$XDG_CACHE_HOME/cpa-sdk/runtimes``, else ``~/.cache/cpa-sdk/runtimes``."""
    return user_cache("runtimes", override=ROOT_ENV)


def source_version(tarball: Path) -> str:
    """``X.Y.Z`` from the tarball's top directory ``Python-X.Y.Z``: no need to unpack it."""
    try:
        with tarfile.open(tarball) as archive:
            first = archive.next()
    except (OSError, tarfile.TarError) as exc:
        raise BuildError(f"cannot read the CPython source tarball {tarball}: {exc}") from None
    top = first.name.lstrip("./").split("/")[0] if first is not None else ""
    match = _TOP_DIR.match(top)
    if match is None:
        raise BuildError(f"{tarball} is not a CPython source tarball: its top directory is {top!r}, not Python-X.Y.Z")
    return ".".join(match.groups())


def read_runtime_info(runtime: Path) -> dict[str, object]:
    info = json.loads((runtime / RUNTIME_JSON).read_text(encoding="utf-8"))
    if not isinstance(info, dict):
        raise BuildError(f"{runtime / RUNTIME_JSON} is not a JSON object")
    return info


def cached_runtimes() -> list[Path]:
    """Every complete runtime in the cache (a temporary build directory is never one)."""
    root = runtime_cache_root()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if _RUNTIME_DIR.match(p.name) and (p / RUNTIME_JSON).is_file())


def find_cached_runtime(target: Target, minor: tuple[int, int]) -> Path | None:
    """The cached runtime of ``target`` and ``minor`` with the highest patch release."""
    best: tuple[int, Path] | None = None
    for path in cached_runtimes():
        match = _RUNTIME_DIR.match(path.name)
        assert match is not None
        if (int(match[1]), int(match[2])) == minor and match[4] == target.name:
            if best is None or int(match[3]) > best[0]:
                best = (int(match[3]), path)
    return best[1] if best else None


def build_runtime(
    source: Path,
    target: Target,
    *,
    log: Callable[[str], None] = lambda _: None,
    jobs: int | None = None,
    zlib: Path | None = None,
) -> Path:
    """The cached runtime of ``source``'s CPython for ``target``, built first if absent.

    ``zlib`` is a zlib source tarball; by default one beside ``source`` (``runtime_zlib``).
    """
    source = source.resolve()
    version = source_version(source)
    minor = tuple(int(part) for part in version.split(".")[:2])
    if minor != sys.version_info[:2]:
        running = ".".join(map(str, sys.version_info[:3]))
        raise BuildError(
            f"the CPython source {source.name} is version {version}, but this is Python {running}: their "
            f"major.minor versions must match ({minor[0]}.{minor[1]} != {sys.version_info[0]}.{sys.version_info[1]}), "
            "because this interpreter is CPython's build Python and bundles carry .pyc files made for it. "
            f"Use a Python-{sys.version_info[0]}.{sys.version_info[1]}.N tarball, or run cpa-sdk with Python "
            f"{minor[0]}.{minor[1]}"
        )
    root = runtime_cache_root()
    name = f"cpython-{version}-{target.name}"
    final = root / name
    if (final / RUNTIME_JSON).is_file():
        return final
    zig_command()  # BuildError when zig is missing, before anything is unpacked
    zlib = zlib or find_zlib_source(source)
    if zlib is None:
        raise BuildError(
            f"no zlib source tarball beside {source} (looked for {' or '.join(ZLIB_PATTERNS)}): the runtime links "
            "zlib in, built from source. scripts/cpython-source stores Debian's beside CPython's; or pass --zlib "
            "with zlib.net's zlib-1.X.tar.gz"
        )
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=root))
    started = time.monotonic()
    build = _Build(work, source, version, target, zlib.resolve(), jobs, log)
    try:
        runtime = build.run()
        try:
            os.rename(runtime, final)
        except OSError as exc:
            if not (final / RUNTIME_JSON).is_file():
                raise BuildError(f"cannot move the built runtime to {final}: {exc}") from None
            log(f"{final} was built meanwhile by another process; using it")
    except BuildError:
        if build.log_path.is_file():
            os.replace(build.log_path, build.kept_log)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log(f"built {final} in {time.monotonic() - started:.0f}s")
    return final


class _Build:
    """One build in a temporary directory: ``run()`` returns the finished runtime in it."""

    def __init__(
        self,
        work: Path,
        source: Path,
        version: str,
        target: Target,
        zlib: Path,
        jobs: int | None,
        log: Callable[[str], None],
    ) -> None:
        self.work, self.source, self.version, self.target, self.zlib = work, source, version, target, zlib
        self.jobs = jobs or len(os.sched_getaffinity(0))
        self.log = log
        self.ldversion = ".".join(version.split(".")[:2])
        self.log_path = work / "build.log"
        self.kept_log = work.parent / f"cpython-{version}-{target.name}.build.log"
        self.tools = work / "tools"
        self.env = self._environment()

    def run(self) -> Path:
        self.log(f"building CPython {self.version} for {self.target.name} in {self.work} (log: build.log there)")
        src = self._unpack()
        self._write_tools()
        self.log(f"compiling zlib from {self.zlib.name}")
        zlib = build_zlib(self.zlib, self.work / "zlib", self.tools / "cc", self.tools / "ar", self._step)
        build = self.work / "build"
        build.mkdir()
        self.log("configuring (cross, for glibc " + self.target.glibc_text + "): about a minute")
        self._step(self._configure_command(src, zlib.include, zlib.library), build)
        self.log(f"compiling with make -j{self.jobs}: a few minutes")
        # libpython3.so (the stable-ABI forwarder) is left out: zig cannot link a library from a
        # shared library alone, and no Linux extension module links it.
        self._step(["make", f"-j{self.jobs}", "PY3LIBRARY="], build)
        dest = self.work / "dest"
        self._step(["make", "install", f"DESTDIR={dest}", "PY3LIBRARY="], build)
        runtime = self.work / "runtime"
        os.rename(dest / PREFIX.lstrip("/"), runtime)
        self._link_python(build, runtime)
        self._prune(runtime)
        self._scrub(runtime)
        missing = sorted(self._expected_modules(build) - self._present_modules(build, runtime))
        lost = REQUIRED_MODULES.intersection(missing)
        if lost:
            raise self._failure(f"the build lost extension modules it must have: {', '.join(sorted(lost))}")
        info = {
            "python": self.version,
            "goarch": self.target.goarch,
            "machine": self.target.machine,
            "glibc": self.target.glibc_text,
            "soabi": self._soabi(runtime),
            "missing_modules": missing,
            "built_by": "cpa-sdk",
        }
        (runtime / RUNTIME_JSON).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        self.log(f"missing modules (no library for them on the target): {', '.join(missing) or 'none'}")
        return runtime

    # ---- steps ----

    def _environment(self) -> dict[str, str]:
        """This process's environment without what would steer the build elsewhere."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "_PYTHON", "MAKE"))
            and k
            not in {
                "CC",
                "CXX",
                "CPP",
                "CFLAGS",
                "CPPFLAGS",
                "CXXFLAGS",
                "LDFLAGS",
                "LIBS",
                "AR",
                "RANLIB",
                "MFLAGS",
                "PKG_CONFIG_PATH",
                "PKG_CONFIG_LIBDIR",
                "CONFIG_SITE",
            }
        }
        env["PATH"] = f"{self.tools}{os.pathsep}{env.get('PATH', os.defpath)}"
        env["CONFIG_SITE"] = str(self.work / "config.site")
        env["LC_ALL"] = "C"
        return env

    def _step(self, command: list[str], cwd: Path) -> None:
        with self.log_path.open("a", encoding="utf-8") as out:
            out.write(f"\n$ cd {cwd} && {shlex.join(command)}\n")
            out.flush()
            proc = subprocess.run(
                command,
                cwd=cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if proc.returncode != 0:
            step = Path(command[0]).name
            raise self._failure(
                f"{step} {command[1] if step == 'make' else ''}".strip() + f" failed (exit {proc.returncode})"
            )

    def _failure(self, what: str) -> BuildError:
        tail = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-_LOG_TAIL:]
        return BuildError(
            f"building CPython {self.version} for {self.target.name}: {what}. The last lines of the build log "
            f"(kept as {self.kept_log}):\n" + "\n".join(tail)
        )

    def _unpack(self) -> Path:
        self.log(f"unpacking {self.source.name}")
        try:
            with tarfile.open(self.source) as archive:
                archive.extractall(self.work / "src", filter="data")
        except (OSError, tarfile.TarError) as exc:
            raise BuildError(f"cannot unpack {self.source}: {exc}") from None
        src = self.work / "src" / f"Python-{self.version}"
        if not (src / "configure").is_file():
            raise BuildError(f"{self.source} has no Python-{self.version}/configure: not a CPython source tarball")
        return src

    def _write_tools(self) -> None:
        """Wrappers that make zig look like the single programs configure wants, and a block."""
        self.tools.mkdir()
        zig = shlex.join(zig_command())
        cc = _CC_WRAPPER.replace("COMMAND", shlex.join(self.target.cc())).replace("WORK", shlex.quote(str(self.work)))
        scripts = {
            "cc": cc,
            "c++": f'#!/bin/sh\nexec {zig} c++ -target {self.target.zig_target} "$@"\n',
            "ar": f'#!/bin/sh\nexec {zig} ar "$@"\n',
            "ranlib": f'#!/bin/sh\nexec {zig} ranlib "$@"\n',
            # setup.py asks dpkg-architecture for Debian's multiarch directories and adds this machine's
            # /usr/include/<triple> and /usr/lib/<triple> to every module: failing it keeps them out.
            "dpkg-architecture": "#!/bin/sh\nexit 1\n",
        }
        for name, text in scripts.items():
            path = self.tools / name
            path.write_text(text, encoding="utf-8")
            path.chmod(0o755)
        (self.work / "config.site").write_text(_CONFIG_SITE, encoding="utf-8")

    def _configure_command(self, src: Path, zlib_include: Path, zlib_library: Path) -> list[str]:
        build_triple = subprocess.run(
            ["sh", str(src / "config.guess")], capture_output=True, text=True, check=False
        ).stdout.strip()
        if not build_triple or build_triple == self.target.triple:
            build_triple = f"{os.uname().machine}-pc-linux-gnu"  # differs from --host, so autoconf cross compiles
        return [
            # Relative, so that srcdir is: libpython records it (getpath's VPATH, for running in the build tree).
            os.path.relpath(src / "configure", self.work / "build"),
            f"--prefix={PREFIX}",
            f"--build={build_triple}",
            f"--host={self.target.triple}",
            f"--with-build-python={_build_python()}",
            "--enable-shared",
            "--without-static-libpython",
            "--without-ensurepip",
            "--disable-test-modules",
            "--with-pkg-config=no",  # pkg-config would answer with this machine's libraries
            f"CC={self.tools / 'cc'}",
            f"CXX={self.tools / 'c++'}",  # else configure picks this machine's g++ for sysconfig
            f"AR={self.tools / 'ar'}",
            f"RANLIB={self.tools / 'ranlib'}",
            # Required for cross builds and otherwise unused by the build; readelf reads any machine's ELF.
            f"READELF={shutil.which('readelf') or 'true'}",
            "OPT=-g0 -fwrapv -O3 -Wall",  # configure adds -DNDEBUG; zig cc emits debug info unless told -g0
            "LDFLAGS_NODIST=-s",  # stripped libpython and modules; not recorded for extensions built later
            f"ZLIB_CFLAGS=-I{zlib_include}",
            f"ZLIB_LIBS={zlib_library}",
        ]

    def _link_python(self, build: Path, runtime: Path) -> None:
        """Relink bin/python3.X with an rpath to its own lib/, which CPython's Makefile cannot
        be given without the rpath reaching libpython and every module too."""
        executable = runtime / "bin" / f"python{self.ldversion}"
        self._step(
            [
                str(self.tools / "cc"),
                "-s",
                "-o",
                str(executable),
                str(build / "Programs" / "python.o"),
                f"-L{build}",
                f"-lpython{self.ldversion}",
                "-Wl,-rpath,$ORIGIN/../lib",
            ],
            build,
        )

    def _prune(self, runtime: Path) -> None:
        for entry in (runtime / "bin").iterdir():
            if entry.name not in {f"python{self.ldversion}", "python3"}:
                entry.unlink()
        for extra in (runtime / "share", runtime / "lib" / "pkgconfig", runtime / "lib" / "libpython3.so"):
            _remove(extra)
        stdlib = runtime / "lib" / f"python{self.ldversion}"
        for name in _DROP:
            _remove(stdlib / name)
        for path in [
            *stdlib.glob("config-*/*.a"),
            *stdlib.glob("lib-dynload/xxlimited*"),
            *stdlib.rglob("*.opt-[12].pyc"),
        ]:  # plain .pyc only: -O is not how plugins run
            path.unlink()

    def _scrub(self, runtime: Path) -> None:
        """Replace the temporary directory's path in the build's records (sysconfig's data, the config
        directory), so that no path of this machine is shipped and two builds differ only in date."""
        stdlib = runtime / "lib" / f"python{self.ldversion}"
        work, placeholder = str(self.work).encode(), SCRUBBED.encode()
        for path in [*stdlib.glob("_sysconfigdata_*.py"), *stdlib.glob("config-*/*")]:
            data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
            if work in data:
                path.write_bytes(data.replace(work, placeholder))
        for source in stdlib.glob("_sysconfigdata_*.py"):  # its .pyc holds the strings too
            py_compile.compile(
                str(source),
                cfile=importlib.util.cache_from_source(str(source)),
                dfile=f"{PREFIX}/lib/python{self.ldversion}/{source.name}",
                doraise=True,
            )

    def _expected_modules(self, build: Path) -> set[str]:
        """Every extension the standard library has on Linux (configure's module states), but tests."""
        makefile = (build / "Makefile").read_text(encoding="utf-8", errors="replace")
        names = {m[1].lower() for m in re.finditer(r"^MODULE_(\w+)_STATE=(?!n/a)", makefile, re.M)}
        return {n for n in names | set(_SETUP_PY_MODULES) if not _TEST_MODULE.match(n)}

    def _present_modules(self, build: Path, runtime: Path) -> set[str]:
        builtin = set(re.findall(r"PyInit_(\w+)", (build / "Modules" / "config.c").read_text(encoding="utf-8")))
        dynload = runtime / "lib" / f"python{self.ldversion}" / "lib-dynload"
        return builtin | {p.name.split(".")[0] for p in dynload.glob("*.so")}

    def _soabi(self, runtime: Path) -> str:
        files = sorted((runtime / "lib" / f"python{self.ldversion}").glob("_sysconfigdata_*.py"))
        for node in ast.walk(ast.parse(files[0].read_text(encoding="utf-8"))) if files else ():
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "build_time_vars" for t in node.targets
            ):
                soabi = ast.literal_eval(node.value).get("SOABI")
                if isinstance(soabi, str) and soabi:
                    return soabi
        raise self._failure("the installed _sysconfigdata_*.py names no SOABI")


def _build_python() -> str:
    """This interpreter, for configure's ``--with-build-python`` (it freezes modules and runs
    setup.py), but a venv's base one: from a venv, distutils adds ``<venv>/include`` to the
    include path of every extension module."""
    base = getattr(sys, "_base_executable", "") or sys.executable
    return base if os.access(base, os.X_OK) else sys.executable


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
