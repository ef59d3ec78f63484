"""Root file systems of the machines CPA runs on, and running programs inside them.

A shipped plugin must work on a machine with nothing but CPA: CPA's Docker image is
``debian:bookworm`` plus tzdata and ca-certificates (no Python anywhere), and CPA's release
binaries run on any linux amd64 or arm64 with glibc 2.17 or newer. Testing on this machine alone
proves little (it has Python, a newer toolchain, our repository), so the shipping tests run the C
test host and the real CPA server *inside* root file systems equal to those targets:

``debian_root("bookworm")``
    exactly CPA's runtime layer: ``mmdebstrap --variant=minbase --include=tzdata,ca-certificates``
    plus the two steps of CPA's Dockerfile that touch it (``/etc/localtime`` and ``/etc/timezone``
    set to Asia/Shanghai, an empty ``/CLIProxyAPI``).
``debian_root("bullseye")``
    an older distribution (glibc 2.31): what "not the machine we built on" looks like.
``debian_root("bookworm", "arm64")``
    arm64 libraries for qemu-user. This machine has no binfmt_misc, so no arm64 maintainer script
    can run: the packages are only extracted (``--variant=extract``), ``ldconfig`` runs under qemu,
    and what the maintainer scripts of the architecture-independent packages (ca-certificates,
    tzdata) would have written is copied from the bookworm amd64 root.

Roots are built once into ``<repo>/.cache/roots/<suite>-<arch>/`` (in a temporary directory that
is renamed into place, so an interrupted build is never reused) and shared by every test.

``RootRunner`` runs programs in a root with an explicit environment (nothing of this process
leaks in): amd64 under ``chroot`` (``unshare --root``), arm64 by default under the same chroot
with the static ``qemu-aarch64-static`` copied in (``qemu-chroot``), or as the user asked for it,
``qemu-aarch64-static -L <root>`` (``qemu-prefix``). The chroot modes mount ``/proc``, ``/sys``
(read-only) and tmpfs on ``/tmp`` and ``/dev/shm`` in a private mount namespace created for the
one process: the kernel drops these mounts when that process ends, however it ends (a killed
pytest included), and the host never sees them. ``qemu-prefix`` is weaker isolation: qemu looks
every absolute path up in the root first and falls back to the *host's* file when the root lacks
it, so a plugin that wrongly looks for, say, ``/usr/lib/python3.11`` finds this machine's; use it
to show the brief's recipe works, rely on ``qemu-chroot`` for "nothing else on the machine".

Files a run needs are copied into a ``Stage``: a fresh directory under ``/opt/cpa-test/`` inside
the root (removed afterwards), or, for ``qemu-prefix``, a temporary directory of the host that no
root path shadows. ``Stage.inner`` turns a host path into the path the program sees.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, Literal

from cpa_sdk.build.target import Target
from cpa_sdk.testing.native_host import FLAGS, HOST_SOURCE, LIBRARIES
from tests.c_host import TIMEOUT, HostRun

REPO: Final = Path(__file__).resolve().parents[2]
ROOTS_CACHE: Final = REPO / ".cache" / "roots"
MIRROR: Final = "http://deb.debian.org/debian"
CONTROL_PLUGIN_SOURCE: Final = REPO / "tests" / "conformance" / "plugins" / "control.c"

STAGE_DIR: Final = "opt/cpa-test"
"""Inside a root: where the chroot modes put the files of one run (``/opt/cpa-test/<pid>-<id>``)."""

DEFAULT_PATH: Final = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""The ``PATH`` of Debian's Docker images (and so of CPA's)."""

CPA_DOCKER_TZ: Final = "Asia/Shanghai"
"""CPA's Dockerfile: ``ENV TZ=Asia/Shanghai`` and ``cp /usr/share/zoneinfo/${TZ} /etc/localtime``."""

ROOT_BUILD_TIMEOUT: Final = 1800  # seconds; a cold bookworm minbase takes about 40 s here
RECIPE_VERSION: Final = 1  # bump when a post-build step changes: cached roots are rebuilt

ARM64_PACKAGES: Final = ("libc6", "libc-bin", "libgcc-s1", "tzdata", "ca-certificates", "base-files")
"""The arm64 root: glibc (and ``ldconfig``), libgcc_s (glibc dlopens it for thread cancellation and
unwinding), the CPA image's two packages, base-files (``/etc/os-release``). apt adds the
dependencies (gcc-12-base, debconf, perl-base, openssl, libssl3)."""

COPIED_FROM_AMD64: Final = (
    "etc/ssl/certs",
    "etc/ca-certificates.conf",
    "etc/localtime",
    "etc/timezone",
    "etc/passwd",
    "etc/group",
    "etc/nsswitch.conf",
)
"""What maintainer scripts write and an extracted-only arm64 root lacks. Their sources are
architecture-independent (ca-certificates and tzdata are ``Architecture: all``; base-passwd's
master files are the same on every architecture), so the amd64 root's configured copies are what
the arm64 scripts would have produced; ``_copy_configured_state`` checks the inputs match."""

QEMU_AARCH64: Final = Path("/usr/bin/qemu-aarch64-static")

Mode = Literal["chroot", "qemu-chroot", "qemu-prefix"]

EVIDENCE: list[str] = []
_EVIDENCE_LOCK = threading.Lock()


def evidence(line: str) -> None:
    """A line for the "root file systems" terminal summary of tests/ship (shown without ``-s``)."""
    with _EVIDENCE_LOCK:
        EVIDENCE.append(line)


class RootError(AssertionError):
    """Building or using a root failed: an AssertionError, so a test shows it as a failure."""


# -- building roots ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RootManifest:
    """What ``.cache/roots/<name>.json`` records about a built root."""

    name: str
    recipe: list[str]
    recipe_id: str
    build_seconds: float
    bytes: int
    built_at: str

    @property
    def megabytes(self) -> float:
        return self.bytes / 1e6


def root_name(suite: str, arch: str) -> str:
    return f"{suite}-{arch}"


def _require(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise RootError(
            f"{tool} is missing: apt-get install --no-install-recommends {package} (scripts/test installs it)"
        )
    return found


def _require_root_user() -> None:
    if os.geteuid() != 0:
        raise RootError("root file systems need root: mmdebstrap's root mode, chroot and mount all do")


def _recipe(suite: str, arch: str, target: Path) -> list[str]:
    """The mmdebstrap command of a root (also its cache key, with ``RECIPE_VERSION``)."""
    if arch == "amd64":
        include = ["--include=tzdata,ca-certificates"] if suite == "bookworm" else []
        return ["mmdebstrap", "--variant=minbase", *include, suite, str(target), MIRROR]
    if arch == "arm64":
        return [
            "mmdebstrap",
            "--arch=arm64",
            "--variant=extract",
            f"--include={','.join(ARM64_PACKAGES)}",
            "--setup-hook=/usr/share/mmdebstrap/hooks/merged-usr/setup00.sh",
            suite,
            str(target),
            MIRROR,
        ]
    raise RootError(f"no recipe for a {arch} root (amd64 and arm64 are CPA's Linux release machines)")


def _recipe_id(suite: str, arch: str) -> tuple[list[str], str]:
    recipe = _recipe(suite, arch, Path("<dir>"))
    text = json.dumps([RECIPE_VERSION, recipe, COPIED_FROM_AMD64 if arch != "amd64" else []])
    return recipe, hashlib.sha256(text.encode()).hexdigest()[:16]


def read_manifest(suite: str, arch: str = "amd64") -> RootManifest | None:
    path = ROOTS_CACHE / f"{root_name(suite, arch)}.json"
    try:
        data = json.loads(path.read_text())
        return RootManifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def debian_root(suite: str, arch: str = "amd64") -> Path:
    """The root file system of Debian ``suite`` for ``arch``, built on first use (module docstring).

    Concurrent callers (pytest-xdist, two checkouts' runs) wait on a lock file; the build happens
    in ``.cache/roots/.build-<name>-*`` and is renamed into place only when complete, with its
    manifest (recipe, seconds, size) written first, so a directory in place is always whole. A
    root whose recipe changed since it was built is rebuilt.
    """
    _require_root_user()
    name = root_name(suite, arch)
    final = ROOTS_CACHE / name
    _, recipe_id = _recipe_id(suite, arch)
    manifest = read_manifest(suite, arch)
    if final.is_dir() and manifest is not None and manifest.recipe_id == recipe_id:
        return final
    if arch == "arm64":
        debian_root(suite, "amd64")  # the source of the configured state (outside our lock)
    ROOTS_CACHE.mkdir(parents=True, exist_ok=True)
    with open(ROOTS_CACHE / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = read_manifest(suite, arch)
        if final.is_dir() and manifest is not None and manifest.recipe_id == recipe_id:
            return final
        for stale in ROOTS_CACHE.glob(f".build-{name}-*"):
            remove_tree(stale)  # an interrupted build: never reused
        if final.exists():
            old = ROOTS_CACHE / f".build-{name}-old-{secrets.token_hex(4)}"
            final.rename(old)
            remove_tree(old)
        _build(suite, arch, final)
    return final


def _build(suite: str, arch: str, final: Path) -> None:
    _require("mmdebstrap", "mmdebstrap")
    if arch == "arm64":
        _require(str(QEMU_AARCH64), "qemu-user-static")
    work = final.parent / f".build-{final.name}-{os.getpid()}-{secrets.token_hex(4)}"
    started = time.monotonic()
    command = _recipe(suite, arch, work)
    # In root mode mmdebstrap mounts /proc, /sys, /dev/pts... into the new root; in a private mount
    # namespace of its own, a killed build cannot leave them mounted on this machine.
    unshare = [_require("unshare", "util-linux"), "--mount", "--propagation", "private", "--"]
    try:
        proc = subprocess.run(
            [*unshare, *command], capture_output=True, text=True, timeout=ROOT_BUILD_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        remove_tree(work)
        raise RootError(f"{' '.join(command)} did not finish in {ROOT_BUILD_TIMEOUT}s") from None
    if proc.returncode != 0:
        remove_tree(work)
        raise RootError(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    try:
        if suite == "bookworm" and arch == "amd64":
            _apply_cpa_dockerfile(work)
        if arch == "arm64":
            _ldconfig_arm64(work)
            _copy_configured_state(debian_root(suite, "amd64"), work)
        for directory in ("proc", "sys", "tmp", "dev/shm", STAGE_DIR):
            (work / directory).mkdir(parents=True, exist_ok=True)
        (work / "tmp").chmod(0o1777)
        recipe, recipe_id = _recipe_id(suite, arch)
        size = tree_bytes(work)
        manifest = RootManifest(
            final.name,
            recipe,
            recipe_id,
            round(time.monotonic() - started, 1),
            size,
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )
        manifest_path = final.parent / f"{final.name}.json"
        partial = manifest_path.with_suffix(".json.partial")
        partial.write_text(json.dumps(manifest.__dict__, indent=2) + "\n")
        partial.replace(manifest_path)
        work.rename(final)
    except BaseException:
        remove_tree(work)
        raise
    evidence(
        f"built root {final.name} in {manifest.build_seconds:.1f}s ({manifest.megabytes:.0f} MB): {' '.join(recipe)}"
    )


def _apply_cpa_dockerfile(root: Path) -> None:
    """The two lines of CPA's Dockerfile (v7.2.140) that change its runtime layer."""
    (root / "CLIProxyAPI").mkdir(exist_ok=True)  # RUN mkdir /CLIProxyAPI
    localtime = root / "etc" / "localtime"  # RUN cp /usr/share/zoneinfo/${TZ} /etc/localtime
    localtime.unlink(missing_ok=True)
    shutil.copyfile(root / "usr" / "share" / "zoneinfo" / CPA_DOCKER_TZ, localtime)
    (root / "etc" / "timezone").write_text(f"{CPA_DOCKER_TZ}\n")  # && echo "${TZ}" > /etc/timezone


def _ldconfig_arm64(root: Path) -> None:
    """libc-bin's trigger: ``/etc/ld.so.cache``. Without it, under ``qemu-prefix`` the arm64 loader
    would read the *host's* cache. ``ldconfig`` is static, so qemu runs it without -L, and ``-r``
    makes it chroot into the root before it reads or writes anything."""
    proc = subprocess.run(
        [str(QEMU_AARCH64), str(root / "sbin" / "ldconfig"), "-r", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0 or not (root / "etc" / "ld.so.cache").is_file():
        raise RootError(f"ldconfig under qemu failed ({proc.returncode}): {proc.stderr}")


def _copy_configured_state(amd64_root: Path, root: Path) -> None:
    """Copy ``COPIED_FROM_AMD64`` after checking the inputs of those files are the same."""
    for inputs in ("usr/share/ca-certificates", "usr/share/zoneinfo"):
        mine, theirs = _tree_digest(root / inputs), _tree_digest(amd64_root / inputs)
        if mine != theirs:
            raise RootError(
                f"{inputs} differs between the arm64 root and the amd64 root (the mirror changed "
                "between their builds?): delete .cache/roots/ and build both again"
            )
    for relative in COPIED_FROM_AMD64:
        source, target = amd64_root / relative, root / relative
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target, follow_symlinks=False)
    for link in (root / "etc" / "ssl" / "certs").iterdir():
        if link.is_symlink():
            pointed = os.readlink(link)
            resolved = root / pointed.lstrip("/") if pointed.startswith("/") else link.parent / pointed
            if not resolved.exists():
                raise RootError(f"/etc/ssl/certs/{link.name} -> {pointed} does not exist in the arm64 root")


def _tree_digest(top: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(top.rglob("*")):
        digest.update(str(path.relative_to(top)).encode() + b"\0")
        if path.is_symlink():
            digest.update(os.readlink(path).encode())
        elif path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def tree_bytes(top: Path) -> int:
    """Apparent size of a tree (files and symlinks, each inode once)."""
    seen: set[int] = set()
    total = 0
    for dirpath, dirnames, filenames in os.walk(top):
        for name in filenames + dirnames:
            st = os.lstat(os.path.join(dirpath, name))
            if st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return total


# -- mounts and removal -----------------------------------------------------------------------------


def mounts_under(path: Path) -> list[str]:
    """Mount points of this process's namespace at or below ``path`` (should always be none)."""
    top = os.path.realpath(path)
    found = []
    with open("/proc/self/mounts") as mounts:
        for line in mounts:
            point = line.split()[1].replace("\\040", " ")
            if point == top or point.startswith(top + "/"):
                found.append(point)
    return found


def remove_tree(path: Path) -> None:
    """``rm -rf`` that first unmounts anything below ``path``: never delete through a mount."""
    if not path.exists() and not path.is_symlink():
        return
    for point in sorted(mounts_under(path), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)
    left = mounts_under(path)
    if left:
        raise RootError(f"refusing to delete {path}: still mounted below it: {left}")
    shutil.rmtree(path)


# -- what a root holds ------------------------------------------------------------------------------

_PYTHON_EXECUTABLE = re.compile(r"python[0-9.]*(?:[a-z]|-config)?")
_PYTHON_STDLIB = re.compile(r"python[23](?:\.[0-9]+)?")


def python_in_root(root: Path, skip: Sequence[str] = ("proc", "sys", "dev", STAGE_DIR)) -> list[str]:
    """Every Python the root holds: executables (or symlinks) named ``python*``, any ``libpython*``,
    and standard library directories (``lib/python3.11``). ``skip`` are root-relative directories
    not looked at: the virtual file systems and the stages of runs (a plugin under test carries
    its own Python there, which is the point)."""
    skipped = {os.path.join(str(root), s) for s in skip}
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in skipped]
        relative = os.path.relpath(dirpath, root)
        for name in filenames:
            full = os.path.join(dirpath, name)
            if name.startswith("libpython"):
                found.append(os.path.join(relative, name))
            elif _PYTHON_EXECUTABLE.fullmatch(name) and (os.path.islink(full) or os.access(full, os.X_OK)):
                found.append(os.path.join(relative, name))
        for name in dirnames:
            if name.startswith("libpython") or (_PYTHON_STDLIB.fullmatch(name) and os.path.basename(dirpath) == "lib"):
                found.append(os.path.join(relative, name) + "/")
    return sorted(found)


def assert_no_python(root: Path) -> None:
    """The root holds no Python at all (``python_in_root``): what a plugin finds there is its own."""
    found = python_in_root(root)
    assert not found, f"{root} holds Python: {found}"


# -- compiling for the target -----------------------------------------------------------------------


def _zig(target: Target, args: Sequence[str], out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [*target.cc(), *args, "-o", str(out)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        raise RootError(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return out


def compile_host(target: Target, out: Path) -> Path:
    """The C test host built by zig for ``target`` (glibc 2.17 by default): one binary that runs in
    every root of its architecture, as CPA's own release binaries do. Same flags as
    ``tests.c_host.compile_host``, whose gcc build only runs on glibcs as new as this machine's."""
    return _zig(target, [*FLAGS, str(HOST_SOURCE), *LIBRARIES], out)


def compile_plugin(target: Target, out: Path, source: Path = CONTROL_PLUGIN_SOURCE, *defines: str) -> Path:
    """A C plugin (by default the conformance control plugin) built by zig for ``target``."""
    return _zig(target, ["-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror", *defines, str(source)], out)


# -- running inside a root --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    """A finished program: exit status and its output (text; undecodable bytes kept as surrogates)."""

    returncode: int
    stdout: str
    stderr: str


class Stage:
    """A fresh directory the program in the root sees, for the files of one run.

    Chroot modes: ``<root>/opt/cpa-test/<pid>-<id>`` on the host, ``/opt/cpa-test/<pid>-<id>`` inside.
    ``qemu-prefix``: a host temporary directory, seen at the same path (qemu -L would send a path
    that exists in the root to the root, and a file created later would land on the host instead).
    """

    def __init__(self, host_dir: Path, root: Path | None) -> None:
        self.host_dir = host_dir
        self._root = root  # None: the program sees host paths as they are
        self._added: dict[tuple[str, str], str] = {}

    def inner(self, path: Path | str) -> str:
        """How the program in the root spells the host path ``path`` (which must be in the stage)."""
        if self._root is None:
            return str(path)
        full, top = os.path.abspath(path), os.path.abspath(self.host_dir)
        if full != top and not full.startswith(top + os.sep):
            raise RootError(f"{path} is not in the stage {self.host_dir}: the program cannot see it")
        # abspath, not resolve: a symlink in the stage is the program's to follow, inside the root.
        return "/" + os.path.relpath(full, os.path.abspath(self._root))

    def path(self, *parts: str) -> Path:
        """A host path inside the stage (not created)."""
        return self.host_dir.joinpath(*parts)

    def add(self, source: Path, name: str | None = None) -> str:
        """Copy a file (mode kept) or a tree (symlinks kept) into the stage; its inner path.

        Copies, not bind mounts: cheap at these sizes and nothing to unmount. Adding the same
        source under the same name again returns the first copy."""
        key = (str(source), name or source.name)
        if key in self._added:
            return self._added[key]
        target = self.host_dir / (name or source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target)
        self._added[key] = self.inner(target)
        return self._added[key]

    def write(self, name: str, text: str) -> str:
        """Write a text file into the stage; its inner path."""
        target = self.host_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return self.inner(target)

    def translate(self, value: Any) -> Any:
        """``value`` (str, list, dict, nested) with every host path of the stage made inner, e.g. a
        CPA config that ``harness.server_config`` wrote with host paths."""
        if isinstance(value, str):
            prefix = str(self.host_dir)
            if value == prefix or value.startswith(prefix + "/"):
                return self.inner(value)
            return value
        if isinstance(value, list):
            return [self.translate(v) for v in value]
        if isinstance(value, dict):
            return {k: self.translate(v) for k, v in value.items()}
        return value


# The private mount namespace's setup, run by the host's /bin/sh: the mounts a container has, then
# exec (same PID all the way down: terminating the Popen reaches the program itself).
_NAMESPACE_SETUP: Final = """
r=$1; shift
mount -t proc -o nosuid,nodev,noexec proc "$r/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$r/tmp"
mount -t tmpfs -o nosuid,nodev,noexec,mode=1777 shm "$r/dev/shm"
exec "$@"
"""


class RootRunner:
    """Runs programs of ``arch`` inside ``root`` (module docstring for the modes).

    ``argv[0]`` and ``cwd`` are inner paths (``Stage.add`` returns them). ``env`` is the whole
    environment of the program, nothing else is passed: ``{"PATH": DEFAULT_PATH}`` by default.
    """

    def __init__(self, root: Path, arch: str, mode: Mode | None = None) -> None:
        if mode is None:
            mode = "chroot" if arch == "amd64" else "qemu-chroot"
        if (arch == "amd64") != (mode == "chroot"):
            raise RootError(f"mode {mode} does not run {arch} programs on this amd64 machine")
        if arch not in ("amd64", "arm64"):
            raise RootError(f"no way to run {arch} programs here")
        self.root = root
        self.arch = arch
        self.mode: Mode = mode
        self._stages: list[Stage] = []

    def __repr__(self) -> str:
        return f"RootRunner({self.root.name}, {self.mode})"

    @property
    def target(self) -> Target:
        """The compile target for programs of this runner (glibc 2.17, CPA's baseline)."""
        return Target(self.arch)

    @contextlib.contextmanager
    def stage(self) -> Iterator[Stage]:
        """A fresh ``Stage``, removed (after checking nothing is mounted in it) on exit."""
        if self.mode == "qemu-prefix":
            host_dir = Path(tempfile.mkdtemp(prefix="cpa-test-"))
            stage = Stage(host_dir, None)
        else:
            base = self.root / STAGE_DIR
            base.mkdir(parents=True, exist_ok=True)
            _remove_dead_stages(base)
            host_dir = base / f"{os.getpid()}-{secrets.token_hex(4)}"
            host_dir.mkdir()
            stage = Stage(host_dir, self.root)
        self._stages.append(stage)
        try:
            yield stage
        finally:
            self._stages.remove(stage)
            remove_tree(host_dir)

    def command(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        stage: Stage | None = None,
    ) -> tuple[list[str], str]:
        """The host command line that runs ``argv`` in the root, and the host cwd to start it in.

        ``stage`` is where ``qemu-chroot`` copies the static qemu (the root itself stays as built)."""
        env = {"PATH": DEFAULT_PATH} if env is None else dict(env)
        assignments = [f"{k}={v}" for k, v in env.items()]
        env_tool = _require("env", "coreutils")
        if self.mode == "qemu-prefix":
            qemu = _require(str(QEMU_AARCH64), "qemu-user-static")
            program = list(argv)
            if program[0].startswith("/") and (self.root / program[0].lstrip("/")).exists():
                # qemu opens the program itself by its host path; only later paths go through -L.
                program[0] = str(self.root / program[0].lstrip("/"))
            return [env_tool, "-i", "--", *assignments, qemu, "-L", str(self.root), *program], cwd or "/"
        program = list(argv)
        if self.mode == "qemu-chroot":
            if stage is None:
                raise RootError("qemu-chroot needs a stage to hold qemu-aarch64-static")
            _require(str(QEMU_AARCH64), "qemu-user-static")
            program = [stage.add(QEMU_AARCH64, ".qemu-aarch64-static"), *program]
        unshare = _require("unshare", "util-linux")
        inner_cwd = cwd or "/"
        return [
            unshare,
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-euc",
            _NAMESPACE_SETUP,
            "cpa-test-root",
            str(self.root),
            env_tool,
            "-i",
            "--",
            *assignments,
            unshare,
            f"--root={self.root}",
            f"--wd={inner_cwd}",
            "--",
            *program,
        ], "/"

    def popen(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        stage: Stage | None = None,
        stdin: int | IO[Any] | None = subprocess.DEVNULL,
        stdout: int | IO[Any] | None = subprocess.PIPE,
        stderr: int | IO[Any] | None = subprocess.PIPE,
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` in the root (``command``); the caller waits for it."""
        stage = stage if stage is not None else (self._stages[-1] if self._stages else None)
        command, host_cwd = self.command(argv, env, cwd, stage)
        return subprocess.Popen(
            command,
            cwd=host_cwd,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
        )

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        stage: Stage | None = None,
        input_bytes: bytes | None = None,
        timeout: float = TIMEOUT,
    ) -> RunResult:
        """Run ``argv`` in the root to completion (killed after ``timeout`` seconds: a failure)."""
        proc = self.popen(
            argv,
            env=env,
            cwd=cwd,
            stage=stage,
            stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        )
        try:
            out, err = proc.communicate(input_bytes, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise RootError(
                f"{argv} in {self} timed out after {timeout}s:\n{err.decode(errors='replace')[-4000:]}"
            ) from None
        return RunResult(
            proc.returncode, out.decode("utf-8", "surrogateescape"), err.decode("utf-8", "surrogateescape")
        )

    def c_host(
        self,
        stage: Stage,
        host_binary: Path,
        lines: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        repeat: int = 1,
        timeout: float = TIMEOUT,
    ) -> HostRun:
        """Run the C test host (built by ``compile_host`` for this runner's target) on a script.

        ``lines`` are script lines (tests/c_host.py); plugin paths in them are inner paths, as
        ``stage.add(plugin)`` returns them. The script and the host are copied into ``stage``."""
        host = stage.add(host_binary, "cpa_test_host")
        script = stage.write(f"script-{secrets.token_hex(3)}.txt", "\n".join(lines) + "\n")
        result = self.run(
            [host, "script", script, str(repeat)],
            env=env,
            cwd=stage.inner(stage.host_dir),
            stage=stage,
            timeout=timeout,
        )
        events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        return HostRun(result.returncode, events, result.stderr)

    def glibc_version(self) -> tuple[int, int]:
        """The root's glibc, from running its ``libc.so.6`` (it prints its version)."""
        machine = self.target.machine
        with self.stage() as stage:
            result = self.run([f"/lib/{machine}-linux-gnu/libc.so.6"], stage=stage, timeout=120)
        match = re.search(r"release version (\d+)\.(\d+)", result.stdout)
        if match is None:
            raise RootError(
                f"libc.so.6 of {self.root.name} printed no version ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        return int(match.group(1)), int(match.group(2))


def _remove_dead_stages(base: Path) -> None:
    """Stages of runs whose process died before cleaning up (named ``<pid>-<id>``)."""
    for entry in base.iterdir():
        pid_text = entry.name.split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                remove_tree(entry)
        except PermissionError:
            pass


def runner_for(suite: str, arch: str = "amd64", mode: Mode | None = None) -> RootRunner:
    """A runner for ``debian_root(suite, arch)``, building the root on first use."""
    return RootRunner(debian_root(suite, arch), arch, mode)
