"""CPA's log as records, and which records are the plugin's.

CPA writes one record per log call, ``[2026-01-02 15:04:05] [request-id] [info ] [file.go:12]
message fields`` (logrus with CPA's ``LogFormatter``, caller reporting on). A message with
newlines, such as the traceback the SDK logs for a failed call, goes on over lines without that
prefix: those belong to the record above them and share its verdict. Lines are judged as they
come; waiting for the next record to know where one ends would hold the last one back.

A record is the plugin's when it carries ``plugin_id=<id>`` (CPA's own records about loading and
registering it, the SDK's failures, the dev loop's reloads), names ``plugin <id>`` (CPA's
``pluginhost: plugin <id> <method> failed``), or was written by CPA's ``host.log`` callback: the
dev CPA loads no other plugin, so every ``host.log`` record is this one's.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["LogView"]

_RECORD: Final = re.compile(r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] ")
_HOST_LOG_CALLER: Final = re.compile(r"^\[[^]]*\] \[[^]]*\] \[[^]]*\] \[host_callbacks\.go:\d+\] ")
"""The caller CPA reports for ``host.log`` (``internal/pluginhost/host_callbacks.go``)."""


class LogView:
    """Tells, line by line, whether a line of CPA's output is part of one of the plugin's records."""

    def __init__(self, plugin_id: str) -> None:
        word = re.escape(plugin_id) + r"(?![\w.-])"
        self._mentions = re.compile(rf"(?:\splugin_id={word}|\bplugin {word})")
        self._in_plugin_record = False

    def is_plugin(self, line: str) -> bool:
        """Whether ``line`` (the next line of CPA's output) belongs to a record of the plugin."""
        if _RECORD.match(line):
            self._in_plugin_record = bool(_HOST_LOG_CALLER.match(line) or self._mentions.search(line))
        return self._in_plugin_record
