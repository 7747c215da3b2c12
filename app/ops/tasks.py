"""Operator tasks: the periodic cache warm-up."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.core.config import get_settings
from app.core.task_queue import celery_app, periodic, routed
from app.core.task_runtime import run_async
from app.ops.warmup import WARMUP_CACHE, warmup_cache


@celery_app.task(name=routed(WARMUP_CACHE))
def warmup_cache_task() -> dict[str, Any]:
    """Recompute the catalogs and statistics in the cache (idempotent: running twice only
    recomputes twice)."""
    return asdict(run_async(warmup_cache))


periodic("warmup-cache", WARMUP_CACHE, float(get_settings().task_warmup_interval_s))
