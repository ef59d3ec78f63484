"""``cpa-sdk package``: a bundled plugin as CPA's plugin store installs it (docs/shipping.md).

CPA's store (``internal/pluginstore`` at v7.2.140; shared/docs/cpa-examples.md §8) installs one
file: the dynamic library found at the root of a zip named ``<id>_<version>_<goos>_<goarch>.zip``,
which must be called ``<id>.so`` or ``<id>-v<version>.so``. It writes it to
``plugins/<goos>/<goarch>/<id>-v<version>.so``. The zip is verified either by ``checksums.txt``
(``sha256sum`` lines naming the zip; GitHub-release installs, tag ``v<version>``) or by the
``sha256`` and ``size`` of a schema-2 ``direct`` registry entry. ``package_plugin`` writes all
three: the zip, ``checksums.txt`` (merged with an existing one) and, on request, ``registry.json``
(a schema-2 registry whose entry for this plugin is merged with an existing file's).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from cpa_sdk.build.bundle import read_bundle, write_bundle
from cpa_sdk.build.runtime import BundleOptions
from cpa_sdk.build.spec import DEFAULT_ENTRY, BuildError, BuildSpec

__all__ = [
    "VERSION_PATTERN",
    "PackageResult",
    "archive_name",
    "host_platform",
    "normalize_goarch",
    "normalize_goos",
    "normalize_version",
    "package_plugin",
]

VERSION_PATTERN: Final = re.compile(r"^[0-9][0-9A-Za-z.+-]*$")
"""CPA's plugin version rule (``pluginstore.validPluginVersion``), checked after one leading
``v`` is removed."""

_GOOS: Final = {"mac": "darwin", "macos": "darwin", "osx": "darwin"}
_GOARCH: Final = {"x64": "amd64", "x86_64": "amd64", "aarch64": "arm64"}
_SENSITIVE_QUERY: Final = frozenset({"token", "access_token", "access_key", "secret", "secret_key", "api_key"})
_ZIP_DATE: Final = (1980, 1, 1, 0, 0, 0)


def normalize_version(version: str) -> str:
    """``v1.2.3`` -> ``1.2.3`` (CPA strips one leading ``v``); ``BuildError`` if CPA would refuse it."""
    text = version.strip()
    if text[:1] in ("v", "V"):
        text = text[1:]
    if not VERSION_PATTERN.match(text):
        raise BuildError(
            f"version {version!r} is not valid for CPA: after one optional leading 'v' it must match "
            f"{VERSION_PATTERN.pattern} (for example 0.1.0; release tag v0.1.0)"
        )
    return text


def normalize_goos(goos: str) -> str:
    value = goos.strip().lower()
    return _GOOS.get(value, value)


def normalize_goarch(goarch: str) -> str:
    value = goarch.strip().lower()
    return _GOARCH.get(value, value)


def host_platform() -> tuple[str, str]:
    """This machine as Go names it: ``("linux", "amd64")``."""
    goos = {"win32": "windows", "cygwin": "windows"}.get(sys.platform, sys.platform.rstrip("0123456789"))
    return normalize_goos(goos), normalize_goarch(platform.machine())


def archive_name(plugin_id: str, version: str, goos: str, goarch: str) -> str:
    """The asset name CPA's store looks for (``pluginstore.ArchiveName``)."""
    return f"{plugin_id}_{version}_{goos}_{goarch}.zip"


def library_extension(goos: str) -> str:
    return {"darwin": ".dylib", "windows": ".dll"}.get(goos, ".so")


@dataclass(frozen=True)
class PackageResult:
    archive: Path
    checksums: Path
    registry: Path | None
    library_name: str
    plugin_id: str
    version: str
    goos: str
    goarch: str
    sha256: str
    size: int
    bundle_sha256: str


def _write_atomic(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _zip_library(name: str, library: bytes) -> bytes:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100755 << 16  # the store installs with the entry's mode
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, library, compresslevel=9)
    return buffer.getvalue()


def merge_checksums(existing: str, name: str, digest: str) -> str:
    """``checksums.txt`` with ``name``'s line replaced (``sha256sum`` format: hash, two spaces, name)."""
    lines: dict[str, str] = {}
    for raw in existing.splitlines():
        fields = raw.split()
        if len(fields) >= 2 and not raw.lstrip().startswith("#"):
            lines[fields[1].lstrip("*")] = fields[0].lower()
    lines[name] = digest
    return "".join(f"{lines[key]}  {key}\n" for key in sorted(lines))


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BuildError(f"--url-base must give an http(s) URL, got {url!r}")
    if parts.username or parts.password:
        raise BuildError("the artifact URL must not carry credentials (CPA refuses it)")
    if any(key.lower() in _SENSITIVE_QUERY for key, _ in parse_qsl(parts.query)):
        raise BuildError(f"the artifact URL must not carry any of the query keys {sorted(_SENSITIVE_QUERY)}")
    return url


def _plugin_text(cls: Any) -> str:
    """The first line of the class's own docstring, else of its module's."""
    doc = cls.__dict__.get("__doc__") or sys.modules[cls.__module__].__doc__ or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ").strip()
    return first


def registry_entry(
    cls: Any,
    plugin_id: str,
    version: str,
    artifact: dict[str, Any],
    *,
    description: str | None,
    author: str | None,
    homepage: str | None,
    license: str | None,
    tags: Sequence[str],
) -> dict[str, Any]:
    """A plugin entry of a schema-2 registry with ``direct`` install (§8.1, §8.3)."""
    entry: dict[str, Any] = {
        "id": plugin_id,
        "name": getattr(cls, "name", "") or plugin_id,
        "description": description or _plugin_text(cls),
        "author": author or getattr(cls, "author", "") or "",
        "version": version,
    }
    missing = [key for key in ("name", "description", "author") if not str(entry[key]).strip()]
    if missing:
        raise BuildError(
            f"a registry entry needs {', '.join(missing)}: set the class attribute(s) or a docstring, or pass "
            + " ".join(f"--{key}" for key in missing)
        )
    repository = getattr(cls, "github_repository", "") or ""
    if re.fullmatch(r"https://github\.com/[^/?#]+/[^/?#]+", repository) and not repository.endswith(".git"):
        entry["repository"] = repository
    for key, value in (("logo", getattr(cls, "logo", "") or ""), ("homepage", homepage), ("license", license)):
        if value:
            entry[key] = value
    if tags:
        entry["tags"] = list(tags)
    entry["install"] = {"type": "direct", "artifacts": [artifact]}
    return entry


def merge_registry(existing: dict[str, Any] | None, entry: dict[str, Any]) -> dict[str, Any]:
    """``existing`` (a registry document) with ``entry`` merged in.

    Same plugin and version: the artifacts of other platforms are kept. Same plugin, another
    version: the new version becomes the entry and the previous one moves to ``versions[]``.
    """
    registry: dict[str, Any] = {"schema_version": 2, "plugins": []} if existing is None else dict(existing)
    registry["schema_version"] = 2
    plugins: list[dict[str, Any]] = list(registry.get("plugins") or [])
    for index, old in enumerate(plugins):
        if old.get("id") != entry["id"]:
            continue
        new = dict(entry)
        versions = [v for v in old.get("versions") or [] if v.get("version") != entry["version"]]
        if old.get("version") == entry["version"]:
            platforms = {(a["goos"], a["goarch"]) for a in entry["install"]["artifacts"]}
            kept = [
                a
                for a in old.get("install", {}).get("artifacts") or []
                if (a.get("goos"), a.get("goarch")) not in platforms
            ]
            new["install"] = {
                "type": "direct",
                "artifacts": sorted(kept + entry["install"]["artifacts"], key=lambda a: (a["goos"], a["goarch"])),
            }
        elif old.get("version"):
            versions.append({"version": old["version"], "install": old.get("install", {})})
        if versions:
            new["versions"] = versions
        plugins[index] = new
        break
    else:
        plugins.append(entry)
    registry["plugins"] = plugins
    return registry


def package_plugin(
    target: str,
    out_dir: Path,
    *,
    version: str | None = None,
    goos: str | None = None,
    goarch: str | None = None,
    versioned_name: bool = False,
    registry: bool = False,
    url_base: str | None = None,
    description: str | None = None,
    author: str | None = None,
    homepage: str | None = None,
    license: str | None = None,
    tags: Sequence[str] = (),
    plugin_id: str | None = None,
    entry: str = DEFAULT_ENTRY,
    extra_paths: Sequence[str | os.PathLike[str]] = (),
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    options: BundleOptions = BundleOptions(),
    log: Callable[[str], None] = lambda _: None,
) -> PackageResult:
    """Bundle ``target`` and write what CPA's store installs (module docstring) into ``out_dir``.
    ``goarch`` (default: this machine's) overrides ``options.goarch``."""
    host_goos, host_goarch = host_platform()
    goos = normalize_goos(goos or host_goos)
    goarch = normalize_goarch(goarch or options.goarch or host_goarch)
    if goos != "linux":
        raise BuildError(f"cannot package for {goos}: bundles run on linux only (amd64, arm64; docs/shipping.md)")
    options = replace(options, goarch=goarch)
    options.target  # noqa: B018 - an unsupported architecture fails here, before anything is built
    if registry and not url_base:
        raise BuildError("--registry-entry needs --url-base: the URL directory the zip will be downloaded from")
    extras = [os.path.abspath(os.fspath(p)) for p in extra_paths]
    spec = BuildSpec.for_target(target, plugin_id=plugin_id, entry=entry, extra_paths=extras)
    declared = spec.plugin_version
    if not (version or declared):
        raise BuildError(f"{target} declares no version: set the class attribute version = '0.1.0' or pass --version")
    version = normalize_version(version or declared)
    if declared and normalize_version(declared) != version:
        log(f"note: the class says version {declared!r}; the package, and the plugin's registration, say {version!r}")

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / f".cpa-sdk-package-{os.getpid()}"
    try:
        library = write_bundle(
            spec,
            staging,
            options=options,
            version=version,
            extra_paths=extras,
            include=include,
            exclude=exclude,
            log=log,
        )
        bundle_sha = read_bundle(library).sha256
        data = library.read_bytes()
    finally:
        for leftover in staging.glob("*") if staging.exists() else ():
            leftover.unlink()
        if staging.exists():
            staging.rmdir()
    ext = library_extension(goos)
    library_name = f"{spec.plugin_id}-v{version}{ext}" if versioned_name else f"{spec.plugin_id}{ext}"
    archive = _zip_library(library_name, data)
    digest = hashlib.sha256(archive).hexdigest()
    zip_path = out_dir / archive_name(spec.plugin_id, version, goos, goarch)
    _write_atomic(zip_path, archive)
    checksums = out_dir / "checksums.txt"
    previous = checksums.read_text() if checksums.exists() else ""
    _write_atomic(checksums, merge_checksums(previous, zip_path.name, digest).encode())

    registry_path = None
    if registry:
        assert url_base is not None
        url = _check_url(url_base.rstrip("/") + "/" + zip_path.name)
        if url.startswith("http:"):
            log("warning: CPA's store downloads plain http URLs only with an allow-insecure store-auth rule; use https")
        artifact = {"goos": goos, "goarch": goarch, "url": url, "sha256": digest, "size": len(archive)}
        from cpa_sdk._bridge import import_plugin

        saved = list(sys.path)
        sys.path[:0] = [p for p in extras if p not in sys.path]
        try:
            cls = import_plugin(spec.target)
        finally:
            sys.path[:] = saved
        new_entry = registry_entry(
            cls,
            spec.plugin_id,
            version,
            artifact,
            description=description,
            author=author,
            homepage=homepage,
            license=license,
            tags=tags,
        )
        registry_path = out_dir / "registry.json"
        existing = json.loads(registry_path.read_text()) if registry_path.exists() else None
        document = merge_registry(existing, new_entry)
        _write_atomic(registry_path, (json.dumps(document, indent=2) + "\n").encode())
    log(
        f"{zip_path.name}: {library_name}, {len(data) // 1024} KiB library, {len(archive) // 1024} KiB zip, sha256 {digest}"
    )
    return PackageResult(
        zip_path,
        checksums,
        registry_path,
        library_name,
        spec.plugin_id,
        version,
        goos,
        goarch,
        digest,
        len(archive),
        bundle_sha,
    )
