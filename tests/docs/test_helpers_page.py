"""docs/helpers.md: every python example runs as written, and the page covers every helper."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from tests.docs.code_blocks import CodeBlock, code_blocks, run_as_module

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "helpers.md"
HELPER_MODULES = ["cpa_sdk.json_edit", "cpa_sdk.sse", "cpa_sdk.admission", "cpa_sdk.termination"]
BLOCKS = code_blocks(PAGE.read_text())


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= len(HELPER_MODULES)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"line-{block.line}" for block in BLOCKS])
def test_every_python_example_runs(block: CodeBlock) -> None:
    # each block stands alone, as a reader would paste it into a file of its own
    with run_as_module(block, PAGE, f"helpers_page_line_{block.line}"):
        pass


@pytest.mark.parametrize("module_name", HELPER_MODULES)
def test_every_public_name_of_each_helper_is_documented_and_used(module_name: str) -> None:
    text = PAGE.read_text()
    assert f"`{module_name}`" in text
    examples = "".join(block.source for block in BLOCKS)
    for name in importlib.import_module(module_name).__all__:
        assert f"`{name}" in text, f"{module_name}.{name} is not documented on {PAGE.name}"
        assert name in examples, f"no example on {PAGE.name} uses {module_name}.{name}"


def test_the_page_is_in_the_site_navigation_and_linked_from_the_home_page() -> None:
    pages = [page for entry in yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"] for page in entry.values()]
    assert pages[pages.index("host-callbacks.md") + 1] == "helpers.md"
    assert "(helpers.md)" in (ROOT / "docs" / "index.md").read_text()
