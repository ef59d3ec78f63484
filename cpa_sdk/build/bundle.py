"""Self-contained plugin libraries: ``cpa-sdk build --bundle`` (docs/shipping.md).

A bundle is one ``<id>.so`` that carries the plugin's Python code and every dependency, pure and
compiled, for this platform. Only the CPython shared library (with its standard library) must be
on the machine that runs CPA::

    <id>.so = [ELF: the loader, abi_bridge/cpa_bundle.c]
              [payload: a zip whose entries are all STORED]
              [trailer: 64 bytes: magic, payload offset, payload size, sha256 of the payload]

The payload holds ``cpa_bundle.json`` (the manifest), ``bridge.so`` (the shim, compiled in
bundled mode) and ``site/`` (the Python code, with hash-based ``.pyc`` files). At its first load
the loader checks the payload's sha256, unpacks it once into ``<cache>/payloads/<sha256>/`` and
runs the plugin from there.

What goes into ``site/``:

* the plugin's own top-level package (the target's), and every non-standard-library top-level
  module that importing the target and the entry imports (found by a probe in a subprocess);
* the installed distributions those belong to, plus the requirement closure of ``cpa-sdk`` and
  of the plugin's own distribution (requirements behind an ``extra`` marker are left out, others
  are taken when installed, whatever their marker says); the tool chain (pip, setuptools,
  pytest, mkdocs, ...) is never pulled in by requirements;
* ``--include`` adds distributions or top-level modules, ``--exclude`` drops distributions.

An installed distribution contributes the files its RECORD lists inside its site directory (so
``*.libs`` directories of repaired wheels come along), an editable one the trees of its top-level
packages. Each contributes its metadata and licence files, never RECORD, INSTALLER or
``direct_url.json`` (which names this machine's paths). The zip is deterministic: the same inputs
give the same bytes, hence the same sha256 and the same cache directory.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import io
import json
import marshal
import os
import re
import sys
import sysconfig
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from cpa_sdk.build.compiler import compile_bundle_loader, compile_bundle_shim, python_link
from cpa_sdk.build.elf import check_baseline
from cpa_sdk.build.probe import ProbeResult, probe
from cpa_sdk.build.runtime import BundleOptions, Runtime, runtime_summary
from cpa_sdk.build.spec import BuildError, BuildSpec
from cpa_sdk.build.stdlib import imported_top_levels, select_stdlib
from cpa_sdk.build.target import Target
from cpa_sdk.build.wheels import target_wheel, wheel_files

__all__ = [
    "MAGIC",
    "TRAILER_LEN",
    "BundleInfo",
    "Payload",
    "collect_payload",
    "read_bundle",
    "write_bundle",
]

MAGIC: Final = b"cpa-sdk-payload1"
"""The trailer's magic (``abi_bridge/cpa_bundle.h``)."""
TRAILER_LEN: Final = 64
MANIFEST: Final = "cpa_bundle.json"
SHIM: Final = "bridge.so"
SITE: Final = "site"
RUNTIME: Final = "runtime"
BUILD_TIME: Final = ("cpa_sdk/build/", "cpa_sdk/cli/", "cpa_sdk/testing/")
"""cpa-sdk's own build tools, CLI and test harness: shipped with the distribution but never run
inside CPA, so their imports do not decide the standard library a bundle carries."""
LOADER: Final = "<loader>"
"""How the ELF check names the loader, the part of ``<id>.so`` outside the payload."""
FORMAT: Final = 1

NEVER_BY_REQUIREMENT: Final = frozenset(
    {
        "pip",
        "setuptools",
        "wheel",
        "pytest",
        "pluggy",
        "iniconfig",
        "mypy",
        "mypy-extensions",
        "hypothesis",
        "coverage",
        "pytest-cov",
        "build",
        "twine",
        "virtualenv",
    }
)
"""Tools, not run-time dependencies: a requirement never pulls them in (nor ``mkdocs*``)."""

_KEEP_METADATA: Final = re.compile(
    r"^(METADATA|top_level\.txt|entry_points\.txt|(LICEN[CS]E|COPYING|NOTICE|AUTHORS)[^/]*|licenses/.*)$"
)
_ZIP_DATE: Final = (1980, 1, 1, 0, 0, 0)


def canonical(name: str) -> str:
    """A distribution name in PEP 503 normal form."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Payload:
    """The files of ``site/`` (arcname below ``site/`` -> bytes) and what they came from."""

    files: dict[str, bytes] = field(default_factory=dict)
    executable: set[str] = field(default_factory=set)
    distributions: dict[str, str] = field(default_factory=dict)
    """Bundled distributions: canonical name -> version."""
    dist_files: dict[str, list[str]] = field(default_factory=dict)
    """The installed files of each distribution with a RECORD (arcnames), for retargeting."""
    runtime_files: dict[str, bytes] = field(default_factory=dict)
    """``runtime/``: the embedded CPython, when there is one (arcname below ``runtime/``)."""
    runtime_executable: set[str] = field(default_factory=set)
    top_levels: set[str] = field(default_factory=set)

    def add(self, arcname: str, data: bytes, *, executable: bool = False) -> None:
        self.files.setdefault(arcname, data)
        if executable:
            self.executable.add(arcname)


@dataclass(frozen=True)
class BundleInfo:
    """What ``read_bundle`` finds in a bundle's trailer and manifest."""

    path: Path
    sha256: str
    payload_offset: int
    payload_size: int
    manifest: dict[str, Any]
    names: tuple[str, ...]


# ---- what the plugin needs ------------------------------------------------------------------------


def _stdlib_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    return [os.path.realpath(paths[key]) + os.sep for key in ("stdlib", "platstdlib") if paths.get(key)]


def _is_stdlib(path: str, stdlib: Sequence[str]) -> bool:
    real = os.path.realpath(path)
    parts = real.split(os.sep)
    return any(real.startswith(d) for d in stdlib) and "site-packages" not in parts and "dist-packages" not in parts


def _distributions(search: Sequence[str]) -> dict[str, importlib.metadata.Distribution]:
    """Installed distributions by canonical name: the first on the path, except that an installed
    one (with a RECORD) beats metadata without it (a project's stale ``*.egg-info`` in the working
    directory, for example)."""
    index: dict[str, importlib.metadata.Distribution] = {}
    for dist in importlib.metadata.distributions(path=list(search)):
        name = dist.metadata["Name"] if dist.metadata else None
        if not name:
            continue
        key = canonical(name)
        if key not in index or (index[key].read_text("RECORD") is None and dist.read_text("RECORD") is not None):
            index[key] = dist
    return index


def _top_levels(dist: importlib.metadata.Distribution) -> set[str]:
    declared = dist.read_text("top_level.txt")
    if declared:
        return {line.strip() for line in declared.splitlines() if line.strip()}
    tops = set()
    for file in dist.files or ():
        parts = file.parts
        if (
            not parts
            or parts[0].startswith("..")
            or parts[0].endswith((".dist-info", ".egg-info"))
            or parts[0] == "__pycache__"
        ):
            continue
        top = parts[0] if len(parts) > 1 else parts[0].split(".")[0]
        if not top.endswith(".pth") and top.isidentifier():
            tops.add(top)
    return tops


def _editable(dist: importlib.metadata.Distribution) -> bool:
    text = dist.read_text("direct_url.json")
    try:
        return bool(text and json.loads(text).get("dir_info", {}).get("editable"))
    except ValueError:
        return False


def _requirements(dist: importlib.metadata.Distribution) -> Iterator[str]:
    for requirement in dist.requires or ():
        name, _, marker = requirement.partition(";")
        if re.search(r"\bextra\s*==", marker):
            continue  # optional features are not installed by default
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", name)
        if match:
            yield canonical(match.group(1))


def _never_by_requirement(name: str) -> bool:
    return name in NEVER_BY_REQUIREMENT or name.startswith("mkdocs") or name.startswith("types-")


# ---- copying files ----------------------------------------------------------------------------------


def _walk(root: Path) -> Iterator[Path]:
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):
                yield Path(directory) / name


def _add_tree(payload: Payload, top: str, search: Sequence[str]) -> bool:
    """Add the top-level module or package ``top`` as ``find_spec`` sees it; False if not found."""
    saved = list(sys.path)
    sys.path[:0] = [p for p in search if p not in sys.path]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    finally:
        sys.path[:] = saved
    if spec is None:
        return False
    if spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            base = Path(location)
            for path in _walk(base):
                payload.add(
                    f"{top}/{path.relative_to(base).as_posix()}", path.read_bytes(), executable=os.access(path, os.X_OK)
                )
    elif spec.origin and spec.has_location and os.path.isfile(spec.origin):
        origin = Path(spec.origin)
        payload.add(origin.name, origin.read_bytes(), executable=os.access(origin, os.X_OK))
    else:
        return False  # built in or frozen: nothing to ship
    payload.top_levels.add(top)
    return True


def _add_distribution(
    payload: Payload, dist: importlib.metadata.Distribution, search: Sequence[str], log: Callable[[str], None]
) -> None:
    name = canonical(dist.metadata["Name"])
    version = dist.version
    payload.distributions[name] = version
    info_dir = f"{re.sub(r'[-_.]+', '_', dist.metadata['Name'])}-{version}.dist-info"
    # Only an installer's RECORD lists installed files (SOURCES.txt of an egg-info lists sources).
    files = [] if _editable(dist) or dist.read_text("RECORD") is None else list(dist.files or ())
    if files:
        for file in files:
            parts = file.parts
            if not parts or parts[0] == ".." or "__pycache__" in parts or file.suffix in (".pyc", ".pyo", ".pth"):
                continue
            if parts[0].endswith((".dist-info", ".egg-info")):
                continue  # metadata: below, filtered
            path = Path(str(file.locate()))
            if path.is_file():
                payload.add(file.as_posix(), path.read_bytes(), executable=os.access(path, os.X_OK))
                payload.dist_files.setdefault(name, []).append(file.as_posix())
                payload.top_levels.add(parts[0] if len(parts) > 1 else parts[0].split(".")[0])
    else:
        for top in sorted(_top_levels(dist)):
            if not _add_tree(payload, top, search):
                log(f"warning: {name}: top-level {top!r} not found, not bundled")
    for file in dist.files or ():
        parts = file.parts
        if (
            len(parts) >= 2
            and parts[0].endswith(".dist-info")
            and _KEEP_METADATA.match("/".join(parts[1:]))
            and dist.read_text("RECORD") is not None
        ):
            path = Path(str(file.locate()))
            if path.is_file():
                payload.add(f"{info_dir}/{'/'.join(parts[1:])}", path.read_bytes())
    metadata = dist.read_text("METADATA")
    if metadata is not None:
        payload.add(f"{info_dir}/METADATA", metadata.encode())


def collect_payload(
    spec: BuildSpec,
    probed: ProbeResult,
    *,
    extra_paths: Sequence[str] = (),
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    log: Callable[[str], None] = lambda _: None,
) -> Payload:
    """Gather ``site/`` for ``spec``: its own code and everything it needs (module docstring)."""
    extra = [os.path.abspath(p) for p in extra_paths]
    search = [*extra, *sys.path]
    excluded = {canonical(e) for e in exclude}
    index = _distributions(search)
    owner: dict[str, str] = {}
    for name, dist in index.items():
        for top in _top_levels(dist):
            owner.setdefault(top, name)

    stdlib = _stdlib_dirs()
    wanted_tops: set[str] = set(spec.own_packages)
    for module, (file, paths) in probed.modules.items():
        locations = [p for p in [file, *paths] if p]
        if locations and not all(_is_stdlib(p, stdlib) for p in locations):
            wanted_tops.add(module.partition(".")[0])
    for item in include:
        if canonical(item) in index or item in sys.stdlib_module_names:
            continue  # a distribution (below), or the runtime's business (cpa_sdk.build.stdlib)
        wanted_tops.add(item)

    dists: dict[str, importlib.metadata.Distribution] = {}
    queue = ["cpa-sdk", *(canonical(i) for i in include if canonical(i) in index)]
    queue += [owner[top] for top in sorted(wanted_tops) if top in owner]
    while queue:
        name = queue.pop(0)
        if name in dists or name in excluded or name not in index:
            continue
        dists[name] = index[name]
        for requirement in _requirements(index[name]):
            if requirement not in dists and not _never_by_requirement(requirement):
                queue.append(requirement)

    payload = Payload()
    for name in sorted(dists):
        _add_distribution(payload, dists[name], search, log)
    for top in sorted(wanted_tops - payload.top_levels):
        if top in owner and owner[top] in excluded:
            continue
        if not _add_tree(payload, top, search):
            raise BuildError(f"cannot find the module {top!r} that {spec.target} needs")
    missing = [top for top in spec.own_packages if top not in payload.top_levels]
    if missing:
        raise BuildError(f"the plugin's own package(s) {missing} were not bundled")
    log(
        f"bundling {len(payload.distributions)} distributions: "
        + ", ".join(f"{n} {v}" for n, v in sorted(payload.distributions.items()))
    )
    return payload


# ---- writing and reading the bundle ----------------------------------------------------------------


def _pyc(source: bytes, arcname: str) -> bytes | None:
    """An unchecked hash-based .pyc (PEP 552) for ``source``; its file name is fixed up at import."""
    try:
        code = compile(source, arcname, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    flags = (0b01).to_bytes(4, "little")  # hash-based, not checked against the source
    return importlib.util.MAGIC_NUMBER + flags + importlib.util.source_hash(source) + marshal.dumps(code)


def _zip_entry(name: str, executable: bool) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    return info


def _with_pyc(
    entries: dict[str, tuple[bytes, bool]], prefix: str, files: dict[str, bytes], executable: set[str]
) -> None:
    """Add ``files`` below ``prefix``, each ``.py`` with its ``__pycache__`` twin."""
    cache_tag = sys.implementation.cache_tag
    for arcname, data in files.items():
        entries[f"{prefix}/{arcname}"] = (data, arcname in executable)
        if arcname.endswith(".py") and cache_tag:
            pyc = _pyc(data, arcname)
            if pyc is not None:
                directory, _, base = arcname.rpartition("/")
                cached = f"__pycache__/{base[:-3]}.{cache_tag}.pyc"
                entries[f"{prefix}/{directory}/{cached}" if directory else f"{prefix}/{cached}"] = (pyc, False)


def payload_entries(payload: Payload, manifest: dict[str, Any], shim: bytes) -> dict[str, tuple[bytes, bool]]:
    """Every file of the payload: arcname -> (bytes, executable)."""
    entries: dict[str, tuple[bytes, bool]] = {
        MANIFEST: (json.dumps(manifest, indent=1, sort_keys=True).encode() + b"\n", False),
        SHIM: (shim, True),
    }
    _with_pyc(entries, SITE, payload.files, payload.executable)
    _with_pyc(entries, RUNTIME, payload.runtime_files, payload.runtime_executable)
    return entries


def payload_zip(entries: dict[str, tuple[bytes, bool]], directories: Iterable[str] = ()) -> bytes:
    """The payload archive: deterministic, every entry STORED (the loader does not inflate).
    ``directories`` become entries of their own, so they exist even when empty."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=False) as archive:
        for name in sorted(directories):
            archive.writestr(_zip_entry(name.rstrip("/") + "/", True), b"")
        for name in sorted(entries):
            data, executable = entries[name]
            archive.writestr(_zip_entry(name, executable), data)
    return buffer.getvalue()


def manifest_for(
    spec: BuildSpec, payload: Payload, version: str, target: Target, runtime: Runtime | None
) -> dict[str, Any]:
    """``cpa_bundle.json``: what is inside, and for which Python and machine; no path of this machine."""
    return {
        "format": FORMAT,
        "plugin_id": spec.plugin_id,
        "version": version,
        "target": spec.target,
        "entry": spec.entry,
        "python": f"{spec.python_version[0]}.{spec.python_version[1]}",
        "implementation": sys.implementation.name,
        "cache_tag": sys.implementation.cache_tag,
        "platform": f"linux-{target.machine}",
        "glibc": target.glibc_text,
        "soabi": runtime.soabi if runtime else (sysconfig.get_config_var("SOABI") or ""),
        "runtime": runtime_summary(runtime) if runtime else "system",
        "own_packages": list(spec.own_packages),
        "top_levels": sorted(payload.top_levels),
        "distributions": dict(sorted(payload.distributions.items())),
    }


def trailer(offset: int, payload: bytes) -> bytes:
    return MAGIC + offset.to_bytes(8, "little") + len(payload).to_bytes(8, "little") + hashlib.sha256(payload).digest()


def retarget(payload: Payload, target: Target, log: Callable[[str], None]) -> None:
    """Replace the files of every compiled distribution by those of its wheel for ``target``."""
    for name, arcnames in sorted(payload.dist_files.items()):
        if not any(a.endswith(".so") or ".so." in a for a in arcnames):
            continue  # pure Python: the same on every machine
        for arcname in arcnames:
            payload.files.pop(arcname, None)
            payload.executable.discard(arcname)
        wheel = target_wheel(name, payload.distributions[name], target, log=log)
        payload.dist_files[name] = []
        for arcname, data, executable in wheel_files(wheel):
            payload.files[arcname] = data
            if executable:
                payload.executable.add(arcname)
            payload.dist_files[name].append(arcname)
        log(f"{name}: files of {wheel.name}")


def embed_runtime(
    payload: Payload,
    runtime: Runtime,
    probed: ProbeResult,
    *,
    scanned: Sequence[str],
    include: Iterable[str],
    full_stdlib: bool,
    log: Callable[[str], None],
) -> None:
    """Put libpython and the standard library the plugin needs into ``payload.runtime_files``.
    The import statements of the ``scanned`` top-level packages count too (cpa_sdk.build.stdlib)."""
    tops = {name.partition(".")[0] for name in [*probed.modules, *probed.startup]}
    prefixes = tuple(f"{top}/" for top in scanned) + tuple(f"{top}.py" for top in scanned)
    sources = [
        data
        for arcname, data in payload.files.items()
        if arcname.endswith(".py") and arcname.startswith(prefixes) and not arcname.startswith(BUILD_TIME)
    ]
    selection = select_stdlib(
        runtime, tops | set(include), mentioned=imported_top_levels(sources), full=full_stdlib, log=log
    )
    stdlib = runtime.stdlib.relative_to(runtime.prefix).as_posix()
    payload.runtime_files[runtime.libpython.relative_to(runtime.prefix).as_posix()] = runtime.libpython.read_bytes()
    payload.runtime_executable.add(runtime.libpython.relative_to(runtime.prefix).as_posix())
    for arcname, data in selection.files.items():
        payload.runtime_files[f"{stdlib}/{arcname}"] = data
        if arcname in selection.executable:
            payload.runtime_executable.add(f"{stdlib}/{arcname}")
    log(f"runtime: CPython {runtime.version} for {runtime.machine}, {len(selection.modules)} standard-library modules")


def write_bundle(
    spec: BuildSpec,
    out_dir: Path,
    *,
    options: BundleOptions = BundleOptions(),
    version: str | None = None,
    extra_paths: Sequence[str] = (),
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    log: Callable[[str], None] = lambda _: None,
) -> Path:
    """Write the self-contained ``<out_dir>/<plugin_id>.so`` for ``spec``, atomically, for the
    machine and with the runtime ``options`` name."""
    target, runtime = options.resolve(log)
    include = list(include)
    extra = [os.path.abspath(p) for p in extra_paths]
    probed = probe(spec, extra)
    payload = collect_payload(spec, probed, extra_paths=extra, include=include, exclude=exclude, log=log)
    if not target.is_host:
        retarget(payload, target, log)
    if runtime is not None:
        embed_runtime(
            payload,
            runtime,
            probed,
            scanned=(*spec.own_packages, "cpa_sdk"),
            include=include,
            full_stdlib=options.full_stdlib,
            log=log,
        )
    manifest = manifest_for(spec, payload, version if version is not None else spec.plugin_version, target, runtime)
    headers = [runtime.include] if runtime else python_link().include_dirs
    entries = payload_entries(payload, manifest, compile_bundle_shim(spec, target, headers, log=log))
    libpython = f"{RUNTIME}/{runtime.libpython.relative_to(runtime.prefix).as_posix()}" if runtime else None
    loader = compile_bundle_loader(spec, target, runtime_libpython=libpython, log=log)
    check_baseline(
        {LOADER: loader, **{name: data for name, (data, _) in entries.items()}},
        machine=target.machine,
        glibc=target.glibc,
    )
    directories = [f"{RUNTIME}/{runtime.dynload.relative_to(runtime.prefix).as_posix()}"] if runtime else []
    archive = payload_zip(entries, directories)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{spec.plugin_id}.so"
    partial = out_dir / f".{spec.plugin_id}.so.{os.getpid()}.tmp"
    try:
        with partial.open("wb") as out:
            out.write(loader)
            out.write(archive)
            out.write(trailer(len(loader), archive))
        partial.chmod(0o755)
        os.replace(partial, final)  # a running CPA keeps the old inode; never half a file
    finally:
        partial.unlink(missing_ok=True)
    log(f"payload: {len(archive) // 1024} KiB, {len(entries)} files, sha256 {hashlib.sha256(archive).hexdigest()}")
    return final


def read_bundle(path: str | os.PathLike[str], *, verify: bool = True) -> BundleInfo:
    """The trailer and manifest of a bundled ``.so``; ``BuildError`` if it is not an intact one."""
    path = Path(path)
    data = path.read_bytes()
    tail = data[-TRAILER_LEN:]
    if len(data) < TRAILER_LEN or tail[:16] != MAGIC:
        raise BuildError(f"{path} is not a cpa-sdk bundle (no payload trailer): build it with --bundle")
    offset, size = int.from_bytes(tail[16:24], "little"), int.from_bytes(tail[24:32], "little")
    if offset + size + TRAILER_LEN != len(data):
        raise BuildError(f"{path}: the payload trailer does not match the file size (truncated?)")
    archive = data[offset : offset + size]
    if verify and hashlib.sha256(archive).digest() != tail[32:]:
        raise BuildError(f"{path}: the payload fails its sha256 check")
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        manifest = json.loads(zipped.read(MANIFEST))
        names = tuple(zipped.namelist())
    return BundleInfo(path, tail[32:].hex(), offset, size, manifest, names)
