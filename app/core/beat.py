"""Beat's heartbeat: a scheduler whose every tick also writes a timestamp to Redis.

    celery -A app.core.task_queue beat    (build_celery sets `beat_scheduler` to HeartbeatScheduler)

A beat that stopped ticking sends nothing and logs nothing, and asking a worker whether periodic
tasks still arrive proves only that some did once. The timestamp under `<CACHE_PREFIX>:#beat:heartbeat`
lets anyone with access to Redis (`verify_optimizations.py`, an operator with `redis-cli GET`) tell
how long ago beat last ticked, without a worker. Beat ticks at least every `beat_max_loop_interval`
seconds, so "recent" means within a few of those.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from typing import Any

from celery.beat import PersistentScheduler
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from app.core.config import Settings, get_settings

logger = logging.getLogger("app.beat")

# An old heartbeat is still worth reading ("last tick 2 h ago" says more than "none"); a day after
# beat is gone the key goes too.
HEARTBEAT_TTL_S = 24 * 3600
# A heartbeat must never hold up a tick: one short attempt, no retries.
HEARTBEAT_TIMEOUT_S = 0.5


def heartbeat_key(settings: Settings | None = None) -> str:
    """Under the cache's prefix (several deployments may share one Redis), outside its entry
    layout (`<prefix>:<namespace>:<tag>:<rest>`), so clearing the cache never removes it."""
    return f"{(settings or get_settings()).cache_prefix}:#beat:heartbeat"


def heartbeat_url(settings: Settings | None = None) -> str:
    """The cache's Redis; without one, the broker's (beat needs that one anyway)."""
    settings = settings or get_settings()
    return settings.redis_url or settings.celery_broker_url or "redis://127.0.0.1:6379/0"


def heartbeat_client(settings: Settings | None = None) -> Redis:
    return Redis.from_url(
        heartbeat_url(settings),
        socket_timeout=HEARTBEAT_TIMEOUT_S,
        socket_connect_timeout=HEARTBEAT_TIMEOUT_S,
        retry=Retry(NoBackoff(), 0),
    )


def read_heartbeat(settings: Settings | None = None) -> dict[str, Any] | None:
    """The last heartbeat (`at`: epoch seconds, `host`, `pid`, `max_interval`), or None. Raises
    RedisError / OSError when Redis cannot be read."""
    client = heartbeat_client(settings)
    try:
        raw = client.get(heartbeat_key(settings))
    finally:
        client.close()
    if raw is None:
        return None
    value: dict[str, Any] = json.loads(raw)
    return value


class HeartbeatScheduler(PersistentScheduler):
    """The default persistent scheduler, plus a timestamp in Redis after every tick."""

    _heartbeat: Redis | None = None
    _heartbeat_failing = False

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval: float = super().tick(*args, **kwargs)
        self.write_heartbeat()
        return interval

    def write_heartbeat(self) -> None:
        value = {
            "at": time.time(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "max_interval": self.max_interval,
        }
        try:
            if self._heartbeat is None:
                self._heartbeat = heartbeat_client()
            self._heartbeat.set(heartbeat_key(), json.dumps(value), ex=HEARTBEAT_TTL_S)
        except (RedisError, OSError) as exc:
            # Beat keeps scheduling without its heartbeat; say so once per outage, not every tick.
            if not self._heartbeat_failing:
                logger.warning("beat.heartbeat_failed error=%r", exc)
            self._heartbeat_failing = True
            return
        if self._heartbeat_failing:
            logger.warning("beat.heartbeat_recovered")
        self._heartbeat_failing = False
