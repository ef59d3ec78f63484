"""Fenced code blocks of the documentation, run as the modules a reader would paste them into."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CodeBlock:
    source: str
    line: int
    """Line of the Markdown file the code starts on (1-based), for tracebacks that point there."""


def code_blocks(markdown: str, language: str = "python", *, after: str = "") -> list[CodeBlock]:
    """Every ```` ```language ```` block of ``markdown``, or only those after the text ``after``."""
    start = markdown.index(after) if after else 0
    pattern = re.compile(rf"^```{re.escape(language)}\n(.*?)^```", flags=re.S | re.M)
    return [
        CodeBlock(match.group(1), markdown.count("\n", 0, match.start(1)) + 1)
        for match in pattern.finditer(markdown, start)
    ]


@contextmanager
def run_as_module(block: CodeBlock, path: Path, name: str) -> Iterator[types.ModuleType]:
    """Execute ``block`` as the body of a fresh module ``name``, registered in ``sys.modules`` for
    the duration (pydantic and dataclasses look their classes' modules up there)."""
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        code = compile("\n" * (block.line - 1) + block.source, str(path), "exec")
        exec(code, module.__dict__)  # noqa: S102 - our own documentation
        yield module
    finally:
        del sys.modules[name]
