"""How an unexpected exception in plugin code reads in CPA's log.

CPA's log formatter prints a ``host.log`` message but only a fixed list of field names
(``internal/logging/global_logger.go``, ``logFieldOrder``): a traceback sent as a field never
reaches the operator. So the message itself carries where the failure happened
(``file.py:line in function``) and the plugin's own frames of the traceback; the SDK's frames
(the dispatcher calling the plugin) are left out, since they are the same for every failure.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Final

__all__ = ["MAX_FRAMES", "failure_message"]

MAX_FRAMES: Final = 8
"""The innermost frames the message shows; deeper ones are summarised by a count."""

_SDK_ROOT: Final = Path(__file__).resolve().parent


def failure_message(context: str, exc: BaseException) -> str:
    """``context: Type: text at file.py:line in function`` then the plugin's frames, innermost last."""
    frames = _plugin_frames(exc)
    headline = f"{context}: {type(exc).__name__}: {exc}"
    if not frames:
        return headline
    innermost = frames[-1]
    headline += f" at {Path(innermost.filename).name}:{innermost.lineno} in {innermost.name}"
    shown = frames[-MAX_FRAMES:]
    lines = [headline, "Traceback (most recent call last):"]
    if len(frames) > len(shown):
        lines.append(f"  ... {len(frames) - len(shown)} outer frames")
    lines += "".join(traceback.StackSummary.from_list(shown).format()).rstrip("\n").split("\n")
    return "\n".join(lines)


def _plugin_frames(exc: BaseException) -> list[traceback.FrameSummary]:
    """The traceback's frames outside the SDK; all of them when the failure is the SDK's own."""
    frames = list(traceback.extract_tb(exc.__traceback__))
    outside = [frame for frame in frames if not _in_sdk(frame.filename)]
    return outside or frames


def _in_sdk(filename: str) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(_SDK_ROOT)
    except (OSError, ValueError):
        return False
