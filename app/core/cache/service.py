"""The cache service: the public API over the stores and the single flight, and the process's one
instance (`get_cache()`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from app.core.cache.codec import Entry, codec_for
from app.core.cache.flight import SingleFlight
from app.core.cache.store import REDIS_ERRORS, namespace_of
from app.core.cache.tiers import NEAR_FRACTION, Tier

V = TypeVar("V")
D = TypeVar("D")


class CacheService(SingleFlight):
    """Redis with TTL tiers, generation-based invalidation and stampede protection, served by an
    in-process LRU while Redis is unreachable (see the package's docstring)."""

    # -- state -------------------------------------------------------------------------------------

    @property
    def degraded(self) -> bool:
        """True while Redis is configured but unreachable (the in-process LRU is serving)."""
        return self.enabled and self.settings.redis_url is not None and self.breaker.is_open

    @property
    def backend(self) -> str:
        if not self.enabled:
            return "disabled"
        if self.settings.redis_url is None:
            return "memory"
        return "memory (redis unreachable)" if self.breaker.is_open else "redis"

    # -- the public API (docs/design.md §4.1) ----------------------------------------------------------

    async def get(self, key: str, *, type_: Any = None) -> Any | None:
        """The fresh value stored under `key`, or None."""
        if not self.enabled:
            return None
        codec = codec_for(type_)
        namespace = namespace_of(key)
        found = await self._read(self._key(key, codec.tag), namespace)
        entry = found.current
        if entry is not None and entry.fresh:
            readable, value = self._decode(codec, entry, namespace)
            if readable:
                self._ns(namespace).hits += 1
                return value
        self._ns(namespace).misses += 1
        return None

    async def get_or_compute_near(
        self,
        key: str,
        compute: Callable[[], Awaitable[V]],
        derive: Callable[[V], D],
        *,
        ttl: float | Tier,
        type_: Any = None,
    ) -> D:
        """`derive(value)` of `get_or_compute(key, compute, ...)`, kept ready in this process for
        the tier's `near_seconds` (1/180 of the TTL): a hit then costs one dict lookup, no Redis
        round trip, no decoding and no `derive` (an ETag). An invalidation, a delete or a clear of
        the namespace in this process drops the copy at once; a write made through another process
        shows here when the copy ends. Meant for values everyone reads alike (public catalogs)."""
        if not self.enabled:
            return derive(await compute())
        copy = self.near.get(key)
        if copy is not None:
            return cast(D, copy)
        namespace = namespace_of(key)
        epoch = self.near.epoch(namespace)  # read first: an invalidation from now on wins
        value = await self.get_or_compute(key, compute, ttl=ttl, type_=type_)
        derived = derive(value)
        seconds = ttl.near_seconds if isinstance(ttl, Tier) else ttl / NEAR_FRACTION
        self.near.put(key, namespace, derived, seconds, epoch, self._ns(namespace))
        return derived

    async def set(self, key: str, value: Any, ttl: float = 300, *, type_: Any = None) -> None:
        if not self.enabled:
            return
        codec = codec_for(type_)
        namespace = namespace_of(key)
        full_key = self._key(key, codec.tag)
        found = await self._read(full_key, namespace)
        kind, payload = codec.encode(value)
        entry = Entry(found.generation, time.time() + ttl, kind, payload)
        await self._write(full_key, namespace, entry, ttl, found.source)

    async def delete(self, key: str, *, type_: Any = None) -> None:
        codec = codec_for(type_)
        full_key = self._key(key, codec.tag)
        self.local.pop(full_key)
        self.near.pop(key, namespace_of(key))
        redis = await self._redis()
        if redis is not None:
            try:
                await redis.unlink(full_key)
                self.breaker.success()
            except REDIS_ERRORS as exc:
                self._failed(exc, trip=True)

    async def delete_pattern(self, pattern: str) -> int:
        """Delete the keys matching a glob over `"<namespace>:<rest>"` (e.g. `"documentos:*"`),
        walking the keyspace with `SCAN` in batches, never `KEYS`. Returns the keys deleted."""
        namespace, _, rest = pattern.partition(":")
        if not rest and not namespace.endswith("*"):
            namespace += "*"
        # The schema tag sits between namespace and rest in the stored key: match any tag.
        full_pattern = f"{self.prefix}:{namespace}:*:{rest or '*'}"
        deleted = self.local.delete_matching(full_pattern)
        self.near.drop_matching(namespace)
        redis = await self._redis()
        if redis is None:
            return deleted
        try:
            batch: list[bytes] = []
            async for key in redis.scan_iter(match=full_pattern, count=1000):
                batch.append(key)
                if len(batch) >= 500:
                    deleted += await redis.unlink(*batch)
                    batch.clear()
            if batch:
                deleted += await redis.unlink(*batch)
            self.breaker.success()
        except REDIS_ERRORS as exc:
            self._failed(exc, trip=True)
        return deleted

    async def invalidate(self, *namespaces: str) -> None:
        """Make every entry of these namespaces stale at once (one `INCR` each)."""
        if not self.enabled or not namespaces:
            return
        for namespace in namespaces:
            self._ns(namespace).invalidations += 1
            self.local.bump(namespace)
        self.near.drop(*namespaces)
        redis = await self._redis()
        if redis is None:
            return
        try:
            await self._bump(redis, namespaces)
            self.breaker.success()
        except REDIS_ERRORS as exc:
            # Redis may now hold entries this write made stale: stop using it until it answers again
            # (the recovery probe bumps every namespace).
            for namespace in namespaces:
                self._ns(namespace).errors += 1
            self._failed(exc, trip=True)
        # Again once the counters moved: a read that began before the INCR may have found the old
        # entry current, and must not keep it as a near copy.
        self.near.drop(*namespaces)

    async def clear(self) -> int:
        """Drop every entry of this service (operators and tests); generations are kept."""
        return await self.delete_pattern("*")

    async def ping(self, *, trip: bool = False) -> bool:
        """True when Redis answers now (False without asking while the breaker is open or without
        Redis). `trip=True` (the start-up check) opens the breaker at the first failure, so that
        the log says `cache.degraded` at once."""
        redis = await self._redis()
        if redis is None:
            return False
        try:
            await redis.ping()
        except REDIS_ERRORS as exc:
            self._failed(exc, trip=trip)
            return False
        self.breaker.success()
        return True

    # -- reporting -----------------------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "backend": self.backend,
            "degraded": self.degraded,
            "last_error": self._last_error,
            "breaker_openings": self.breaker.opened_count,
            "local_entries": len(self.local.entries),
            "near_entries": len(self.near.entries),
            "tiers_s": {tier.value: tier.seconds for tier in Tier},
            "namespaces": {
                name: {**vars(stats), "hit_rate": stats.hit_rate}
                for name, stats in sorted(self.stats.items())
            },
        }

    async def close(self) -> None:
        """Close this event loop's connections (call it before a loop that used the cache ends)."""
        state = self._states.pop(asyncio.get_running_loop(), None)
        if state is not None and state.redis is not None:
            await state.redis.aclose(close_connection_pool=True)


_cache: CacheService | None = None


def get_cache() -> CacheService:
    global _cache
    if _cache is None:
        _cache = CacheService()
    return _cache
