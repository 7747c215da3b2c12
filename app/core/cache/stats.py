"""The per-namespace counters of the cache (reported by `/admin/cache` and `/metrics`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class NamespaceStats:
    """Every lookup is a hit, a stale value served, or a miss; a miss either computed the value or
    waited for another caller's computation (coalesced), so misses - coalesced <= computations.
    `near_hits` are the hits served from this process's near copy (no Redis round trip), a part of
    `hits`."""

    hits: int = 0
    near_hits: int = 0
    misses: int = 0
    stale_served: int = 0
    coalesced: int = 0
    computations: int = 0
    errors: int = 0
    fallbacks: int = 0
    invalidations: int = 0

    @property
    def hit_rate(self) -> float | None:
        lookups = self.hits + self.stale_served + self.misses
        return round((self.hits + self.stale_served) / lookups, 4) if lookups else None
