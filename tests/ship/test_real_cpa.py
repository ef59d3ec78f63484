"""CPA's own store client installs the packaged plugin and CPA's own plugin host loads it.

The conformance loader (``tests/conformance/loader``, built with the pinned CPA) runs
``sdk/pluginstore``: once from the schema-2 ``registry.json`` that ``cpa-sdk package`` wrote
(direct install: URL, sha256, size), once from a schema-1 registry through a GitHub release
(tag ``v0.1.0``, assets ``<id>_0.1.0_linux_amd64.zip`` and ``checksums.txt``). Every request it
makes goes to a local HTTP server that serves ``dist/`` and plays the GitHub API. Then
``sdk/pluginhost`` loads what the store installed, in an environment with nothing of the build.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conformance import harness
from tests.ship.conftest import GOARCH, GOOS, PLUGIN_ID, Packages, forbidden_roots

REPOSITORY = "https://github.com/example/codex-service-tier"


class StoreServer:
    """Serves the files of ``dist`` (by base name, whatever the path) and a GitHub release."""

    def __init__(self, dist: Path, release: dict[str, Any], registries: dict[str, bytes]) -> None:
        self.requests: list[str] = []

        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server API
                owner.requests.append(f"{self.headers.get('Host')}{self.path}")
                name = self.path.rsplit("/", 1)[-1]
                if self.path.endswith("/releases/latest"):
                    body = json.dumps(release).encode()
                elif name in registries:
                    body = registries[name]
                elif (dist / name).is_file():
                    body = (dist / name).read_bytes()
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def store(packages: Packages) -> Iterator[StoreServer]:
    v1 = packages.v1.archive.name
    download = f"{REPOSITORY}/releases/download/v0.1.0"
    release = {
        "tag_name": "v0.1.0",
        "assets": [
            {"name": v1, "browser_download_url": f"{download}/{v1}"},
            {"name": "checksums.txt", "browser_download_url": f"{download}/checksums.txt"},
        ],
    }
    github_registry = {
        "schema_version": 1,
        "plugins": [
            {
                "id": PLUGIN_ID,
                "name": PLUGIN_ID,
                "description": "Codex priority service tier",
                "author": "router-for-me",
                "repository": REPOSITORY,
            }
        ],
    }
    server = StoreServer(packages.dist, release, {"registry-github.json": json.dumps(github_registry).encode()})
    try:
        yield server
    finally:
        server.close()


def test_cpa_store_installs_and_cpa_host_loads_the_package(
    packages: Packages, store: StoreServer, golden: dict[str, Any], tmp_path: Path
) -> None:
    cpa = harness.build_cpa(harness.PINNED_VERSION)
    (tmp_path / "auths").mkdir()
    plugins = tmp_path / "plugins"
    steps = [
        {
            "op": "store_install",
            "id": PLUGIN_ID,
            "serve_from": store.address,
            "registry_url": "https://raw.githubusercontent.com/example/store/main/registry-github.json",
        },
        {
            "op": "store_install",
            "id": PLUGIN_ID,
            "serve_from": store.address,
            "registry_url": "https://plugins.example.test/registry.json",
        },
        {"op": "apply", "enabled": True, "configs": {PLUGIN_ID: "enabled: true\nfast: true\n"}},
        {"op": "registered"},
        {"op": "shutdown_all"},
    ]
    scenario = {
        "plugins_dir": str(plugins),
        "auth_dir": str(tmp_path / "auths"),
        "timeout_seconds": 120,
        "steps": steps,
    }
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C",
        "PYTHONPATH": str(tmp_path / "garbage"),
        "PYTHONHOME": str(tmp_path / "garbage"),
        "CPA_SDK_CACHE_DIR": str(tmp_path / "cache"),
        "CPA_SDK_DEBUG": "1",
    }
    proc = harness.run([str(cpa.loader)], cwd=tmp_path, env=env, input_text=json.dumps(scenario))
    results = json.loads(proc.stdout)["results"]
    github, direct = results[0], results[1]
    assert github == {
        "op": "store_install",
        "error": None,
        "install_type": "github-release",
        "release_tag": "v0.1.0",
        "version": "0.1.0",
        "path": str(plugins / GOOS / GOARCH / f"{PLUGIN_ID}-v0.1.0.so"),
    }, github
    assert direct == {
        "op": "store_install",
        "error": None,
        "install_type": "direct",
        "release_tag": "",
        "version": "0.2.0",
        "path": str(plugins / GOOS / GOARCH / f"{PLUGIN_ID}-v0.2.0.so"),
    }, direct
    assert any(r.endswith(f"/{packages.v1.archive.name}") for r in store.requests)
    assert any(r.endswith("/checksums.txt") for r in store.requests)

    [plugin] = results[3]["plugins"]
    expected = harness.golden_registration(golden, PLUGIN_ID)
    assert expected is not None
    assert plugin["id"] == PLUGIN_ID and plugin["metadata"]["Name"] == expected[1]["metadata"]["Name"]
    assert plugin["metadata"]["ConfigFields"] == expected[1]["metadata"]["ConfigFields"]
    log = proc.stderr.splitlines()
    loaded = [line for line in log if "pluginhost: plugin loaded" in line]
    assert len(loaded) == 1 and f"{PLUGIN_ID}-v0.2.0.so" in loaded[0], loaded  # the newest version wins
    reports = [json.loads(line.split(" ", 1)[1]) for line in log if line.startswith("cpa-sdk-debug ")]
    assert [r["event"] for r in reports] == ["load", "shutdown"]
    site = reports[-1]["site"]
    assert site.startswith(str(tmp_path / "cache" / "payloads") + "/")
    modules = reports[-1]["modules"]
    assert modules["reference_plugins.codex_service_tier"].startswith(site + "/")
    assert modules["pydantic_core._pydantic_core"].startswith(site + "/")
    for name, file in modules.items():
        assert not any(file.startswith(root + "/") for root in forbidden_roots()), (name, file)
    harness.evidence(
        f"[{cpa.version}] ship: CPA's store installed {PLUGIN_ID} 0.1.0 (GitHub release, checksums.txt)"
        f" and 0.2.0 (schema-2 direct); the host loaded {Path(loaded[0].split('path=')[-1]).name}"
        " from the payload cache"
    )
