"""docs/guides: every python example runs as written, and every guide is reachable."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.docs.code_blocks import CodeBlock, code_blocks, run_as_module

ROOT = Path(__file__).resolve().parents[2]
GUIDES = sorted((ROOT / "docs" / "guides").glob("*.md"))
EXAMPLES = [(page, block) for page in GUIDES for block in code_blocks(page.read_text())]


def test_there_is_a_guide_for_each_topic_with_an_example() -> None:
    assert {page.stem for page in GUIDES} == {"interceptors", "request-lifecycle", "stream-chunks", "plugin-state"}
    assert {page for page, _ in EXAMPLES} == set(GUIDES)


@pytest.mark.parametrize(
    ("page", "block"), EXAMPLES, ids=[f"{page.stem}-line-{block.line}" for page, block in EXAMPLES]
)
def test_every_python_example_runs(page: Path, block: CodeBlock) -> None:
    with run_as_module(block, page, f"guide_{page.stem.replace('-', '_')}_line_{block.line}"):
        pass


def test_every_guide_is_in_the_navigation_and_linked_from_the_home_page() -> None:
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]
    guides = next(entry["Guides"] for entry in nav if "Guides" in entry)
    assert sorted(path for item in guides for path in item.values()) == sorted(f"guides/{p.name}" for p in GUIDES)
    home = (ROOT / "docs" / "index.md").read_text()
    assert all(f"(guides/{page.name})" in home for page in GUIDES)
