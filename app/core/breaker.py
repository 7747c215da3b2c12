"""A circuit breaker: stop calling a dependency that keeps failing, and let one caller find out when
it is back.

Closed: calls go through, and `failure_threshold` consecutive failures (or one with `trip=True`)
open it. Open: calls are refused until `cooldown_s` has passed; then one caller is admitted as the
probe, and only the probe's outcome closes the breaker again (or opens it for another cool-down).

The cache (Redis) and the task queue (the Celery broker) each have one. Both are used from several
threads at once (the task queue's in-process runs, each thread with its own event loop), so every
transition is made under a lock: two threads must never both probe, nor lose a failure.
"""

from __future__ import annotations

import threading
import time
from typing import Literal

Admission = Literal["call", "probe"]


class CircuitBreaker:
    def __init__(self, failure_threshold: int, cooldown_s: float) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.failures = 0
        self.open_until: float | None = None  # monotonic time; None while closed
        self.probing = False
        self.opened_count = 0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        """True from the failure that opened it until a probe succeeds (also after the cool-down)."""
        return self.open_until is not None

    def admit(self) -> Admission | None:
        """`"call"`, `"probe"` (this caller tests whether the dependency is back, and must report
        the outcome with `probe=True`, or `abandon_probe()`), or None (do without the dependency)."""
        with self._lock:
            if self.open_until is None:
                return "call"
            if self.probing or time.monotonic() < self.open_until:
                return None
            self.probing = True
            return "probe"

    def success(self, *, probe: bool = False) -> bool:
        """Record a call that went through; True when this one closed the breaker. Only the probe
        closes an open breaker: a call admitted before it opened may still succeed afterwards, and
        must not cut short what the failure that opened it requires (the cache's recovery)."""
        with self._lock:
            if probe:
                was_open = self.open_until is not None
                self.failures = 0
                self.open_until = None
                self.probing = False
                return was_open
            if self.open_until is None:
                self.failures = 0
            return False

    def failure(self, *, trip: bool = False, probe: bool = False) -> bool:
        """Record a failed call; True when this one opened the breaker. While open, any failure
        starts the cool-down again."""
        with self._lock:
            self.failures += 1
            if probe:
                self.probing = False
            was_open = self.open_until is not None
            if trip or was_open or self.failures >= self.failure_threshold:
                self.open_until = time.monotonic() + self.cooldown_s
                if not was_open:
                    self.opened_count += 1
                return not was_open
            return False

    def abandon_probe(self) -> None:
        """The probe ended without an answer (it was cancelled): the next caller may probe."""
        with self._lock:
            self.probing = False
