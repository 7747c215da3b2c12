"""The two stores behind one access layer: Redis while the circuit breaker lets calls through, the
in-process LRU otherwise, and entries read and written under their namespace's generation."""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from app.core.breaker import CircuitBreaker
from app.core.cache.codec import Codec, Entry
from app.core.cache.local import LocalStore
from app.core.cache.near import NearCache
from app.core.cache.scripts import RELEASE_LOCK, STORE_IF_CURRENT
from app.core.cache.stats import NamespaceStats
from app.core.config import Settings, get_settings
from app.core.redis_pool import bounded_pool

logger = logging.getLogger("app.cache")

REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)

LOCAL = "local"
REDIS = "redis"


def namespace_of(key: str) -> str:
    return key.split(":", 1)[0]


@dataclass(frozen=True)
class Read:
    """What a lookup found, and where: a generation is only comparable within its own store."""

    entry: Entry | None
    generation: int
    source: str

    @property
    def current(self) -> Entry | None:
        entry = self.entry
        return entry if entry is not None and entry.generation == self.generation else None


@dataclass
class LoopState:
    """Objects bound to one event loop. One loop per process is the normal case (uvicorn); code
    that runs its own loop (asyncio.run in a task, a worker thread) calls `close()` before that
    loop ends, or its connections are left to the garbage collector."""

    loop: asyncio.AbstractEventLoop
    redis: Redis | None
    store_if_current: AsyncScript | None = None
    release_lock: AsyncScript | None = None
    inflight: dict[tuple[str, str, int], asyncio.Future[Any]] = field(default_factory=dict)


class CacheStore:
    """The cache's state (settings, breaker, LRU, per-loop Redis clients, counters) and its access
    to entries; the single flight (`SingleFlight`) and the public API (`CacheService`) build on it."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.prefix = self.settings.cache_prefix
        self.enabled = self.settings.cache_enabled
        self.breaker = CircuitBreaker(
            self.settings.cache_breaker_failures, self.settings.cache_breaker_cooldown_ms / 1000
        )
        self.local = LocalStore(self.settings.cache_local_max_entries)
        self.near = NearCache(self.settings.cache_local_max_entries)
        self.stats: dict[str, NamespaceStats] = {}
        # One state per event loop: a worker thread with its own loop (the task queue's in-process
        # fallback) must never use, or close, the connections of the server's loop.
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopState] = (
            weakref.WeakKeyDictionary()
        )
        self._last_error: str | None = None

    def _ns(self, namespace: str) -> NamespaceStats:
        stats = self.stats.get(namespace)
        if stats is None:
            stats = self.stats[namespace] = NamespaceStats()
        return stats

    def _loop_state(self) -> LoopState:
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            redis = self._build_redis()
            state = self._states[loop] = LoopState(loop, redis)
            if redis is not None:
                state.store_if_current = redis.register_script(STORE_IF_CURRENT)
                state.release_lock = redis.register_script(RELEASE_LOCK)
        return state

    def _build_redis(self) -> Redis | None:
        s = self.settings
        if not self.enabled or s.redis_url is None:
            return None
        return Redis.from_pool(bounded_pool(s, s.redis_url, s.app_name))

    def _key(self, key: str, tag: str) -> str:
        namespace, _, rest = key.partition(":")
        return f"{self.prefix}:{namespace}:{tag}:{rest}"

    def _generation_key(self, namespace: str) -> str:
        return f"{self.prefix}:#gen:{namespace}"

    def _lock_key(self, full_key: str, generation: int) -> str:
        return f"{self.prefix}:#lock:{generation}:{full_key}"

    async def _redis(self) -> Redis | None:
        """The Redis client when this call may use it, else None (serve from the LRU)."""
        state = self._loop_state()
        if state.redis is None:
            return None
        admission = self.breaker.admit()
        if admission is None:
            return None
        if admission == "probe":
            try:
                await state.redis.ping()
                # Writes made while Redis was away could not invalidate it: start every namespace
                # this process knows on a new generation (a snapshot: other threads may add some).
                await self._bump(state.redis, list(self.stats))
            except REDIS_ERRORS as exc:
                self._failed(exc, probe=True)
                return None
            except BaseException:
                self.breaker.abandon_probe()  # the probing request was cancelled
                raise
            self.breaker.success(probe=True)
            self.local.clear()
            self.near.clear()  # every namespace starts on a new generation: so do the near copies
            logger.warning("cache.recovered backend=redis")
        return state.redis

    def _failed(self, exc: BaseException, *, trip: bool = False, probe: bool = False) -> None:
        self._last_error = f"{type(exc).__name__}: {exc}"
        if self.breaker.failure(trip=trip, probe=probe):
            self.local.clear()
            self.near.clear()
            logger.warning(
                "cache.degraded backend=memory reason=%r retry_in_ms=%d",
                self._last_error,
                self.settings.cache_breaker_cooldown_ms,
            )

    async def _bump(self, redis: Redis, namespaces: Iterable[str]) -> None:
        pipe = redis.pipeline(transaction=False)
        for namespace in namespaces:
            pipe.incr(self._generation_key(namespace))
        await pipe.execute()

    # -- raw entry access ----------------------------------------------------------------------------

    async def _read(self, full_key: str, namespace: str) -> Read:
        """The stored entry (None when absent or unreadable) and the namespace's generation."""
        redis = await self._redis()
        if redis is not None:
            try:
                raw, generation = await redis.mget(full_key, self._generation_key(namespace))
                self.breaker.success()
                return Read(Entry.decode(cast(bytes | None, raw)), _as_int(generation), REDIS)
            except REDIS_ERRORS as exc:
                self._ns(namespace).errors += 1
                self._failed(exc)
        self._count_fallback(namespace)
        return Read(Entry.decode(self.local.get(full_key)), self.local.generations.get(namespace, 0), LOCAL)

    async def _write(self, full_key: str, namespace: str, entry: Entry, ttl: float, source: str) -> None:
        """Store `entry` in the store its generation was read from, unless the namespace moved to a
        newer generation meanwhile. A value computed while the other store served is dropped."""
        keep_s = ttl + self._grace(ttl)
        if source == LOCAL:
            local_serves = self.breaker.is_open or self.settings.redis_url is None
            if local_serves and self.local.generations.get(namespace, 0) == entry.generation:
                self.local.set(full_key, entry.encode(), time.time() + keep_s)
            return
        redis = await self._redis()
        state = self._loop_state()
        if redis is None or state.store_if_current is None:
            return
        try:
            await state.store_if_current(
                keys=[full_key, self._generation_key(namespace)],
                args=[entry.encode(), entry.generation, max(1, int(keep_s * 1000))],
            )
            self.breaker.success()
        except REDIS_ERRORS as exc:
            self._ns(namespace).errors += 1
            self._failed(exc)

    def _count_fallback(self, namespace: str) -> None:
        if self.settings.redis_url is not None:
            self._ns(namespace).fallbacks += 1

    def _grace(self, ttl: float) -> float:
        return min(ttl, self.settings.cache_stale_grace_ms / 1000)

    def _decode(self, codec: Codec, entry: Entry, namespace: str) -> tuple[bool, Any]:
        """(True, value), or (False, None) for an entry this code cannot read: a miss, recomputed
        and overwritten, never a failed request."""
        try:
            return True, codec.decode(entry)
        except Exception as exc:
            self._ns(namespace).errors += 1
            logger.warning("cache.unreadable namespace=%s error=%r", namespace, exc)
            return False, None


def _as_int(raw: Any) -> int:
    try:
        return int(raw or 0)
    except (TypeError, ValueError):
        return -1  # a foreign value under the counter's key: no entry matches it
