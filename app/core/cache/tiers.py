"""TTL tiers: how long a cached value stays fresh, named by how often its data changes."""

from __future__ import annotations

from enum import StrEnum

from app.core.config import get_settings

# A near copy lives this fraction of its tier's TTL (see `Tier.near_seconds`).
NEAR_FRACTION = 180


class Tier(StrEnum):
    """TTL tiers; the seconds of each are settings (`CACHE_TTL_HOT`, `_WARM`, `_COLD`)."""

    HOT = "hot"
    WARM = "warm"
    COLD = "cold"

    @property
    def seconds(self) -> int:
        settings = get_settings()
        return {
            Tier.HOT: settings.cache_ttl_hot,
            Tier.WARM: settings.cache_ttl_warm,
            Tier.COLD: settings.cache_ttl_cold,
        }[self]

    @property
    def near_seconds(self) -> float:
        """How long a process may serve its near copy of a value of this tier without asking Redis
        (`CacheService.get_or_compute_near`): 1/180 of the TTL, so 5 s for WARM and 20 s for COLD
        by default (HOT: 0.67 s). A write made through another process shows here within it; while
        Redis is unreachable the whole TTL already bounds that (each process has its own LRU)."""
        return self.seconds / NEAR_FRACTION


HOT, WARM, COLD = Tier.HOT, Tier.WARM, Tier.COLD
