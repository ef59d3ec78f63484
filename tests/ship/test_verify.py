"""``cpa-sdk verify``: a built plugin run with nothing of this machine's Python, as on CPA's machine."""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cpa_sdk.build import build_plugin
from cpa_sdk.cli import main
from tests.ship.conftest import PLUGIN_ID, Packages

NORMALIZE = '{"ToFormat":"codex","Model":"gpt-5.5","Body":"e30="}'

LAZY_PLUGIN = textwrap.dedent("""\
    from cpa_sdk import Plugin, RequestNormalizer
    from cpa_sdk.wire import PayloadResponse, RequestTransformRequest


    class LazyPlugin(Plugin, RequestNormalizer):
        plugin_id = name = "lazy-verify"
        version, author, github_repository = "0.1.0", "tests", "https://example.invalid/lazy"

        def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
            if request.model == "fancy":
                import not_installed_anywhere  # only this branch needs it
            import json  # the standard library: in the bundle's runtime
            return None
""")


@pytest.fixture(scope="module")
def lazy_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("lazy-src")
    (source / "lazy_verify_plugin.py").write_text(LAZY_PLUGIN)
    return build_plugin(
        "lazy_verify_plugin:LazyPlugin", tmp_path_factory.mktemp("lazy-out"), bundle=True, extra_paths=[source]
    )


def unzipped(packages: Packages, tmp_path: Path) -> Path:
    with zipfile.ZipFile(packages.v1.archive) as zipped:
        zipped.extract(f"{PLUGIN_ID}.so", tmp_path)
    return tmp_path / f"{PLUGIN_ID}.so"


def test_a_complete_bundle_verifies_and_answers_its_calls(packages: Packages, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("fast: true\n")
    result = CliRunner().invoke(
        main,
        [
            "verify",
            str(unzipped(packages, tmp_path)),
            "-c",
            str(config),
            "--call",
            "request.normalize",
            NORMALIZE,
            "--strict",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        'request.normalize: rc 0 {"ok": true, "result": {"Body": "eyJzZXJ2aWNlX3RpZXIiOiJwcmlvcml0eSJ9"}}'
        in result.output
    )
    assert "ok: the plugin runs with nothing but what it carries" in result.output


def test_an_import_inside_a_function_the_bundle_lacks_is_named_with_its_line(lazy_bundle: Path) -> None:
    result = CliRunner().invoke(main, ["verify", str(lazy_bundle), "--call", "request.normalize", '{"Model":"plain"}'])
    assert result.exit_code == 0, result.output  # the run itself never reaches that import
    line = LAZY_PLUGIN.splitlines().index("            import not_installed_anywhere  # only this branch needs it") + 1
    assert (
        f"warning: lazy_verify_plugin.py:{line} imports 'not_installed_anywhere' inside a function, and the "
        "bundle has no 'not_installed_anywhere'"
    ) in result.output
    assert "'json'" not in result.output
    assert CliRunner().invoke(main, ["verify", str(lazy_bundle), "--strict"]).exit_code == 1


def test_a_call_that_fails_where_nothing_helps_is_a_problem(lazy_bundle: Path) -> None:
    result = CliRunner().invoke(main, ["verify", str(lazy_bundle), "--call", "request.normalize", '{"Model":"fancy"}'])
    assert result.exit_code == 1
    assert "problem: request.normalize answered an error" in result.output and "not_installed_anywhere" in result.output
    assert "plugin log: request.normalize failed: ModuleNotFoundError" in result.output


def test_a_library_that_is_not_a_bundle_is_said_to_need_this_machine(tmp_path: Path) -> None:
    library = build_plugin("reference_plugins.codex_service_tier:CodexServiceTier", tmp_path)
    result = CliRunner().invoke(main, ["verify", str(library)])
    assert result.exit_code == 0, result.output
    assert "is not a bundle: it runs only where this machine's Python" in result.output
