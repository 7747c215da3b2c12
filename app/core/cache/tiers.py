"""TTL tiers: how long a cached value stays fresh, named by how often its data changes."""

from __future__ import annotations

from enum import StrEnum

from app.core.config import get_settings


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


HOT, WARM, COLD = Tier.HOT, Tier.WARM, Tier.COLD
