"""The documentation site builds with mkdocs --strict, with a generated page per capability."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cpa_sdk.capabilities import CAPABILITIES

ROOT = Path(__file__).resolve().parents[2]


def test_mkdocs_strict_build_generates_every_capability_page(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for key, capability in CAPABILITIES.items():
        page = (site / "capabilities" / key / "index.html").read_text()
        assert capability.__name__ in page
        for method in capability.capability_methods:
            assert method.name in page
            if method.request is not None:
                # every request field appears with its Go JSON name
                for name, info in method.request.model_fields.items():
                    assert f"<code>{info.alias or name}</code>" in page, (key, method.name, name)
