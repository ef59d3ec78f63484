"""How CPA names plugin libraries: ``<id>.so`` or ``<id>-v<version>.so``
(``internal/pluginhost/platform.go``).

The plugin ID is the file name, so the ID rule, reading a version off a file name and writing a
versioned one are one rule: the class check, ``build``, ``package``, ``new``, ``check`` and the
loaded plugin all ask this module.
"""

from __future__ import annotations

import os
import re
from typing import Final

__all__ = ["PLUGIN_ID_PATTERN", "library_file_name", "plugin_id_from_path", "split_version"]

PLUGIN_ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
"""CPA's plugin ID rule; the ID is the library's file name without extension."""

_VERSION_PATTERN: Final = re.compile(r"^[0-9][0-9A-Za-z.+-]*$")


def split_version(name: str) -> tuple[str, str]:
    """``(id, version)`` as CPA reads a file name without extension; version ``""`` if none.

    The last ``-v`` counts, and only when what stands before it is a valid ID and what follows a
    version (a digit first): ``codex-v2`` is plugin ``codex`` version ``2``.
    """
    index = name.rfind("-v")
    if index > 0:
        head, version = name[:index], name[index + 2 :]
        if PLUGIN_ID_PATTERN.match(head) and _VERSION_PATTERN.match(version):
            return head, version
    return name, ""


def plugin_id_from_path(path: str) -> str:
    """The plugin ID CPA derives from a library's path."""
    stem = os.path.basename(path).rsplit(".", 1)[0]
    return split_version(stem)[0]


def library_file_name(plugin_id: str, extension: str, version: str = "") -> str:
    """The file name CPA loads as ``plugin_id`` (at ``version``, when given)."""
    return f"{plugin_id}-v{version}{extension}" if version else f"{plugin_id}{extension}"
