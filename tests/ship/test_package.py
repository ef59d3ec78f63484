"""``cpa-sdk package``: what it writes is what CPA's plugin store expects (cpa-examples.md §8).

The zip, checksums.txt and registry.json are checked here against the store's rules as the
shared docs state them; ``test_real_cpa.py`` lets CPA's own store client install them.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

from cpa_sdk.build import BuildError, build_plugin
from cpa_sdk.build.bundle import MAGIC, NEVER_BY_REQUIREMENT, TRAILER_LEN, read_bundle
from cpa_sdk.build.package import merge_checksums, merge_registry, normalize_version, package_plugin
from tests.ship.conftest import GOARCH, GOOS, PLUGIN_ID, TARGET, URL_BASE, Packages, forbidden_roots

SHA256SUM_LINE = re.compile(r"^[0-9a-f]{64}  (\S+)$")


def test_zip_holds_exactly_one_library_at_its_root(packages: Packages) -> None:
    for packaged in (packages.v1, packages.v2):
        with zipfile.ZipFile(packaged.archive) as zipped:
            infos = zipped.infolist()
            assert [i.filename for i in infos] == [packaged.library_name]
            assert (infos[0].external_attr >> 16) & 0o777 == 0o755  # the store installs with this mode
            library = zipped.read(infos[0])
        assert library[:4] == b"\x7fELF" and library[-TRAILER_LEN:][:16] == MAGIC


def test_checksums_txt_is_sha256sum_output_for_every_zip(packages: Packages) -> None:
    lines = (packages.dist / "checksums.txt").read_text().splitlines()
    names = {}
    for line in lines:
        match = SHA256SUM_LINE.match(line)
        assert match, line
        names[match.group(1)] = line[:64]
    assert set(names) == {packages.v1.archive.name, packages.v2.archive.name}
    for packaged in (packages.v1, packages.v2):
        assert names[packaged.archive.name] == hashlib.sha256(packaged.archive.read_bytes()).hexdigest()


def test_registry_json_is_a_schema_2_direct_entry_with_both_versions(packages: Packages) -> None:
    registry = json.loads((packages.dist / "registry.json").read_text())
    assert registry["schema_version"] == 2
    [entry] = registry["plugins"]
    assert entry["id"] == PLUGIN_ID and re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", entry["id"])
    assert all(str(entry[key]).strip() for key in ("name", "description", "author"))
    assert entry["version"] == "0.2.0"  # no leading v, the newest packaged
    assert entry["repository"] == "https://github.com/router-for-me/CLIProxyAPI"
    archive = packages.v2.archive
    assert entry["install"] == {
        "type": "direct",
        "artifacts": [
            {
                "goos": GOOS,
                "goarch": GOARCH,
                "url": f"{URL_BASE}/v0.2.0/{archive.name}",
                "sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
                "size": archive.stat().st_size,
            }
        ],
    }
    [older] = entry["versions"]
    assert older["version"] == "0.1.0"
    assert older["install"]["artifacts"][0]["url"] == f"{URL_BASE}/v0.1.0/{packages.v1.archive.name}"
    assert older["install"]["artifacts"][0]["sha256"] == hashlib.sha256(packages.v1.archive.read_bytes()).hexdigest()


def test_bundle_manifest_and_contents(packages: Packages, tmp_path: Path) -> None:
    with zipfile.ZipFile(packages.v1.archive) as zipped:
        library = tmp_path / packages.v1.library_name
        library.write_bytes(zipped.read(packages.v1.library_name))
    info = read_bundle(library)
    manifest = info.manifest
    assert manifest["plugin_id"] == PLUGIN_ID and manifest["version"] == "0.1.0" and manifest["target"] == TARGET
    assert manifest["python"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert manifest["own_packages"] == ["reference_plugins"]
    bundled = set(manifest["distributions"])
    assert {
        "cpa-sdk",
        "pydantic",
        "pydantic-core",
        "typing-extensions",
        "typing-inspection",
        "annotated-types",
        "pyyaml",
    } <= bundled
    assert not bundled & NEVER_BY_REQUIREMENT and not any(name.startswith("mkdocs") for name in bundled)
    names = set(info.names)
    assert {
        "cpa_bundle.json",
        "bridge.so",
        "site/reference_plugins/codex_service_tier.py",
        f"site/reference_plugins/__pycache__/codex_service_tier.{sys.implementation.cache_tag}.pyc",
    } <= names
    assert any(re.match(r"site/pydantic_core/_pydantic_core\..*\.so$", n) for n in names)  # compiled code too
    assert not any(n.endswith(("RECORD", "direct_url.json", ".pth")) for n in names)
    assert all(
        zipped_info.compress_type == zipfile.ZIP_STORED for zipped_info in zipfile.ZipFile(library).infolist()
    )  # the loader does not inflate


def test_the_library_records_no_path_of_the_build_machine(packages: Packages) -> None:
    with zipfile.ZipFile(packages.v1.archive) as zipped:
        library = zipped.read(packages.v1.library_name)
    for root in forbidden_roots():
        assert root.encode() not in library, f"{root} is recorded in the bundle"


def test_same_inputs_same_payload(tmp_path: Path) -> None:
    """Rebuilding unchanged code gives the same payload, hence the same cache directory."""
    first = read_bundle(build_plugin(TARGET, tmp_path / "a", bundle=True))
    second = read_bundle(build_plugin(TARGET, tmp_path / "b", bundle=True))
    assert first.sha256 == second.sha256


def test_version_rules() -> None:
    assert normalize_version("0.1.0") == "0.1.0"
    assert normalize_version("v1.2.3") == "1.2.3"  # the tag form; CPA strips one v
    assert normalize_version("V2.0.0-rc.1+build.5") == "2.0.0-rc.1+build.5"
    for bad in ("", "v", "vv1.0", "1.0 beta", "beta", "-1.0", "1/0", "1.0_1"):
        with pytest.raises(BuildError, match="not valid for CPA"):
            normalize_version(bad)


def test_package_refuses_other_platforms_and_needs_a_url_for_a_registry_entry(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="bundles run on linux only"):
        package_plugin(TARGET, tmp_path, goos="darwin")
    with pytest.raises(BuildError, match="unsupported architecture 'riscv64'"):
        package_plugin(TARGET, tmp_path, goarch="riscv64")
    with pytest.raises(BuildError, match="needs --url-base"):
        package_plugin(TARGET, tmp_path, registry=True)
    with pytest.raises(BuildError, match="not valid for CPA"):
        package_plugin(TARGET, tmp_path, version="latest")
    assert list(tmp_path.iterdir()) == []


def test_merging_checksums_and_registries() -> None:
    text = merge_checksums("# comment\n" + "a" * 64 + "  x.zip\n" + "b" * 64 + " *y.zip\n", "x.zip", "c" * 64)
    assert text == "c" * 64 + "  x.zip\n" + "b" * 64 + "  y.zip\n"
    artifact = {"goos": "linux", "goarch": "amd64", "url": "https://h/x.zip", "sha256": "a" * 64, "size": 1}
    other = dict(artifact, goarch="arm64", sha256="b" * 64)
    entry = {
        "id": "p",
        "name": "p",
        "description": "d",
        "author": "a",
        "version": "1.0.0",
        "install": {"type": "direct", "artifacts": [artifact]},
    }
    one = merge_registry(None, entry)
    both = merge_registry(one, dict(entry, install={"type": "direct", "artifacts": [other]}))
    assert both["plugins"][0]["install"]["artifacts"] == [artifact, other]  # same version: platforms add up
    newer = merge_registry(both, dict(entry, version="1.1.0"))
    assert newer["plugins"][0]["version"] == "1.1.0"
    assert newer["plugins"][0]["versions"] == [{"version": "1.0.0", "install": both["plugins"][0]["install"]}]
    assert merge_registry(newer, dict(entry, id="q"))["plugins"][1]["id"] == "q"
