"""A bounded set of requests in flight, for admission control across CPA's concurrent calls.

CPA calls ``request.intercept_before`` and ``request.complete`` from many goroutines at once,
and delivers ``request.complete`` asynchronously, possibly for IDs the plugin never admitted
(rejected before it, or admitted by a previous load of the plugin). Counting with an integer
underflows on such completions and leaks on duplicates; a set keyed by ``RequestID`` under one
lock does neither. Typical use, with ``RequestInterceptor`` and ``RequestLifecyclePlugin``::

    def intercept_request_before(self, request):
        if not self.in_flight.admit(request.request_id):
            return reject(429, "too many requests in flight", headers={"Retry-After": "1"})
        return None

    def complete_request(self, completion):
        self.in_flight.release(completion.request_id)
"""

from __future__ import annotations

import threading

__all__ = ["AdmissionSet"]


class AdmissionSet:
    """Request IDs admitted and not yet completed, at most ``capacity`` of them.

    Every operation is atomic. Changing ``capacity`` keeps the admitted requests: lowering it
    below the number in flight admits nothing new until enough of them complete.
    """

    __slots__ = ("_admitted", "_capacity", "_lock")

    def __init__(self, capacity: int) -> None:
        self._lock = threading.Lock()
        self._admitted: set[str] = set()
        self._capacity = _checked(capacity)

    @property
    def capacity(self) -> int:
        """How many requests may be in flight at once."""
        return self._capacity

    @capacity.setter
    def capacity(self, value: int) -> None:
        checked = _checked(value)
        with self._lock:
            self._capacity = checked

    def admit(self, request_id: str) -> bool:
        """Admit ``request_id`` if there is room; ``True`` also when it is admitted already (CPA
        may ask again for the same request), ``False`` when the set is full."""
        with self._lock:
            if request_id in self._admitted:
                return True
            if len(self._admitted) >= self._capacity:
                return False
            self._admitted.add(request_id)
            return True

    def release(self, request_id: str) -> bool:
        """Free the slot of ``request_id``; ``False`` (and no change) when it holds none."""
        with self._lock:
            if request_id not in self._admitted:
                return False
            self._admitted.discard(request_id)
            return True

    def clear(self) -> None:
        """Forget every admitted request (at shutdown: the host will not complete them)."""
        with self._lock:
            self._admitted.clear()

    def __contains__(self, request_id: object) -> bool:
        with self._lock:
            return request_id in self._admitted

    def __len__(self) -> int:
        with self._lock:
            return len(self._admitted)


def _checked(capacity: int) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise ValueError(f"capacity must be an integer of at least 1, got {capacity!r}")
    return capacity
