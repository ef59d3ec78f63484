"""Fixtures of the reference tests: the C test host, and every port built into its ``.so``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reference_plugins.build_all import main
from tests.c_host import c_host  # noqa: F401  (a fixture)


@pytest.fixture(scope="session")
def reference_builds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory into which ``python -m reference_plugins.build_all`` built every port, once per session, as
    ``<plugin_id>.so`` (gcc is needed: without it this fails, it does not skip)."""
    out = tmp_path_factory.mktemp("reference-builds")
    result = CliRunner().invoke(main, ["-o", str(out), "-q"])
    assert result.exit_code == 0, f"{result.output}{result.exception!r}"
    return out
