"""Where the build keeps what it makes once and reuses: runtimes, downloaded wheels.

The user cache directory (XDG's), not the project: a runtime takes minutes to build and is the
same for every plugin of one Python version and target.
"""

from __future__ import annotations

import os
from pathlib import Path

from cpa_sdk.build.spec import BuildError

__all__ = ["user_cache"]


def user_cache(name: str, *, override: str | None = None) -> Path:
    """``<cache>/cpa-sdk/<name>``; the environment variable ``override`` (an absolute path) wins."""
    value = os.environ.get(override, "") if override else ""
    if value:
        if not os.path.isabs(value):
            raise BuildError(f"${override} must be an absolute path, not {value!r}")
        return Path(value)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return root / "cpa-sdk" / name
