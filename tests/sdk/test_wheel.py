"""The ``cpa-sdk`` wheel installs the SDK and nothing else: ``cpa_sdk``, with the shim's C sources
inside it, and no top-level ``reference_plugins`` or ``abi_bridge`` beside it.

The wheel is built from a copy of the checkout (setuptools writes ``build/`` and ``*.egg-info``
next to the sources), without build isolation: the dev extras bring a setuptools that builds
wheels itself, so this needs no network.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from cpa_sdk.abi_bridge import LOADER_SOURCES, SHIM_SOURCES

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("pyproject.toml", "README.md", "cpa_sdk", "reference_plugins")
"""What the build reads, and the examples, which must stay out of the wheel although they sit beside it."""


def _build_wheel(tmp_path: Path) -> zipfile.ZipFile:
    source = tmp_path / "src"
    source.mkdir()
    for name in COPIED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = out.glob("cpa_sdk-*.whl")
    return zipfile.ZipFile(wheel)


def test_wheel_holds_only_cpa_sdk_with_the_shim_sources(tmp_path: Path) -> None:
    with _build_wheel(tmp_path) as wheel:
        names = wheel.namelist()
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"cpa_sdk"}
    shim = {name.rpartition("/")[2] for name in names if name.startswith("cpa_sdk/abi_bridge/")}
    assert {*SHIM_SOURCES, *LOADER_SOURCES, "cpa_abi.h", "cpa_bundle.h", "cpa_envelope.h"} <= shim
    assert "cpa_sdk/testing/host/cpa_test_host.c" in names  # cpa-sdk verify compiles it
