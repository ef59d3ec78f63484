"""Backends that keep failing are tried later: an in-memory score per backend."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Final

from reference_plugins.claude_web_search_router.config import Backend

__all__ = ["FAILURE_PENALTY", "PenaltyBoard", "SUCCESS_RELIEF"]

FAILURE_PENALTY: Final = 5  # per 429 / 503 / 502
SUCCESS_RELIEF: Final = 1  # per success, never below zero


class PenaltyBoard:
    """Scores of one plugin instance; thread-safe (requests run concurrently)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scores: dict[Backend, int] = {}

    def record_failure(self, backend: Backend) -> None:
        with self._lock:
            self._scores[backend] = self._scores.get(backend, 0) + FAILURE_PENALTY

    def record_success(self, backend: Backend) -> None:
        with self._lock:
            self._scores[backend] = max(0, self._scores.get(backend, 0) - SUCCESS_RELIEF)

    def score(self, backend: Backend) -> int:
        with self._lock:
            return self._scores.get(backend, 0)

    def ordered(self, backends: Iterable[Backend]) -> list[Backend]:
        """``backends`` by ascending score; equal scores keep their order."""
        with self._lock:
            scores = dict(self._scores)
        return sorted(backends, key=lambda backend: scores.get(backend, 0))

    def reset(self) -> None:
        with self._lock:
            self._scores.clear()
