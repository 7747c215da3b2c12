"""Near copies (`CacheService.get_or_compute_near`) against a real redis-server: a hit asks Redis
nothing, an invalidation in this process drops the copy at once (also one racing a read), and a
write made through another process shows here within the tier's `near_seconds`, never later."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from app.core.cache import HOT, WARM, CacheService
from app.core.cache.tiers import NEAR_FRACTION
from app.core.config import Settings
from app.core.http_cache import PublicBody
from tests.redis_server import RedisServer

needs_redis = pytest.mark.needs_redis
KEY = "catalogos:areas"


@pytest.fixture(scope="module")
def near_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of this module's own: its command counts are this module's alone."""
    server = RedisServer(Path(tmp_path_factory.mktemp("near-redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis_url(near_redis: RedisServer) -> AsyncIterator[str]:
    if not near_redis.answers():
        near_redis.start()
    raw = Redis.from_url(near_redis.url)
    await raw.flushall()
    await raw.aclose()
    yield near_redis.url


def service(url: str | None, **overrides: Any) -> CacheService:
    # HOT at its shortest TTL (60 s): near copies of 1/180 of it, 0.33 s, keep the tests short.
    return CacheService(Settings(**{"redis_url": url, "cache_ttl_hot": 60, **overrides}))


async def commands(raw: Redis) -> int:
    """Commands Redis has processed so far (this query included), asked on a connection already open:
    opening one sends commands of its own."""
    return int((await raw.info("stats"))["total_commands_processed"])


class Rows:
    """The catalog's rows as the database holds them, and how many times they were read."""

    def __init__(self) -> None:
        self.version = 1
        self.reads = 0

    async def __call__(self) -> bytes:
        self.reads += 1
        return f'[{{"version":{self.version}}}]'.encode()


def body(value: bytes) -> PublicBody:
    return PublicBody.of(value, max_age=900)


def test_near_seconds_are_a_fixed_fraction_of_the_tier() -> None:
    assert NEAR_FRACTION == 180
    assert WARM.near_seconds == WARM.seconds / 180  # 5 s at the default 900 s
    assert Settings().cache_ttl_warm / NEAR_FRACTION == 5.0


@needs_redis
async def test_a_near_hit_asks_redis_nothing_and_keeps_what_was_derived(redis_url: str) -> None:
    cache, rows, raw = service(redis_url), Rows(), Redis.from_url(redis_url)
    try:
        first = await cache.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
        before = await commands(raw)
        hits = [await cache.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes) for _ in range(50)]
        assert await commands(raw) == before + 1  # the count query itself, nothing else
        assert all(hit is first for hit in hits)  # the same object: no decoding, no new ETag
        assert rows.reads == 1
        stats = cache.stats["catalogos"]
        assert stats.near_hits == 50 and stats.hits == 50 and stats.misses == 1
        assert cache.report()["near_entries"] == 1
    finally:
        await cache.close()
        await raw.aclose()


@needs_redis
async def test_an_invalidation_in_this_process_drops_the_copy_at_once(redis_url: str) -> None:
    cache, rows = service(redis_url), Rows()
    try:
        old = await cache.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
        rows.version = 2
        await cache.invalidate("catalogos")
        new = await cache.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
        assert new.body == b'[{"version":2}]' and new.etag != old.etag
        # Deleting the key or clearing the cache drops it as well.
        rows.version = 3
        await cache.delete(KEY, type_=bytes)
        assert (
            await cache.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
        ).body == b'[{"version":3}]'
        rows.version = 4
        await cache.clear()
        assert (
            await cache.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
        ).body == b'[{"version":4}]'
    finally:
        await cache.close()


@needs_redis
async def test_a_read_that_began_before_an_invalidation_is_not_kept(redis_url: str) -> None:
    """The rows are read, a write commits and invalidates, then the read ends: its value is answered
    to its own caller (it began first) but never served again as a near copy."""
    cache, rows = service(redis_url), Rows()
    reading, written = asyncio.Event(), asyncio.Event()

    async def slow_read() -> bytes:
        value = await rows()
        reading.set()
        await written.wait()
        return value

    try:
        racing = asyncio.create_task(cache.get_or_compute_near(KEY, slow_read, body, ttl=WARM, type_=bytes))
        await reading.wait()
        rows.version = 2
        await cache.invalidate("catalogos")
        written.set()
        assert (await racing).body == b'[{"version":1}]'
        after = await cache.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
        assert after.body == b'[{"version":2}]'
    finally:
        await cache.close()


@needs_redis
async def test_a_write_through_another_process_shows_here_within_near_seconds(redis_url: str) -> None:
    """Two services on one Redis stand for two API processes. After a write through `other`, `here`
    may serve its copy until it ends (HOT at 60 s: 0.33 s), and serves the new rows from then on."""
    here, other, rows = service(redis_url), service(redis_url), Rows()
    bound = HOT.near_seconds
    try:
        assert here.settings.cache_ttl_hot / NEAR_FRACTION == pytest.approx(1 / 3)
        await here.get_or_compute_near(KEY, rows, body, ttl=HOT, type_=bytes)
        cached_at = time.monotonic()
        rows.version = 2
        await other.invalidate("catalogos")  # the write's unit of work, committed in the other process
        written_at = time.monotonic()
        seen = (await here.get_or_compute_near(KEY, rows, body, ttl=HOT, type_=bytes)).body
        if time.monotonic() - cached_at < bound:
            assert seen == b'[{"version":1}]'  # still the copy: the bound is the price of no round trip
        while seen != b'[{"version":2}]':
            assert time.monotonic() - written_at <= bound + 0.1, "stale beyond near_seconds"
            await asyncio.sleep(0.02)
            seen = (await here.get_or_compute_near(KEY, rows, body, ttl=HOT, type_=bytes)).body
        # Once fresh, the other process's value is what this one keeps.
        assert (await here.get_or_compute_near(KEY, rows, body, ttl=HOT, type_=bytes)).body == seen
    finally:
        await here.close()
        await other.close()


async def test_without_redis_and_disabled() -> None:
    """No Redis (the in-process store): near copies work alike. Cache disabled: nothing is kept."""
    local, rows = service(None), Rows()
    await local.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
    await local.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
    assert rows.reads == 1 and local.stats["catalogos"].near_hits == 1
    rows.version = 2
    await local.invalidate("catalogos")
    assert (
        await local.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
    ).body == b'[{"version":2}]'

    off, rows = service(None, cache_enabled=False), Rows()
    for _ in range(3):
        await off.get_or_compute_near(KEY, rows, body, ttl=WARM, type_=bytes)
    assert rows.reads == 3 and not off.near.entries
