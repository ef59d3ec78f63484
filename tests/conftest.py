"""Shared fixtures: the facts in ../shared (golden vectors, benchmark bodies)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CPA_SHARED_DIR", ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def golden() -> dict[str, Any]:
    """The upstream examples' observed bytes (../shared/vectors/cpa-examples-golden.json)."""
    path = SHARED / "vectors" / "cpa-examples-golden.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the shared facts must sit beside the repository")
    data: dict[str, Any] = json.loads(path.read_text())
    return data
