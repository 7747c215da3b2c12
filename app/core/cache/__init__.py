"""The cache service: Redis with TTL tiers, generation-based invalidation and stampede protection,
and an in-process LRU that takes over while Redis is unreachable.

Keys are `"<namespace>:<rest>"`; the namespace is the unit of invalidation and of the metrics.

Invalidation. Every namespace has a generation counter in Redis and every entry records the
generation it was computed under; `invalidate(namespace)` increments the counter (one `INCR`,
whatever the number of keys), so every older entry reads as a miss. A value computed from data
read before a write commits can never be served after it: it is stored with the old generation,
or not stored at all (the store is conditional on the generation read before computing). Writes
call `invalidate_after_commit`, which bumps the generation after their transaction commits and
before their response is sent. `delete_pattern` removes keys with `SCAN` + `UNLINK` (never
`KEYS`) for operators and tests.

Degradation. Every Redis call has short socket timeouts and no retries; a circuit breaker stops
calling Redis after a few consecutive failures and lets one caller probe again after a cool-down.
While it is open the same API is served by an in-process LRU with the same TTLs. On recovery
every namespace this process knows is invalidated in Redis, because writes made during the outage
could not reach it.

Stampede protection. Entries stay in Redis for a grace period after they go stale. For an expired
key one caller (one coroutine per process, one process via a Redis lock) recomputes while the
others get the previous value; for a missing or invalidated key the others wait briefly for it.

Near copies. `get_or_compute_near` keeps a value read from the store (and what is derived from
it: a body's ETag) in this process for `Tier.near_seconds` (1/180 of the TTL: 5 s for WARM), so
that the hottest public reads skip Redis; an invalidation in this process drops them at once, a
write made through another process shows when they end.

Layout: `tiers` (TTL tiers), `stats` (counters), `codec` (entry layout and value codecs), `local`
(the LRU), `near` (near copies), `scripts` (Lua), `store` (which store serves, reading and writing
entries), `flight` (compute once), `service` (`CacheService`, `get_cache`), `decorator`
(`cached`), `invalidation` (`invalidate_after_commit`). The breaker is `app.core.breaker`, shared
with the task queue.
"""

from app.core.cache.codec import ENTRY_FORMAT
from app.core.cache.decorator import argument_digest, cached
from app.core.cache.invalidation import invalidate_after_commit
from app.core.cache.service import CacheService, get_cache
from app.core.cache.stats import NamespaceStats
from app.core.cache.store import namespace_of
from app.core.cache.tiers import COLD, HOT, WARM, Tier

__all__ = [
    "COLD",
    "ENTRY_FORMAT",
    "HOT",
    "WARM",
    "CacheService",
    "NamespaceStats",
    "Tier",
    "argument_digest",
    "cached",
    "get_cache",
    "invalidate_after_commit",
    "namespace_of",
]
