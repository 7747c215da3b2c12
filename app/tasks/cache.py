"""Cache tasks."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.core.task_queue import celery_app
from app.services.mesa_partes import tareas
from app.services.mesa_partes.cache_warmup import warmup_cache
from app.tasks.runtime import run_async


@celery_app.task(name=tareas.WARMUP_CACHE)
def warmup_cache_task() -> dict[str, Any]:
    """Recompute the catalogs and statistics in the cache (idempotent: running twice only
    recomputes twice)."""
    return asdict(run_async(warmup_cache))
