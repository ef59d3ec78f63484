"""Build a Python plugin into the ``<id>.so`` that CPA loads (``cpa-sdk build``).

``build_plugin("pkg.mod:MyPlugin", Path("dist"))`` imports the class to read its ``plugin_id``,
records where this interpreter and the plugin's code live (``spec``), and compiles the C shim
from ``abi_bridge`` with gcc (``compiler``). The result embeds CPython; see docs/abi-bridge.md.
With ``bundle=True`` the ``.so`` is self-contained instead: it carries the plugin's code and
dependencies (``bundle``; docs/shipping.md), and ``package`` zips it for CPA's plugin store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from cpa_sdk.build.bundle import write_bundle
from cpa_sdk.build.compiler import compile_plugin
from cpa_sdk.build.runtime import BundleOptions
from cpa_sdk.build.spec import DEFAULT_ENTRY, BuildError, BuildSpec

__all__ = ["DEFAULT_ENTRY", "BuildError", "BuildSpec", "BundleOptions", "build_plugin"]


def build_plugin(
    target: str,
    out_dir: Path,
    *,
    plugin_id: str | None = None,
    entry: str = DEFAULT_ENTRY,
    extra_paths: Sequence[str | os.PathLike[str]] = (),
    python_version: tuple[int, int] | None = None,
    log: Callable[[str], None] = lambda _: None,
    bundle: bool = False,
    version: str | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    options: BundleOptions = BundleOptions(),
) -> Path:
    """Write ``<out_dir>/<plugin_id>.so`` for ``target`` (``package.module:ClassName``).

    ``plugin_id`` overrides the class attribute ``plugin_id``; ``entry`` is the Python function
    the shim calls to load the plugin; ``extra_paths`` go on the plugin's ``sys.path``.
    ``python_version`` records another ``(major, minor)`` than the running one; it exists only to
    test the shim's refusal of a mismatched interpreter. Raises ``BuildError``.

    ``bundle=True`` writes a self-contained library (docs/shipping.md); ``version`` (default: the
    class's ``version``) goes into its manifest, ``include`` adds distributions or top-level
    modules to it, ``exclude`` drops distributions, ``options`` names the target machine and the
    runtime (by default CPython embedded, for this architecture and glibc 2.17).
    """
    spec = BuildSpec.for_target(
        target, plugin_id=plugin_id, entry=entry, extra_paths=extra_paths, python_version=python_version
    )
    log(f"plugin {spec.plugin_id!r}: target {spec.target}, entry {spec.entry}")
    if bundle:
        return write_bundle(
            spec,
            Path(out_dir),
            options=options,
            version=version,
            extra_paths=[os.fspath(p) for p in extra_paths],
            include=include,
            exclude=exclude,
            log=log,
        )
    return compile_plugin(spec, Path(out_dir), log=log)
