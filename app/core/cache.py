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
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import logging
import secrets
import struct
import threading
import time
import typing
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any, ParamSpec, TypeVar, cast

import orjson
from pydantic import TypeAdapter
from redis.asyncio import BlockingConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError
from redis.retry import Retry
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings, get_settings
from app.core.database import after_commit

logger = logging.getLogger("app.cache")

P = ParamSpec("P")
V = TypeVar("V")

# Bumped when the entry layout below changes; value shapes are versioned per type (see _schema_tag).
ENTRY_FORMAT = b"MPC1"
_HEADER = struct.Struct(">4sqdB")  # format, generation, fresh-until (epoch seconds), kind
_KIND_JSON = 0
_KIND_BYTES = 1
_REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)


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


@dataclass
class NamespaceStats:
    """Every lookup is a hit, a stale value served, or a miss; a miss either computed the value or
    waited for another caller's computation (coalesced), so misses - coalesced <= computations."""

    hits: int = 0
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


@dataclass
class _Entry:
    generation: int
    fresh_until: float
    kind: int
    payload: bytes

    def encode(self) -> bytes:
        return _HEADER.pack(ENTRY_FORMAT, self.generation, self.fresh_until, self.kind) + self.payload

    @classmethod
    def decode(cls, raw: bytes | None) -> _Entry | None:
        if raw is None or len(raw) < _HEADER.size:
            return None
        fmt, generation, fresh_until, kind = _HEADER.unpack_from(raw)
        if fmt != ENTRY_FORMAT:
            return None
        return cls(generation, fresh_until, kind, raw[_HEADER.size :])

    @property
    def fresh(self) -> bool:
        return time.time() < self.fresh_until


class _Codec:
    """How the values of one type become entry payloads: JSON (orjson or pydantic) or raw bytes."""

    def __init__(self, type_: Any = None) -> None:
        self.raw = type_ is bytes
        self.adapter: TypeAdapter[Any] | None = (
            TypeAdapter(type_) if type_ is not None and not self.raw else None
        )
        self.tag = _schema_tag(self.adapter) if self.adapter is not None else ("raw" if self.raw else "data")

    def encode(self, value: Any) -> tuple[int, bytes]:
        if isinstance(value, bytes):
            return _KIND_BYTES, value
        if self.adapter is not None:
            return _KIND_JSON, self.adapter.dump_json(value)
        return _KIND_JSON, orjson.dumps(value)

    def decode(self, entry: _Entry) -> Any:
        if entry.kind == _KIND_BYTES:
            return entry.payload
        if self.adapter is not None:
            return self.adapter.validate_json(entry.payload)
        return orjson.loads(entry.payload)


def _schema_tag(adapter: TypeAdapter[Any]) -> str:
    """A short fingerprint of the value's JSON schema: a deploy that changes a shape reads new keys."""
    schema = orjson.dumps(adapter.json_schema(mode="serialization"), option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(schema, digest_size=4).hexdigest()


_PLAIN = _Codec()


@functools.lru_cache(maxsize=256)
def _codec_for(type_: Any) -> _Codec:
    """Building a TypeAdapter costs far more than a cache hit: one per type, kept."""
    return _Codec(type_) if type_ is not None else _PLAIN


class CircuitBreaker:
    """Closed: calls go through. Open: calls are refused until the cool-down ends; then one caller
    (half-open) probes, and its success closes the breaker again."""

    def __init__(self, failure_threshold: int, cooldown_s: float) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self.failures = 0
        self.open_until: float | None = None
        self.probing = False
        self.opened_count = 0

    @property
    def is_open(self) -> bool:
        return self.open_until is not None

    def admit(self) -> str | None:
        """`"call"`, `"probe"` (this caller tests a recovering Redis) or None (use the fallback)."""
        if self.open_until is None:
            return "call"
        if self.probing or time.monotonic() < self.open_until:
            return None
        self.probing = True
        return "probe"

    def success(self) -> None:
        self.failures = 0
        self.open_until = None
        self.probing = False

    def failure(self, *, trip: bool = False) -> bool:
        """Record a failure; True when this one opened the breaker."""
        self.failures += 1
        self.probing = False
        was_open = self.open_until is not None
        if trip or was_open or self.failures >= self.failure_threshold:
            self.open_until = time.monotonic() + self.cooldown_s
            if not was_open:
                self.opened_count += 1
            return not was_open
        return False


class _LocalStore:
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


def namespace_of(key: str) -> str:
    return key.split(":", 1)[0]


_LOCAL = "local"
_REDIS = "redis"


@dataclass(frozen=True)
class _Read:
    """What a lookup found, and where: a generation is only comparable within its own store."""

    entry: _Entry | None
    generation: int
    source: str

    @property
    def current(self) -> _Entry | None:
        entry = self.entry
        return entry if entry is not None and entry.generation == self.generation else None


@dataclass
class _LoopState:
    """Objects bound to one event loop. One loop per process is the normal case (uvicorn); code
    that runs its own loop (asyncio.run in a task, a worker thread) calls `close()` before that
    loop ends, or its connections are left to the garbage collector."""

    loop: asyncio.AbstractEventLoop
    redis: Redis | None
    store_if_current: AsyncScript | None = None
    release_lock: AsyncScript | None = None
    inflight: dict[tuple[str, str, int], asyncio.Future[Any]] = field(default_factory=dict)


class CacheService:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.prefix = self.settings.cache_prefix
        self.enabled = self.settings.cache_enabled
        self.breaker = CircuitBreaker(
            self.settings.cache_breaker_failures, self.settings.cache_breaker_cooldown_ms / 1000
        )
        self.local = _LocalStore(self.settings.cache_local_max_entries)
        self.stats: dict[str, NamespaceStats] = {}
        # One state per event loop: a worker thread with its own loop (the task queue's in-process
        # fallback) must never use, or close, the connections of the server's loop.
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )
        self._last_error: str | None = None

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

    def _ns(self, namespace: str) -> NamespaceStats:
        stats = self.stats.get(namespace)
        if stats is None:
            stats = self.stats[namespace] = NamespaceStats()
        return stats

    def _loop_state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            redis = self._build_redis()
            state = self._states[loop] = _LoopState(loop, redis)
            if redis is not None:
                state.store_if_current = redis.register_script(_STORE_IF_CURRENT)
                state.release_lock = redis.register_script(_RELEASE_LOCK)
        return state

    def _build_redis(self) -> Redis | None:
        s = self.settings
        if not self.enabled or s.redis_url is None:
            return None
        # redis-py 8 defaults to a 5 s socket timeout and 10 retries with backoff: a request would
        # wait seconds on a dead Redis. Here every bound is explicit and the breaker does the retrying.
        pool = BlockingConnectionPool.from_url(
            s.redis_url,
            max_connections=s.redis_max_connections,
            timeout=s.redis_socket_timeout_ms / 1000,
            socket_timeout=s.redis_socket_timeout_ms / 1000,
            socket_connect_timeout=s.redis_connect_timeout_ms / 1000,
            socket_keepalive=True,
            retry=Retry(NoBackoff(), 0),
            retry_on_timeout=False,
            health_check_interval=30,
            client_name=s.app_name,
        )
        return Redis.from_pool(pool)

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
        verdict = self.breaker.admit()
        if verdict is None:
            return None
        if verdict == "probe":
            recovered = False
            try:
                await state.redis.ping()
                # Writes made while Redis was away could not invalidate it: start every namespace
                # this process knows on a new generation.
                await self._bump(state.redis, self.stats.keys())
                recovered = True
            except _REDIS_ERRORS as exc:
                self._failed(exc)
                return None
            finally:
                if not recovered:
                    self.breaker.probing = False  # also when the probing request was cancelled
            self.breaker.success()
            self.local.clear()
            logger.warning("cache.recovered backend=redis")
        return state.redis

    def _failed(self, exc: BaseException, *, trip: bool = False) -> None:
        self._last_error = f"{type(exc).__name__}: {exc}"
        if self.breaker.failure(trip=trip):
            self.local.clear()
            logger.warning(
                "cache.degraded backend=memory reason=%r retry_in_ms=%d",
                self._last_error,
                self.settings.cache_breaker_cooldown_ms,
            )

    # -- raw entry access ----------------------------------------------------------------------------

    async def _read(self, full_key: str, namespace: str) -> _Read:
        """The stored entry (None when absent or unreadable) and the namespace's generation."""
        redis = await self._redis()
        if redis is not None:
            try:
                raw, generation = await redis.mget(full_key, self._generation_key(namespace))
                self.breaker.success()
                return _Read(_Entry.decode(cast(bytes | None, raw)), _as_int(generation), _REDIS)
            except _REDIS_ERRORS as exc:
                self._ns(namespace).errors += 1
                self._failed(exc)
        self._count_fallback(namespace)
        return _Read(
            _Entry.decode(self.local.get(full_key)), self.local.generations.get(namespace, 0), _LOCAL
        )

    async def _write(self, full_key: str, namespace: str, entry: _Entry, ttl: float, source: str) -> None:
        """Store `entry` in the store its generation was read from, unless the namespace moved to a
        newer generation meanwhile. A value computed while the other store served is dropped."""
        keep_s = ttl + self._grace(ttl)
        if source == _LOCAL:
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
        except _REDIS_ERRORS as exc:
            self._ns(namespace).errors += 1
            self._failed(exc)

    def _count_fallback(self, namespace: str) -> None:
        if self.settings.redis_url is not None:
            self._ns(namespace).fallbacks += 1

    def _grace(self, ttl: float) -> float:
        return min(ttl, self.settings.cache_stale_grace_ms / 1000)

    def _decode(self, codec: _Codec, entry: _Entry, namespace: str) -> tuple[bool, Any]:
        """(True, value), or (False, None) for an entry this code cannot read: a miss, recomputed
        and overwritten, never a failed request."""
        try:
            return True, codec.decode(entry)
        except Exception as exc:
            self._ns(namespace).errors += 1
            logger.warning("cache.unreadable namespace=%s error=%r", namespace, exc)
            return False, None

    # -- the seed's API ------------------------------------------------------------------------------

    async def get(self, key: str, *, type_: Any = None) -> Any | None:
        """The fresh value stored under `key`, or None."""
        if not self.enabled:
            return None
        codec = _codec_for(type_)
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

    async def set(self, key: str, value: Any, ttl: float = 300, *, type_: Any = None) -> None:
        if not self.enabled:
            return
        codec = _codec_for(type_)
        namespace = namespace_of(key)
        full_key = self._key(key, codec.tag)
        found = await self._read(full_key, namespace)
        kind, payload = codec.encode(value)
        entry = _Entry(found.generation, time.time() + ttl, kind, payload)
        await self._write(full_key, namespace, entry, ttl, found.source)

    async def delete(self, key: str, *, type_: Any = None) -> None:
        codec = _codec_for(type_)
        full_key = self._key(key, codec.tag)
        self.local.pop(full_key)
        redis = await self._redis()
        if redis is not None:
            try:
                await redis.unlink(full_key)
                self.breaker.success()
            except _REDIS_ERRORS as exc:
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
        except _REDIS_ERRORS as exc:
            self._failed(exc, trip=True)
        return deleted

    async def invalidate(self, *namespaces: str) -> None:
        """Make every entry of these namespaces stale at once (one `INCR` each)."""
        if not self.enabled or not namespaces:
            return
        for namespace in namespaces:
            self._ns(namespace).invalidations += 1
            self.local.bump(namespace)
        redis = await self._redis()
        if redis is None:
            return
        try:
            await self._bump(redis, namespaces)
            self.breaker.success()
        except _REDIS_ERRORS as exc:
            # Redis may now hold entries this write made stale: stop using it until it answers again
            # (the recovery probe bumps every namespace).
            for namespace in namespaces:
                self._ns(namespace).errors += 1
            self._failed(exc, trip=True)

    async def _bump(self, redis: Redis, namespaces: Iterable[str]) -> None:
        pipe = redis.pipeline(transaction=False)
        for namespace in namespaces:
            pipe.incr(self._generation_key(namespace))
        await pipe.execute()

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
        except _REDIS_ERRORS as exc:
            self._failed(exc, trip=trip)
            return False
        self.breaker.success()
        return True

    # -- compute-once ----------------------------------------------------------------------------------

    async def get_or_compute(
        self,
        key: str,
        compute: Callable[[], Awaitable[V]],
        *,
        ttl: float | Tier,
        type_: Any = None,
        refresh: bool = False,
    ) -> V:
        """The cached value of `key`, computing it at most once across callers when it is missing
        or stale. `refresh=True` recomputes and stores whatever is cached (warm-up)."""
        seconds = float(ttl.seconds if isinstance(ttl, Tier) else ttl)
        if not self.enabled:
            return await compute()
        codec = _codec_for(type_)
        namespace = namespace_of(key)
        full_key = self._key(key, codec.tag)
        stats = self._ns(namespace)
        found = await self._read(full_key, namespace)
        previous: tuple[bool, Any] = (False, None)
        if found.current is not None and not refresh:
            previous = self._decode(codec, found.current, namespace)
            if previous[0] and found.current.fresh:
                stats.hits += 1
                return cast(V, previous[1])

        # Callers of the same key *and generation* share one computation: a caller that arrives
        # after a write never waits for a value computed from the rows before it.
        state = self._loop_state()
        flight = (found.source, full_key, found.generation)
        running = state.inflight.get(flight)
        if running is not None and not refresh:
            if previous[0]:
                stats.stale_served += 1
                return cast(V, previous[1])
            try:
                value = await asyncio.shield(running)
                stats.misses += 1
                stats.coalesced += 1
                return cast(V, value)
            except asyncio.CancelledError:
                current_task = asyncio.current_task()
                if current_task is not None and current_task.cancelling():
                    raise  # this caller was cancelled
                # The computing caller was cancelled: compute here instead.

        future: asyncio.Future[Any] = state.loop.create_future()
        state.inflight[flight] = future
        try:
            lock = await self._acquire_lock(full_key, found.generation, namespace)
            if lock is None and not refresh and previous[0]:
                stats.stale_served += 1
                future.set_result(previous[1])
                return cast(V, previous[1])
            if not refresh:
                stats.misses += 1
            if lock is None and not refresh:
                waited = await self._wait_for_other_process(full_key, namespace, codec)
                if waited is not None:
                    stats.coalesced += 1
                    future.set_result(waited[0])
                    return cast(V, waited[0])
            try:
                stats.computations += 1
                value = await compute()
                kind, payload = codec.encode(value)
                entry = _Entry(found.generation, time.time() + seconds, kind, payload)
                await self._write(full_key, namespace, entry, seconds, found.source)
            finally:
                if lock:
                    await self._release_lock(full_key, found.generation, lock)
            future.set_result(value)
            return value
        except asyncio.CancelledError:
            future.cancel()  # waiters compute for themselves
            raise
        except BaseException as exc:
            future.set_exception(exc)
            # Waiters get the exception; nobody else must see "Future exception was never retrieved".
            future.exception()
            raise
        finally:
            if state.inflight.get(flight) is future:
                del state.inflight[flight]

    async def _acquire_lock(self, full_key: str, generation: int, namespace: str) -> str | None:
        """A Redis lock so that one process computes; None when another process holds it.
        Without Redis the in-process single flight is the lock: an empty token."""
        redis = await self._redis()
        if redis is None:
            return ""
        token = secrets.token_hex(8)
        try:
            acquired = await redis.set(
                self._lock_key(full_key, generation), token, nx=True, px=self.settings.cache_lock_ttl_ms
            )
            self.breaker.success()
        except _REDIS_ERRORS as exc:
            self._ns(namespace).errors += 1
            self._failed(exc)
            return ""
        return token if acquired else None

    async def _release_lock(self, full_key: str, generation: int, token: str) -> None:
        redis = await self._redis()
        state = self._loop_state()
        if redis is None or state.release_lock is None:
            return
        try:
            await state.release_lock(keys=[self._lock_key(full_key, generation)], args=[token])
        except _REDIS_ERRORS as exc:
            self._failed(exc)

    async def _wait_for_other_process(
        self, full_key: str, namespace: str, codec: _Codec
    ) -> tuple[Any] | None:
        """Poll for the value another process is computing; (value,) or None after the wait."""
        deadline = time.monotonic() + self.settings.cache_lock_wait_ms / 1000
        while time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            found = await self._read(full_key, namespace)
            if found.current is not None and found.current.fresh:
                readable, value = self._decode(codec, found.current, namespace)
                if readable:
                    return (value,)
        return None

    # -- reporting -----------------------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "backend": self.backend,
            "degraded": self.degraded,
            "last_error": self._last_error,
            "breaker_openings": self.breaker.opened_count,
            "local_entries": len(self.local.entries),
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


def _as_int(raw: Any) -> int:
    try:
        return int(raw or 0)
    except (TypeError, ValueError):
        return -1  # a foreign value under the counter's key: no entry matches it


_STORE_IF_CURRENT = """
local current = redis.call('GET', KEYS[2]) or '0'
if current == ARGV[2] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
    return 1
end
return 0
"""
_RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


_cache: CacheService | None = None


def get_cache() -> CacheService:
    global _cache
    if _cache is None:
        _cache = CacheService()
    return _cache


def invalidate_after_commit(session: AsyncSession, *namespaces: str) -> None:
    """Invalidate `namespaces` once the session's transaction commits (dropped on rollback)."""
    pending: set[str] | None = session.info.get("cache.invalidate")
    if pending is None:
        pending = session.info["cache.invalidate"] = set()
        to_invalidate = pending

        async def run() -> None:
            await get_cache().invalidate(*sorted(to_invalidate))

        after_commit(session, run)
    pending.update(namespaces)


def cached(
    key_prefix: str, ttl: float | Tier = 300
) -> Callable[[Callable[P, Awaitable[V]]], Callable[P, Awaitable[V]]]:
    """Cache an async function's result under `key_prefix` + a digest of its arguments.

    Arguments named `self`, `cls`, `session` or `db` are not part of the key. The return annotation
    decides how the value is stored (pydantic types through a TypeAdapter, `bytes` as they are)."""

    def decorate(fn: Callable[P, Awaitable[V]]) -> Callable[P, Awaitable[V]]:
        signature = inspect.signature(fn)
        return_type = typing.get_type_hints(fn).get("return")
        keyed = [name for name in signature.parameters if name not in {"self", "cls", "session", "db"}]

        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> V:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            key = f"{key_prefix}:{argument_digest([bound.arguments[name] for name in keyed])}"
            return await get_cache().get_or_compute(
                key, lambda: fn(*args, **kwargs), ttl=ttl, type_=return_type
            )

        return wrapper

    return decorate


def argument_digest(values: Any) -> str:
    """A stable digest of plain values (dates, enums, dataclasses and pydantic models included)."""
    encoded = orjson.dumps(
        values, default=_plain, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
    )
    return hashlib.blake2b(encoded, digest_size=12).hexdigest()


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot build a cache key from {type(value).__name__}")
