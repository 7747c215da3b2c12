"""Operations: liveness and readiness of the service and of what it depends on, and `/metrics`."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from app.core.cache import get_cache
from app.core.database import db
from app.core.metrics import registry
from app.core.task_queue import get_task_queue

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> JSONResponse:
    """200 while the database answers (a cache without Redis, or tasks running in-process for want
    of a broker, is `degraded`, still serving); 503 when the database does not."""
    checks: dict[str, Any] = {}
    try:
        async with db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    cache = get_cache()
    redis_ok = await cache.ping()
    checks["cache"] = {
        "backend": cache.backend,
        "status": "ok" if redis_ok or cache.settings.redis_url is None or not cache.enabled else "degraded",
    }
    broker_ok = await asyncio.to_thread(get_task_queue().broker_reachable)
    checks["tasks"] = {
        "broker": "ok" if broker_ok else "unreachable",
        "mode": "celery" if broker_ok else "in-process",
    }
    healthy = checks["database"] == "ok"
    status = "ok" if healthy and checks["cache"]["status"] == "ok" and broker_ok else "degraded"
    return JSONResponse({"status": status, "checks": checks}, status_code=200 if healthy else 503)


@router.get("/metrics", response_class=Response, responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
async def metrics() -> Response:
    """Prometheus text exposition (per process: scrape each worker, or run one)."""
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
