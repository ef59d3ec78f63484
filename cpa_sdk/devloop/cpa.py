"""The CPA binary of ``cpa-sdk dev``: the one given with ``--cpa``, or built once from Go.

Without ``--cpa``, and with ``go`` on ``PATH``, CPA's server is built from its Go module at the
requested version, in a throwaway module, into the user cache
(``<cache>/cpa-sdk/cpa/<version>/cpa``), and reused from there on every later run. The build uses
the caller's Go environment (module proxy, module and build caches, ``GOTOOLCHAIN``) and adds only
``-mod=mod`` to ``GOFLAGS`` and ``CGO_ENABLED=1`` (CPA loads plugins through cgo).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from cpa_sdk.build.cache import user_cache
from cpa_sdk.build.spec import BuildError
from cpa_sdk.devloop import DevLoopError

__all__ = ["CPA_MODULE", "DEFAULT_VERSION", "build_cpa", "cached_cpa", "find_cpa"]

CPA_MODULE: Final = "github.com/router-for-me/CLIProxyAPI/v7"
DEFAULT_VERSION: Final = "v7.2.140"
"""The CPA release this SDK is tested against (tests/conformance)."""

_VERSION: Final = re.compile(r"^v7\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
BUILD_TIMEOUT: Final = 1800.0


def cached_cpa(version: str) -> Path:
    """Where the build of ``version`` is kept (``CPA_SDK_CPA_CACHE`` overrides the directory)."""
    check_version(version)
    try:
        root = user_cache("cpa", override="CPA_SDK_CPA_CACHE")
    except BuildError as exc:
        raise DevLoopError(str(exc)) from None
    return root / version / "cpa"


def check_version(version: str) -> None:
    if not _VERSION.match(version):
        raise DevLoopError(f"--cpa-version {version!r} is not a CPA v7 release such as {DEFAULT_VERSION}")


def find_cpa(cpa: Path | None, version: str, *, log: Callable[[str], None]) -> Path:
    """The CPA binary to run: ``cpa`` itself, or the cached build of ``version`` (built if needed)."""
    if cpa is not None:
        if not cpa.is_file() or not os.access(cpa, os.X_OK):
            raise DevLoopError(f"--cpa {cpa}: not an executable file")
        return cpa
    cached = cached_cpa(version)
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    if shutil.which("go") is None:
        raise DevLoopError(
            f"no CPA to run: pass --cpa PATH (a CLIProxyAPI server binary), or install Go so that "
            f"cpa-sdk dev can build {CPA_MODULE}/cmd/server@{version} once"
        )
    return build_cpa(version, cached, log=log)


def go_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment with what the build of CPA needs added."""
    env = dict(os.environ if environ is None else environ)
    flags = env.get("GOFLAGS", "").split()
    if not any(flag.startswith("-mod=") for flag in flags):
        flags.append("-mod=mod")
    env["GOFLAGS"] = " ".join(flags)
    env["CGO_ENABLED"] = "1"
    return env


def build_cpa(version: str, out: Path, *, log: Callable[[str], None]) -> Path:
    """``go build`` CPA's server at ``version`` into ``out`` (atomically: a failed build leaves nothing)."""
    check_version(version)
    out.parent.mkdir(parents=True, exist_ok=True)
    env = go_env()
    log(f"building CPA {version} from {CPA_MODULE} with {shutil.which('go')} (once; cached at {out})")
    with tempfile.TemporaryDirectory(prefix="cpa-sdk-cpa-") as scratch:
        module = Path(scratch)
        partial = out.parent / f".{out.name}.{os.getpid()}.partial"
        steps = [
            ["go", "mod", "init", "cpa-sdk.dev/cpa"],
            ["go", "get", f"{CPA_MODULE}@{version}"],
            ["go", "build", "-o", str(partial), f"{CPA_MODULE}/cmd/server"],
        ]
        for step in steps:
            log("$ " + " ".join(step))
            try:
                done = subprocess.run(step, cwd=module, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
            except subprocess.TimeoutExpired:
                partial.unlink(missing_ok=True)
                raise DevLoopError(f"{' '.join(step)} did not finish in {BUILD_TIMEOUT:.0f}s") from None
            if done.returncode != 0:
                partial.unlink(missing_ok=True)
                tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-20:])
                raise DevLoopError(f"building CPA failed: {' '.join(step)} exited {done.returncode}:\n{tail}")
        if not partial.is_file():
            raise DevLoopError(f"go build wrote no {partial}")
        os.replace(partial, out)
    return out
