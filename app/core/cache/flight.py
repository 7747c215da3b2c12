"""Compute once: callers of the same missing or stale key share one computation, within a process
(single flight on the event loop) and across processes (a lock in Redis); while it runs, the others
get the previous value, or wait briefly for the new one."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from app.core.cache.codec import Codec, Entry, codec_for
from app.core.cache.store import REDIS_ERRORS, CacheStore, namespace_of
from app.core.cache.tiers import Tier

V = TypeVar("V")


class SingleFlight(CacheStore):
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
        codec = codec_for(type_)
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
                entry = Entry(found.generation, time.time() + seconds, kind, payload)
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
        except REDIS_ERRORS as exc:
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
        except REDIS_ERRORS as exc:
            self._failed(exc)

    async def _wait_for_other_process(self, full_key: str, namespace: str, codec: Codec) -> tuple[Any] | None:
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
