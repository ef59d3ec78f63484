"""CPA's file-name rule, in one place: the ID pattern, the ``-v<version>`` suffix, versioned names."""

from __future__ import annotations

import pytest

from cpa_sdk.plugin_files import PLUGIN_ID_PATTERN, library_file_name, plugin_id_from_path, split_version


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("codex", ("codex", "")),
        ("codex-v2", ("codex", "2")),
        ("codex-v0.2.0+build-1", ("codex", "0.2.0+build-1")),
        ("a-v1-vx", ("a-v1-vx", "")),  # the last -v counts, and "x" is no version
        ("-v1", ("-v1", "")),  # nothing before it
        ("codex-version", ("codex-version", "")),
        ("x.y-v1-v2", ("x.y-v1", "2")),
    ],
)
def test_split_version_reads_names_as_cpa_does(name: str, expected: tuple[str, str]) -> None:
    assert split_version(name) == expected


def test_file_names_round_trip() -> None:
    assert library_file_name("codex", ".so") == "codex.so"
    assert library_file_name("codex", ".so", "0.2.0") == "codex-v0.2.0.so"
    assert plugin_id_from_path("/plugins/linux/amd64/" + library_file_name("codex", ".so", "0.2.0")) == "codex"
    assert plugin_id_from_path("codex.so") == "codex"


def test_the_id_pattern_is_cpas() -> None:
    assert PLUGIN_ID_PATTERN.match("a" * 128) and not PLUGIN_ID_PATTERN.match("a" * 129)
    assert not PLUGIN_ID_PATTERN.match(".hidden") and not PLUGIN_ID_PATTERN.match("a/b")
