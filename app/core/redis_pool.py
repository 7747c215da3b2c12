"""The one way this service connects to Redis (the cache, the throttle): every bound explicit.

redis-py 8 defaults to a 5 s socket timeout and 10 retries with backoff, so a request would wait
seconds on a dead Redis. Here a dead Redis costs a caller at most the socket timeout once; the
callers' circuit breakers do the retrying.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.core.config import Settings


def bounded_pool(settings: Settings, url: str, client_name: str) -> BlockingConnectionPool:
    return BlockingConnectionPool.from_url(
        url,
        max_connections=settings.redis_max_connections,
        timeout=settings.redis_socket_timeout_ms / 1000,
        socket_timeout=settings.redis_socket_timeout_ms / 1000,
        socket_connect_timeout=settings.redis_connect_timeout_ms / 1000,
        socket_keepalive=True,
        retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False,
        health_check_interval=30,
        client_name=client_name,
    )
