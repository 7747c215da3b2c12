"""The cache checks: Redis answers and a round trip through the cache service works; a second
catalog read is a hit."""

from __future__ import annotations

import time
import uuid

from kombu.utils.url import maybe_sanitize_url

from app.cache_policy import CATALOGOS
from app.catalogos.service import CATALOGOS_PUBLICOS, CatalogoService
from app.core.cache import CacheService, get_cache
from app.core.config import get_settings
from app.core.database import db
from app.ops.verificacion.base_datos import DATABASE
from app.ops.verificacion.runner import Check, CheckFailed, Context

REDIS = "redis"
# The round trip's keys live in a namespace of their own (and of this run), never the service's.
NAMESPACE = "verificacion"
# A concurrent catalog write can invalidate between the two reads: try again a few times.
HIT_ATTEMPTS = 3


def _degraded(cache: CacheService) -> CheckFailed:
    return CheckFailed(
        f"degraded: in-memory fallback ({cache.report()['last_error'] or 'Redis does not answer'})"
    )


async def check_redis(context: Context) -> str:
    settings = get_settings()
    cache = get_cache()
    if not cache.enabled:
        raise CheckFailed("CACHE_ENABLED=false: every read goes to PostgreSQL")
    if settings.redis_url is None:
        raise CheckFailed("REDIS_URL is empty: the cache is in-process only, shared by nothing")
    # trip=True: one failure opens the breaker, as the service's start-up check does.
    if not await cache.ping(trip=True):
        raise _degraded(cache)
    run = uuid.uuid4().hex[:12]
    key = f"{NAMESPACE}:{run}:ida-y-vuelta"
    value = {"verificado": True, "at": time.time()}
    try:
        await cache.set(key, value, ttl=60)
        read = await cache.get(key)
        deleted = await cache.delete_pattern(f"{NAMESPACE}:{run}:*")
        after = await cache.get(key)
    finally:
        if not cache.degraded:
            await cache.delete_pattern(f"{NAMESPACE}:{run}:*")
    if cache.degraded:
        raise _degraded(cache)
    if read != value:
        raise CheckFailed(f"set then get returned {read!r}")
    if deleted < 1 or after is not None:
        raise CheckFailed(f"delete_pattern removed {deleted} keys and the key still reads {after!r}")
    url = maybe_sanitize_url(settings.redis_url)
    return f"{url}: a set/get/delete_pattern round trip through the cache service"


def _catalog_hits(cache: CacheService) -> int:
    return int(cache.report()["namespaces"].get(CATALOGOS, {}).get("hits", 0))


async def check_cache_hit(context: Context) -> str:
    cache = get_cache()
    catalogo = CATALOGOS_PUBLICOS[0]
    for _ in range(HIT_ATTEMPTS):
        async with db.sessionmaker() as session:
            service = CatalogoService(session)
            await service.listar_json(catalogo)
            before = _catalog_hits(cache)
            await service.listar_json(catalogo)
            hit = _catalog_hits(cache) == before + 1
        if cache.degraded:
            raise _degraded(cache)
        if hit:
            return f"the second read of catalog {catalogo.ruta} was a hit in Redis ({cache.backend})"
    raise CheckFailed(
        f"the second read of catalog {catalogo.ruta} was not a cache hit ({HIT_ATTEMPTS} tries)"
    )


CHECKS = (
    Check(REDIS, check_redis, timeout_s=10, provides=REDIS),
    Check("cache_hit", check_cache_hit, timeout_s=15, needs=(DATABASE, REDIS)),
)
