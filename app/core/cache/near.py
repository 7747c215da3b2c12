"""Near copies: values already read from the shared store, kept ready to serve in this process for a
few seconds (`Tier.near_seconds`), so that the hottest public reads cost neither a Redis round trip
nor decoding nor the work derived from the value (an ETag).

A near copy is dropped at once when its namespace is invalidated, cleared or deleted in this
process. A write made through another process reaches this one when the copy ends: that bound is
the price of not asking Redis on every read, and it is a small fraction of the TTL that already
bounds every copy while Redis is unreachable.
"""

from __future__ import annotations

import threading
import time
from fnmatch import fnmatchcase
from typing import Any

from app.core.cache.stats import NamespaceStats


class NearCache:
    """Key → (monotonic expiry, value, the namespace's counters). Reads take no lock (one dict
    lookup); writes and drops do, since worker threads with loops of their own share the service."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.entries: dict[str, tuple[float, Any, NamespaceStats]] = {}
        # Bumped by every drop of a namespace: a value read before the drop is never kept after it.
        self.epochs: dict[str, int] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        """The value, counted as a hit of its namespace, or None when absent or past its time."""
        item = self.entries.get(key)
        if item is None or item[0] <= time.monotonic():
            return None
        stats = item[2]
        stats.hits += 1
        stats.near_hits += 1
        return item[1]

    def epoch(self, namespace: str) -> int:
        return self.epochs.get(namespace, 0)

    def put(
        self, key: str, namespace: str, value: Any, seconds: float, epoch: int, stats: NamespaceStats
    ) -> None:
        """Keep `value` for `seconds`, unless `namespace` was dropped since `epoch` was read."""
        if seconds <= 0:
            return
        with self._lock:
            if self.epochs.get(namespace, 0) != epoch:
                return
            self.entries.pop(key, None)  # re-inserted last: the oldest entries go first when full
            self.entries[key] = (time.monotonic() + seconds, value, stats)
            while len(self.entries) > self.max_entries:
                del self.entries[next(iter(self.entries))]

    def pop(self, key: str, namespace: str) -> None:
        with self._lock:
            self.epochs[namespace] = self.epochs.get(namespace, 0) + 1
            self.entries.pop(key, None)

    def drop(self, *namespaces: str) -> None:
        """Forget every copy of these namespaces, and any value being read for them now."""
        with self._lock:
            for namespace in namespaces:
                self.epochs[namespace] = self.epochs.get(namespace, 0) + 1
            prefixes = tuple(f"{namespace}:" for namespace in namespaces)
            for key in [key for key in self.entries if key.startswith(prefixes)]:
                del self.entries[key]

    def drop_matching(self, namespace_pattern: str) -> None:
        """`drop` of every namespace matching a glob (`delete_pattern`'s namespace part)."""
        with self._lock:
            known = set(self.epochs) | {key.split(":", 1)[0] for key in self.entries}
        self.drop(*[namespace for namespace in known if fnmatchcase(namespace, namespace_pattern)])

    def clear(self) -> None:
        with self._lock:
            known = set(self.epochs) | {key.split(":", 1)[0] for key in self.entries}
        self.drop(*known)
