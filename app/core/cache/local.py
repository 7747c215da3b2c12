"""The in-process store that serves while Redis is unreachable (or not configured)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from fnmatch import fnmatchcase


class LocalStore:
    """The in-process fallback: an LRU of encoded entries with absolute expiry, and generations.
    Locked: worker threads with loops of their own share it with the server's loop."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.generations: dict[str, int] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self.entries.get(key)
            if item is None:
                return None
            if item[0] <= time.time():
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return item[1]

    def set(self, key: str, raw: bytes, expires_at: float) -> None:
        with self._lock:
            self.entries[key] = (expires_at, raw)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def pop(self, key: str) -> None:
        with self._lock:
            self.entries.pop(key, None)

    def bump(self, namespace: str) -> None:
        with self._lock:
            self.generations[namespace] = self.generations.get(namespace, 0) + 1

    def delete_matching(self, pattern: str) -> int:
        with self._lock:
            doomed = [key for key in self.entries if fnmatchcase(key, pattern)]
            for key in doomed:
                del self.entries[key]
            return len(doomed)

    def clear(self) -> None:
        # Generations only ever grow: a computation that started before a clear can never find
        # its old generation current again afterwards.
        with self._lock:
            self.entries.clear()
