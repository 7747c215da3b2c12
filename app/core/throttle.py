"""Rate limits: moving windows kept in Redis (shared by every process), in process memory while Redis
is unreachable, so the API keeps answering and keeps limiting.

A limit is a setting string parsed by `limits.parse_many` ("10/minute", "10/minute;50/hour",
"3 per 2 seconds"); empty or "0" turns it off. `Throttle.hit(limit, scope, key, message)` counts one
event for `key` under `scope` and raises `TooManyRequests` (429 with `Retry-After`: when the oldest
event of the full window leaves it) when the window is already full. It knows no domain: callers
choose the scope ("login-usuario", "seguimiento-ip"...), the key and the Spanish message.

Redis is guarded like the cache (`app/core/cache/store.py`): explicit socket timeouts, no retries,
and a circuit breaker (the cache's failure threshold and cool-down) that sends every call to the
in-memory windows while Redis fails. The memory windows are this process's only: with Redis away
each process counts on its own, and counts start empty (a fail-open on the count, never a refusal
to answer). When Redis is back, the windows kept there apply again.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError
from starlette.requests import Request

from app.core.breaker import CircuitBreaker
from app.core.config import Settings, get_settings
from app.core.errors import TooManyRequests
from app.core.logging import get_logger
from app.core.redis_pool import bounded_pool

log = get_logger("app.throttle")

_REDIS_ERRORS = (RedisError, OSError, asyncio.TimeoutError)
_OFF = frozenset({"", "0", "off", "none"})


@lru_cache(maxsize=64)
def parse_limit(spec: str | None) -> tuple[RateLimitItem, ...]:
    """The windows of a limit setting; () when it is off (unset, empty or "0")."""
    if spec is None or spec.strip().lower() in _OFF:
        return ()
    return tuple(parse_many(spec))


def client_address(request: Request) -> str:
    """The address limits are kept per: the TCP peer, as uvicorn reports it. Behind a reverse proxy
    that is the proxy, unless uvicorn runs with `--forwarded-allow-ips=<the proxy's address>`: then
    it is the client named in the proxy's X-Forwarded-For (never trust it from anyone else)."""
    return request.client.host if request.client is not None else "unknown"


@dataclass
class _LoopLimiters:
    """The limiters of one event loop: redis-py's asyncio connections and the memory storage's
    locks and expiry task belong to the loop that made them."""

    redis: MovingWindowRateLimiter | None
    memory: MovingWindowRateLimiter


class Throttle:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.breaker = CircuitBreaker(
            self.settings.cache_breaker_failures, self.settings.cache_breaker_cooldown_ms / 1000
        )
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopLimiters] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def degraded(self) -> bool:
        """True while the windows are kept in this process's memory (Redis failing)."""
        return self.breaker.is_open

    async def hit(self, limit: str | None, scope: str, key: str, message: str) -> None:
        """Count one event of `key` in every window of `limit`; 429 when one of them is full.
        Windows are hit in order and the first full one answers (an earlier one keeps its count)."""
        for item in parse_limit(limit):
            allowed, reset_at = await self._hit(item, scope, key)
            if not allowed:
                retry_after = max(1, math.ceil(reset_at - time.time()))
                log.warning("throttle.limited", scope=scope, limit=str(item), retry_after_s=retry_after)
                raise TooManyRequests(message, retry_after_s=retry_after)

    async def _hit(self, item: RateLimitItem, scope: str, key: str) -> tuple[bool, float]:
        limiters = self._limiters()
        if limiters.redis is not None:
            admission = self.breaker.admit()
            if admission is not None:
                try:
                    result = await self._try(limiters.redis, item, scope, key)
                except _REDIS_ERRORS as exc:
                    if self.breaker.failure(probe=admission == "probe"):
                        log.warning("throttle.degraded", backend="memory", reason=f"{type(exc).__name__}")
                except BaseException:
                    if admission == "probe":
                        self.breaker.abandon_probe()
                    raise
                else:
                    if self.breaker.success(probe=admission == "probe"):
                        log.warning("throttle.recovered", backend="redis")
                    return result
        return await self._try(limiters.memory, item, scope, key)

    @staticmethod
    async def _try(
        limiter: MovingWindowRateLimiter, item: RateLimitItem, scope: str, key: str
    ) -> tuple[bool, float]:
        if await limiter.hit(item, scope, key):
            return True, 0.0
        stats = await limiter.get_window_stats(item, scope, key)
        return False, stats.reset_time

    def _limiters(self) -> _LoopLimiters:
        loop = asyncio.get_running_loop()
        limiters = self._loops.get(loop)
        if limiters is None:
            limiters = self._loops[loop] = _LoopLimiters(self._redis_limiter(), self._memory_limiter())
        return limiters

    @staticmethod
    def _memory_limiter() -> MovingWindowRateLimiter:
        return MovingWindowRateLimiter(MemoryStorage())

    def _redis_limiter(self) -> MovingWindowRateLimiter | None:
        s = self.settings
        if s.redis_url is None:
            return None
        # The same bounds as the cache's client: a dead Redis costs a request at most the socket
        # timeout once, then nothing while the breaker is open.
        pool = bounded_pool(s, s.redis_url, f"{s.app_name}-throttle")
        uri = (
            s.redis_url.replace("unix://", "redis+unix://", 1)
            if s.redis_url.startswith("unix://")
            else s.redis_url
        )
        storage = RedisStorage(
            "async+" + uri,
            implementation="redispy",  # redis-py, the project's client (limits defaults to coredis)
            key_prefix=f"{s.cache_prefix}:throttle",
            connection_pool=pool,  # type: ignore[arg-type]  # popped by the redis-py bridge
        )
        return MovingWindowRateLimiter(storage)


@lru_cache
def get_throttle() -> Throttle:
    return Throttle()
