"""Operator tasks: the periodic cache warm-up, and the ping `verify_optimizations.py` sends to
every queue."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from celery import Task

from app.core.config import get_settings
from app.core.task_queue import celery_app, periodic, routed
from app.core.task_runtime import run_async
from app.ops.verificacion.colas import PING
from app.ops.warmup import WARMUP_CACHE, warmup_cache


@celery_app.task(name=routed(WARMUP_CACHE))
def warmup_cache_task() -> dict[str, Any]:
    """Recompute the catalogs and statistics in the cache (idempotent: running twice only
    recomputes twice)."""
    return asdict(run_async(warmup_cache))


@celery_app.task(name=routed(PING), bind=True)
def ping_task(self: Task[Any, Any]) -> dict[str, Any]:
    """Which worker ran it, from which queue: proof that the queue it was sent to is consumed (the
    sender picks the queue explicitly; `default` is only its route when sent without one)."""
    delivery = self.request.delivery_info or {}
    return {"worker": self.request.hostname, "queue": delivery.get("routing_key")}


periodic("warmup-cache", WARMUP_CACHE, float(get_settings().task_warmup_interval_s))
