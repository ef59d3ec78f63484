"""Fixtures of the conformance suite: CPA builds per version, plugin artifacts, evidence output.

Every test here runs once per CPA version: the pinned one (``PINNED_VERSION``, the loader module's
go.mod) and the newest v7 release the Go module proxy serves, when that is a different version.
What the host printed about loading each plugin, and what the fake upstream received, is echoed
in a terminal summary section so it shows in the CI log with or without ``-s``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conformance import harness

_LATEST: harness.LatestResolution | None = None
_BUILDS: dict[str, harness.CPABuild] = {}
_TIMINGS: dict[str, float] = {}


def latest_resolution() -> harness.LatestResolution:
    global _LATEST
    if _LATEST is None:
        _LATEST = harness.resolve_latest_version()
    return _LATEST


def cpa_versions() -> list[str]:
    versions = [harness.PINNED_VERSION]
    latest = latest_resolution().version
    if latest != harness.PINNED_VERSION:
        versions.append(latest)
    return versions


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "cpa" in metafunc.fixturenames:
        metafunc.parametrize("cpa", cpa_versions(), indirect=True, scope="session")


@pytest.fixture(scope="session")
def cpa(request: pytest.FixtureRequest) -> harness.CPABuild:
    """CPA (loader + server binaries) at the version of this parametrisation."""
    version: str = request.param
    if version not in _BUILDS:
        build = harness.build_cpa(version)
        _BUILDS[version] = build
        _TIMINGS[f"build CPA {version} (loader + server)"] = build.build_seconds
        harness.evidence(
            f"[{version}] built loader and CPA server from {build.module_dir.relative_to(harness.REPO)}"
            f" in {build.build_seconds:.1f}s"
        )
    return _BUILDS[version]


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> harness.Artifacts:
    started = time.monotonic()
    out = tmp_path_factory.mktemp("plugin-artifacts")
    paths: dict[str, Path] = {"control": harness.build_control_plugin(out / "c")}
    specs: dict[str, harness.PluginSpec] = {}
    blocked: dict[str, str] = {}
    failed: dict[str, str] = {}

    try:
        specs.update(harness.discover_reference_plugins())
    except Exception as exc:  # the SDK or a reference plugin does not import
        for plugin_id in harness.REQUIRED_REFERENCE_PLUGINS:
            failed[plugin_id] = f"importing reference_plugins failed: {exc!r}"
    for plugin_id, spec_text in harness.TEST_PLUGIN_SPECS.items():
        try:
            specs[plugin_id] = harness.load_spec(spec_text)
        except Exception as exc:
            failed[plugin_id] = f"importing {spec_text} failed: {exc!r}"
    for plugin_id in harness.REQUIRED_REFERENCE_PLUGINS:
        if plugin_id not in specs and plugin_id not in failed:
            blocked[plugin_id] = "reference plugin not in reference_plugins/ yet"

    if harness.standin_requested():
        paths.update(harness.build_standin_plugins(out / "standin"))
        harness.evidence(
            "CPA_CONFORMANCE_STANDIN=1: server tests ran C STAND-INS, NOT cpa-sdk plugins: "
            f"{sorted(harness.STANDIN_KINDS)}"
        )
        return harness.Artifacts(paths, specs, {}, {}, standin=True)
    available, detail = harness.build_cli_available()
    for plugin_id, spec in sorted(specs.items()):
        if not available:
            blocked[plugin_id] = f"`python -m cpa_sdk build` is not available yet ({detail})"
            continue
        try:
            paths[plugin_id] = harness.build_python_plugin(spec, out / "py")
        except AssertionError as exc:
            failed[plugin_id] = str(exc)
    _TIMINGS["build plugins (cpa_sdk build + gcc)"] = time.monotonic() - started
    built = sorted(pid for pid in paths if pid != "control")
    harness.evidence(f"built Python plugins with `{Path(sys.executable).name} -m cpa_sdk build`: {built or 'none'}")
    for plugin_id, why in sorted(blocked.items()):
        harness.evidence(f"BLOCKED {plugin_id}: {why}")
    for plugin_id, why in sorted(failed.items()):
        harness.evidence(f"BUILD FAILED {plugin_id}: {why.splitlines()[0] if why else ''}")
    return harness.Artifacts(paths, specs, blocked, failed)


@pytest.fixture(scope="session")
def golden() -> dict[str, Any]:
    return harness.golden()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not harness.EVIDENCE and _LATEST is None:
        return
    terminalreporter.section("CPA conformance evidence (real host)")
    if _LATEST is not None:
        terminalreporter.write_line(
            f"pinned CPA: {harness.PINNED_VERSION}; newest v7 on the module proxy: {_LATEST.version} ({_LATEST.how})"
        )
    for line in harness.EVIDENCE:
        terminalreporter.write_line(line)
    if _TIMINGS:
        terminalreporter.write_line("timings:")
        for name, seconds in _TIMINGS.items():
            if name.startswith("build"):
                terminalreporter.write_line(f"  {seconds:7.1f}s  {name}")
