"""The cache service against a real redis-server: the public cache API (docs/design.md §4.1),
invalidation without KEYS, stampede protection, degradation when Redis dies or hangs, recovery, and
its HTTP face (catalogs with ETag/304, metrics, admin endpoints, warm-up)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from redis.asyncio import Redis

from app import cache_policy
from app.core.cache import CacheService, NamespaceStats, cached, get_cache
from app.core.config import Settings
from tests.conftest import World, counted, registrar
from tests.helpers import catalog_payload, run_module
from tests.redis_server import RedisServer, free_port

needs_redis = pytest.mark.needs_redis


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of this module's own, so that stopping it never disturbs other tests."""
    server = RedisServer(Path(tmp_path_factory.mktemp("own-redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis_up(own_redis: RedisServer) -> AsyncIterator[RedisServer]:
    """`own_redis`, running, answering and empty at the start of the test (and resumed after it)."""
    if own_redis.process is not None and own_redis.process.poll() is None:
        os.kill(own_redis.process.pid, signal.SIGCONT)
    if not own_redis.answers():
        own_redis.start()
    raw = Redis.from_url(own_redis.url)
    await raw.flushall()
    await raw.config_resetstat()
    await raw.aclose()
    yield own_redis
    if own_redis.process is not None and own_redis.process.poll() is None:
        os.kill(own_redis.process.pid, signal.SIGCONT)


def service(url: str | None, **overrides: Any) -> CacheService:
    settings = Settings(**{"redis_url": url, "cache_breaker_cooldown_ms": 300, **overrides})
    return CacheService(settings)


async def command_calls(url: str) -> dict[str, int]:
    raw = Redis.from_url(url)
    try:
        stats = await raw.info("commandstats")
    finally:
        await raw.aclose()
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in stats.items()}


class Counter:
    """An expensive computation that counts how often it really ran."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.calls = 0
        self.delay_s = delay_s

    async def __call__(self) -> dict[str, int]:
        self.calls += 1
        await asyncio.sleep(self.delay_s)
        return {"calls": self.calls}


# ---- the public cache API --------------------------------------------------------------------------


@needs_redis
async def test_get_set_delete_and_ttl(redis_up: RedisServer) -> None:
    cache = service(redis_up.url)
    try:
        assert cache.enabled and await cache.get("documentos:nada") is None
        await cache.set("documentos:uno", {"n": 1, "texto": "Resolución N° 5"}, ttl=300)
        assert await cache.get("documentos:uno") == {"n": 1, "texto": "Resolución N° 5"}
        await cache.set("documentos:breve", [1, 2], ttl=0.3)
        assert await cache.get("documentos:breve") == [1, 2]
        await asyncio.sleep(0.4)
        assert await cache.get("documentos:breve") is None
        await cache.delete("documentos:uno")
        assert await cache.get("documentos:uno") is None
        assert cache.stats["documentos"].hits == 2 and cache.stats["documentos"].misses == 3
        assert cache.backend == "redis" and not cache.degraded
    finally:
        await cache.close()


@needs_redis
async def test_delete_pattern_scans_and_never_calls_keys(redis_up: RedisServer) -> None:
    cache = service(redis_up.url)
    try:
        for i in range(1200):
            await cache.set(f"documentos:busqueda:{i}", i, ttl=300)
        await cache.set("estadisticas:todo", {"total": 3}, ttl=300)
        assert await cache.delete_pattern("documentos:*") == 1200
        assert await cache.get("documentos:busqueda:7") is None
        assert await cache.get("estadisticas:todo") == {"total": 3}
        calls = await command_calls(redis_up.url)
        assert "keys" not in calls and calls["scan"] > 1
    finally:
        await cache.close()


@needs_redis
async def test_invalidation_is_one_incr_whatever_the_number_of_keys(redis_up: RedisServer) -> None:
    cache = service(redis_up.url)
    try:
        for i in range(300):
            await cache.set(f"remitentes:{i}", i, ttl=300)
        await cache.set("catalogos:areas", [1], ttl=300)
        before = await command_calls(redis_up.url)
        await cache.invalidate("remitentes")
        after = await command_calls(redis_up.url)
        assert after.get("incrby", 0) - before.get("incrby", 0) == 1
        assert after.get("del", 0) == before.get("del", 0) and "keys" not in after
        assert [await cache.get(f"remitentes:{i}") for i in (0, 150, 299)] == [None, None, None]
        assert await cache.get("catalogos:areas") == [1]
    finally:
        await cache.close()


@needs_redis
async def test_a_value_read_before_a_write_is_never_stored_after_it(redis_up: RedisServer) -> None:
    """The race that delete-on-write caches lose: a reader computes from old rows, the write
    commits and invalidates, then the reader stores. Here the store is conditional."""
    cache = service(redis_up.url)
    try:

        async def old_rows() -> str:
            await cache.invalidate("estadisticas")  # a write commits while we compute
            return "antes de la escritura"

        assert await cache.get_or_compute("estadisticas:x", old_rows, ttl=300) == "antes de la escritura"
        fresh = Counter()
        assert await cache.get_or_compute("estadisticas:x", fresh, ttl=300) == {"calls": 1}
        assert fresh.calls == 1
    finally:
        await cache.close()


class Forma(BaseModel):
    total: int


class FormaNueva(BaseModel):
    total: int
    vencidos: int


@needs_redis
async def test_keys_carry_the_schema_of_their_values(redis_up: RedisServer) -> None:
    cache = service(redis_up.url)
    try:
        await cache.set("estadisticas:forma", Forma(total=4), ttl=300, type_=Forma)
        assert await cache.get("estadisticas:forma", type_=Forma) == Forma(total=4)
        # The next deploy's shape reads another key: never an old value it cannot parse.
        assert await cache.get("estadisticas:forma", type_=FormaNueva) is None
    finally:
        await cache.close()


async def test_cached_decorator_keys_on_the_arguments_but_not_the_session() -> None:
    calls: list[tuple[str, int]] = []

    @cached("documentos:decorado", ttl=300)
    async def contar(session: object, area: str, anio: int = 2026) -> Forma:
        calls.append((area, anio))
        return Forma(total=len(calls))

    assert await contar(object(), "OAJ") == Forma(total=1)
    assert await contar(object(), "OAJ", anio=2026) == Forma(total=1)  # same key: the session is ignored
    assert await contar(object(), "OGA") == Forma(total=2)
    assert calls == [("OAJ", 2026), ("OGA", 2026)]


# ---- stampede protection -------------------------------------------------------------------------------


@needs_redis
async def test_fifty_callers_on_an_expired_key_compute_it_once(redis_up: RedisServer) -> None:
    cache = service(redis_up.url)
    try:
        compute = Counter(delay_s=0.2)
        # Fresh for 2 s, then stale (kept for a grace as long as the TTL): the 50 calls land in
        # that 2 s window even on a busy machine (a 0.3 s window was missed under load).
        assert await cache.get_or_compute("estadisticas:caro", compute, ttl=2) == {"calls": 1}
        await asyncio.sleep(2.1)
        results = await asyncio.gather(
            *(cache.get_or_compute("estadisticas:caro", compute, ttl=2) for _ in range(50))
        )
        assert compute.calls == 2  # the first fill, then exactly one recomputation
        assert {r["calls"] for r in results} <= {1, 2} and {"calls": 2} in results
        assert cache.stats["estadisticas"].stale_served >= 1
    finally:
        await cache.close()


@needs_redis
async def test_two_processes_on_a_missing_key_compute_it_once(redis_up: RedisServer) -> None:
    """Two services on one Redis stand for two worker processes: the Redis lock spans them."""
    # Generous timeouts: this is about the lock, and on a loaded machine a 200 ms Redis call or
    # connection that times out counts as Redis being away (the breaker opens, and its recovery
    # starts a new generation: each instance then computes for itself, by design).
    first, second = (
        service(redis_up.url, redis_socket_timeout_ms=3000, redis_connect_timeout_ms=3000) for _ in range(2)
    )
    try:
        compute = Counter(delay_s=0.3)
        results = await asyncio.gather(
            *(
                cache.get_or_compute("estadisticas:compartido", compute, ttl=300)
                for cache in [first, second] * 25
            )
        )
        assert compute.calls == 1 and all(r == {"calls": 1} for r in results), (
            [vars(cache.stats["estadisticas"]) for cache in (first, second)],
            [(cache.breaker.opened_count, cache._last_error) for cache in (first, second)],
        )
    finally:
        await first.close()
        await second.close()


# ---- degradation and recovery --------------------------------------------------------------------------


async def test_redis_unreachable_at_start_serves_from_the_local_lru() -> None:
    cache = service(f"redis://127.0.0.1:{free_port()}/0")
    try:
        # The start-up check (lifespan) finds out at once: /health and the log say degraded.
        assert not await cache.ping(trip=True)
        assert cache.degraded and cache.backend == "memory (redis unreachable)"
        compute = Counter()
        for _ in range(10):
            assert await cache.get_or_compute("catalogos:areas", compute, ttl=300) == {"calls": 1}
        assert compute.calls == 1  # the LRU kept it
        assert cache.degraded and cache.backend == "memory (redis unreachable)"
        assert cache.stats["catalogos"].errors <= cache.settings.cache_breaker_failures
        assert cache.stats["catalogos"].fallbacks >= 10
        await cache.invalidate("catalogos")
        assert await cache.get_or_compute("catalogos:areas", compute, ttl=300) == {"calls": 2}
    finally:
        await cache.close()


@needs_redis
async def test_redis_killed_mid_run_then_back(redis_up: RedisServer) -> None:
    cache = service(redis_up.url)
    try:
        compute = Counter()
        await cache.get_or_compute("estadisticas:vivo", compute, ttl=300)
        redis_up.stop(kill=True)
        values = [await cache.get_or_compute("estadisticas:vivo", compute, ttl=300) for _ in range(20)]
        assert all(isinstance(v, dict) for v in values) and cache.degraded
        assert cache.stats["estadisticas"].errors <= cache.settings.cache_breaker_failures

        redis_up.start()
        await asyncio.sleep(0.4)  # the breaker's cool-down
        assert await cache.ping() and not cache.degraded and cache.backend == "redis"
        await cache.set("estadisticas:de-vuelta", 1, ttl=300)
        raw = Redis.from_url(redis_up.url)
        try:
            keys = [key async for key in raw.scan_iter(match="mp:*")]
            assert any(b"de-vuelta" in key for key in keys)
        finally:
            await raw.aclose()
    finally:
        await cache.close()


@needs_redis
async def test_a_hung_redis_costs_each_call_a_short_bounded_wait(redis_up: RedisServer) -> None:
    """SIGSTOP: connections hang instead of failing. redis-py's own defaults (5 s timeout, 10
    retries) would stall each call for seconds; the explicit timeouts and the breaker do not."""
    cache = service(redis_up.url, redis_socket_timeout_ms=100, redis_connect_timeout_ms=100)
    try:
        compute = Counter()
        await cache.get_or_compute("estadisticas:colgado", compute, ttl=300)
        assert redis_up.process is not None
        os.kill(redis_up.process.pid, signal.SIGSTOP)
        durations = []
        for _ in range(30):
            started = time.perf_counter()
            await cache.get_or_compute("estadisticas:colgado", compute, ttl=300)
            durations.append(time.perf_counter() - started)
        # At most `failures` calls meet a timeout of 0.1 s each; the rest never touch Redis.
        assert cache.stats["estadisticas"].errors <= cache.settings.cache_breaker_failures
        assert max(durations) < 1.0 and sum(durations) < 2.0, durations
    finally:
        if redis_up.process is not None:
            os.kill(redis_up.process.pid, signal.SIGCONT)
        await cache.close()


@needs_redis
async def test_writes_during_an_outage_never_let_redis_serve_stale_values(redis_up: RedisServer) -> None:
    cache = service(redis_up.url, redis_socket_timeout_ms=100)
    try:
        compute = Counter()
        assert await cache.get_or_compute("documentos:q", compute, ttl=300) == {"calls": 1}
        assert redis_up.process is not None
        os.kill(redis_up.process.pid, signal.SIGSTOP)
        await cache.invalidate("documentos")  # a write commits; Redis does not hear of it
        assert cache.degraded
        os.kill(redis_up.process.pid, signal.SIGCONT)  # Redis is back, still holding the old entry
        await asyncio.sleep(0.4)
        assert await cache.get_or_compute("documentos:q", compute, ttl=300) == {"calls": 2}
        assert not cache.degraded
    finally:
        await cache.close()


# ---- the HTTP side ---------------------------------------------------------------------------------------


async def test_catalogs_second_request_is_a_hit_and_a_conditional_one_is_304(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    first, stats = await counted(client.get("/api/v1/catalogos/areas"))
    assert first.status_code == 200 and stats.count == 1
    assert first.headers["cache-control"] == "public, max-age=900"
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")

    hits = get_cache().stats["catalogos"].hits
    second, stats = await counted(client.get("/api/v1/catalogos/areas"))
    assert second.status_code == 200 and stats.count == 0 and second.content == first.content
    assert second.headers["etag"] == etag and get_cache().stats["catalogos"].hits == hits + 1

    conditional, stats = await counted(client.get("/api/v1/catalogos/areas", headers={"If-None-Match": etag}))
    assert conditional.status_code == 304 and stats.count == 0 and conditional.content == b""
    assert conditional.headers["etag"] == etag
    weak = await client.get("/api/v1/catalogos/areas", headers={"If-None-Match": f'"otro", W/{etag}'})
    assert weak.status_code == 304

    countries = await client.get("/api/v1/catalogos/paises")
    assert countries.headers["cache-control"] == "public, max-age=3600"

    created = await client.post(
        "/api/v1/catalogos/areas", json=catalog_payload("areas", world), headers=tokens["admin"]
    )
    assert created.status_code == 201, created.text
    changed = await client.get("/api/v1/catalogos/areas", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert created.json()["id"] in {area["id"] for area in changed.json()}


async def test_fifty_concurrent_requests_on_invalidated_statistics_compute_once(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    await registrar(client, tokens["mesa"], world)  # the write invalidates the statistics
    before = get_cache().stats.get(cache_policy.ESTADISTICAS, NamespaceStats()).computations
    responses = await asyncio.gather(
        *(client.get("/api/v1/estadisticas", headers=tokens["auditor"]) for _ in range(50))
    )
    assert all(r.status_code == 200 for r in responses)
    assert len({r.content for r in responses}) == 1
    assert get_cache().stats[cache_policy.ESTADISTICAS].computations - before == 1


async def test_search_is_cached_per_normalized_term(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    await registrar(client, tokens["mesa"], world, asunto="Licencia de funcionamiento municipal")
    first, cold = await counted(
        client.get("/api/v1/documentos", params={"q": "  LICENCIA   Municipal "}, headers=tokens["mesa"])
    )
    second, warm = await counted(
        client.get("/api/v1/documentos", params={"q": "licencia municipal"}, headers=tokens["mesa"])
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and first.json()["items"]
    assert warm.count == 0 < cold.count  # the account behind the token is cached too

    by_name, cold = await counted(
        client.get("/api/v1/remitentes", params={"q": "MARÍA  quispe"}, headers=tokens["mesa"])
    )
    again, warm = await counted(
        client.get("/api/v1/remitentes", params={"q": "maría quispe"}, headers=tokens["mesa"])
    )
    assert by_name.json() == again.json() and by_name.json()
    assert warm.count == 0 < cold.count


@needs_redis
async def test_the_api_keeps_answering_while_redis_is_down_and_recovers(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World, suite_redis: RedisServer
) -> None:
    cache = get_cache()
    cooldown = cache.breaker.cooldown_s
    cache.breaker.cooldown_s = 0.3
    try:
        assert (await client.get("/api/v1/catalogos/areas")).status_code == 200
        suite_redis.stop(kill=True)
        documento = await registrar(client, tokens["mesa"], world)
        for url in ("/api/v1/catalogos/areas", "/api/v1/estadisticas", "/api/v1/documentos"):
            assert (await client.get(url, headers=tokens["auditor"])).status_code == 200, url
        health = (await client.get("/health")).json()
        assert health["status"] == "degraded" and health["checks"]["cache"]["status"] == "degraded"
        assert health["checks"]["database"] == "ok"
        stats = (await client.get("/api/v1/estadisticas", headers=tokens["auditor"])).json()

        suite_redis.start()
        await asyncio.sleep(0.4)
        health = (await client.get("/health")).json()
        assert health["status"] == "ok" and health["checks"]["cache"]["backend"] == "redis"
        # Redis came back empty; whatever it holds now is fresh.
        after = (await client.get("/api/v1/estadisticas", headers=tokens["auditor"])).json()
        assert after == stats
        detail = await client.get(f"/api/v1/documentos/{documento['id']}", headers=tokens["auditor"])
        assert detail.status_code == 200
    finally:
        cache.breaker.cooldown_s = cooldown


async def test_metrics_and_admin_cache_endpoints(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]]
) -> None:
    await client.get("/api/v1/catalogos/monedas")
    await client.get("/api/v1/catalogos/monedas")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert 'mesa_partes_cache_hits_total{namespace="catalogos"}' in metrics.text
    assert "mesa_partes_cache_degraded" in metrics.text

    assert (await client.get("/api/v1/admin/cache", headers=tokens["mesa"])).status_code == 403
    report = (await client.get("/api/v1/admin/cache", headers=tokens["admin"])).json()
    assert report["namespaces"]["catalogos"]["hits"] >= 1 and report["backend"] in {
        "redis",
        "memory (redis unreachable)",
    }
    assert report["tiers_s"] == {"hot": 120, "warm": 900, "cold": 3600}

    bad = await client.post(
        "/api/v1/admin/cache/invalidate", json={"namespaces": ["todo"]}, headers=tokens["admin"]
    )
    assert bad.status_code == 422
    done = await client.post(
        "/api/v1/admin/cache/invalidate", json={"namespaces": ["catalogos"]}, headers=tokens["admin"]
    )
    assert done.status_code == 200 and done.json()["namespaces"] == ["catalogos"]
    _, stats = await counted(client.get("/api/v1/catalogos/monedas"))
    assert stats.count == 1  # a miss again


@needs_redis
async def test_warmup_command_fills_catalogs_and_statistics(
    client: httpx.AsyncClient, tokens: dict[str, dict[str, str]], world: World
) -> None:
    code, output = await run_module("app.ops.cli", "warmup-cache", env={})
    assert code == 0, output
    assert "catalogs areas, tipos-documento, procedimientos, indicaciones, monedas, paises" in output
    for ruta in ("areas", "paises"):
        _, stats = await counted(client.get(f"/api/v1/catalogos/{ruta}"))
        assert stats.count == 0, ruta
    for role in ("auditor", "oaj"):
        _, stats = await counted(client.get("/api/v1/estadisticas", headers=tokens[role]))
        assert stats.count == 1, role  # the token's user lookup only


def test_env_performance_lists_the_cache_settings_with_their_defaults() -> None:
    """The operator's file is the documentation of the tuning knobs: it must match the code."""
    from app.core.config import PROJECT_ROOT

    values = {}
    for line in (PROJECT_ROOT / ".env.performance").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.lower()] = value
    fields = Settings.model_fields
    prefixes = (
        *("cache_", "redis_", "db_pool", "db_max", "slow_query", "query_count", "large_table", "task_"),
        *("report_", "anexo_", "integracion_"),
    )
    cache_fields = {name for name in fields if name.startswith(prefixes)}
    assert cache_fields <= set(values), cache_fields - set(values)
    parsed = Settings.model_validate({name: value for name, value in values.items()})
    for name in values:
        assert getattr(parsed, name) == fields[name].default, name


# ---- regressions found in review -------------------------------------------------------------------------


def test_an_empty_redis_url_means_no_redis_and_a_bad_one_fails_at_start() -> None:
    assert Settings(redis_url="").redis_url is None
    assert CacheService(Settings(redis_url="  ")).backend == "memory"
    with pytest.raises(ValueError, match="REDIS_URL"):
        Settings(redis_url="localhost:6379")


@pytest.fixture(params=["redis", "memory"])
async def either_cache(request: pytest.FixtureRequest, own_redis: RedisServer) -> AsyncIterator[CacheService]:
    """The same behaviour is owed by both stores."""
    url = None
    if request.param == "redis":
        url = (await _running(own_redis)).url
    cache = service(url)
    yield cache
    await cache.close()


async def _running(server: RedisServer) -> RedisServer:
    if not server.answers():
        server.start()
    return server


@needs_redis
async def test_a_caller_arriving_after_a_write_never_waits_for_the_older_computation(
    either_cache: CacheService,
) -> None:
    cache = either_cache
    started, release = asyncio.Event(), asyncio.Event()

    async def before_the_write() -> str:
        started.set()
        await release.wait()
        return "antes"

    async def after_the_write() -> str:
        return "después"

    slow = asyncio.create_task(cache.get_or_compute("estadisticas:k", before_the_write, ttl=300))
    await started.wait()
    await cache.invalidate("estadisticas")
    assert await asyncio.wait_for(cache.get_or_compute("estadisticas:k", after_the_write, ttl=300), 1) == (
        "después"
    )
    release.set()
    assert await slow == "antes"  # its caller asked before the write
    assert await cache.get("estadisticas:k") == "después"  # and its value was not stored


@needs_redis
async def test_a_value_computed_under_one_store_is_never_stored_in_the_other(redis_up: RedisServer) -> None:
    cache = service(redis_up.url)
    try:

        async def redis_fails_and_a_write_commits() -> str:
            cache.breaker.failure(trip=True)  # Redis goes away while we compute...
            await cache.invalidate("documentos")  # ...and a write lands in the fallback's counters
            return "viejo"

        assert await cache.get_or_compute("documentos:q", redis_fails_and_a_write_commits, ttl=300) == "viejo"
        assert cache.degraded
        fresh = Counter()
        assert await cache.get_or_compute("documentos:q", fresh, ttl=300) == {"calls": 1}

        async def redis_comes_back() -> str:
            cache.breaker.open_until = time.monotonic() - 1  # the cool-down is over
            assert await cache.ping()  # the probe recovers and bumps the generations
            return "de la caída"

        await cache.get_or_compute("documentos:otra", redis_comes_back, ttl=300)
        assert not cache.degraded
        assert await cache.get("documentos:otra") is None  # not written into the shared store
    finally:
        await cache.close()


async def test_without_redis_a_slow_computation_is_still_computed_once() -> None:
    cache = service(None, cache_lock_wait_ms=50)
    compute = Counter(delay_s=0.3)  # longer than the wait bound
    results = await asyncio.gather(
        *(cache.get_or_compute("estadisticas:lento", compute, ttl=300) for _ in range(20))
    )
    assert compute.calls == 1 and all(r == {"calls": 1} for r in results)


async def test_a_cancelled_computing_caller_does_not_fail_its_waiters() -> None:
    cache = service(None)
    started = asyncio.Event()

    async def never_finishes() -> str:
        started.set()
        await asyncio.sleep(3600)
        return "nunca"

    async def quick() -> str:
        return "listo"

    first = asyncio.create_task(cache.get_or_compute("estadisticas:c", never_finishes, ttl=300))
    await started.wait()
    waiter = asyncio.create_task(cache.get_or_compute("estadisticas:c", quick, ttl=300))
    await asyncio.sleep(0.05)
    first.cancel()
    assert await asyncio.wait_for(waiter, 1) == "listo"
    with pytest.raises(asyncio.CancelledError):
        await first


@needs_redis
async def test_a_cancelled_probe_does_not_leave_the_breaker_stuck(redis_up: RedisServer) -> None:
    cache = service(redis_up.url, redis_socket_timeout_ms=500)
    try:
        await cache.ping()
        cache.breaker.failure(trip=True)
        cache.breaker.open_until = time.monotonic() - 1
        assert redis_up.process is not None
        os.kill(redis_up.process.pid, signal.SIGSTOP)
        probe = asyncio.create_task(cache.ping())
        await asyncio.sleep(0.1)
        probe.cancel()
        with pytest.raises(asyncio.CancelledError):
            await probe
        os.kill(redis_up.process.pid, signal.SIGCONT)
        cache.breaker.open_until = time.monotonic() - 1
        assert await cache.ping() and not cache.degraded
    finally:
        await cache.close()


@needs_redis
async def test_an_unreadable_entry_is_a_miss_not_an_error(redis_up: RedisServer) -> None:
    cache = service(redis_up.url)
    try:
        await cache.set("estadisticas:roto", Forma(total=1), ttl=300, type_=Forma)
        raw = Redis.from_url(redis_up.url)
        try:
            (key,) = [k async for k in raw.scan_iter(match="mp:estadisticas:*:roto")]
            stored = await raw.get(key)
            assert stored is not None
            await raw.set(key, stored[:21] + b'{"total": "no es un numero"}')
        finally:
            await raw.aclose()
        assert await cache.get("estadisticas:roto", type_=Forma) is None

        async def recompute() -> Forma:
            return Forma(total=2)

        assert await cache.get_or_compute("estadisticas:roto", recompute, ttl=300, type_=Forma) == Forma(
            total=2
        )
        assert await cache.get("estadisticas:roto", type_=Forma) == Forma(total=2)
        assert cache.stats["estadisticas"].errors >= 2
    finally:
        await cache.close()


@needs_redis
async def test_loops_in_other_threads_get_their_own_connections(redis_up: RedisServer) -> None:
    """A worker thread running its own event loop (the task queue's in-process fallback) uses the
    same cache service without touching, or closing, the connections of this loop."""
    cache = service(redis_up.url)
    try:
        assert await cache.get_or_compute("catalogos:hilos", Counter(), ttl=300) == {"calls": 1}

        def in_a_thread(n: int) -> Any:
            async def work() -> Any:
                try:
                    await cache.set(f"catalogos:hilo-{n}", n, ttl=300)
                    return await cache.get_or_compute("catalogos:hilos", Counter(), ttl=300)
                finally:
                    await cache.close()

            return asyncio.run(work())

        results = await asyncio.gather(*(asyncio.to_thread(in_a_thread, n) for n in range(4)))
        assert results == [{"calls": 1}] * 4  # the value this loop stored, read from other loops
        assert [await cache.get(f"catalogos:hilo-{n}") for n in range(4)] == [0, 1, 2, 3]
        assert not cache.degraded
    finally:
        await cache.close()
