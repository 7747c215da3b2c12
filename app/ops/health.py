"""Operations: liveness and readiness of the service and of what it depends on, and `/metrics`.

- `GET /livez`: the process answers (no I/O): restart it when this fails.
- `GET /readyz`: whether to send it traffic. Database, cache and broker are checked concurrently,
  each within READYZ_CHECK_TIMEOUT_S; 200 while the database answers (`degraded` when the cache or
  the broker does not: the service serves without them), 503 `unavailable` when it does not.
- `GET /health`: the older combined report, unchanged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlalchemy import text

from app.core.cache import get_cache
from app.core.config import get_settings
from app.core.database import current_database, db
from app.core.metrics import exposition
from app.core.routing import PrefixRouter
from app.core.task_queue import get_task_queue

router = PrefixRouter(tags=["operación"])


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"


class Check(BaseModel):
    ok: bool
    detail: str = Field(description="`ok`, o qué falló (un tipo de error, un tiempo agotado, un modo)")


class ReadinessChecks(BaseModel):
    database: Check
    cache: Check
    broker: Check


class Readiness(BaseModel):
    status: Literal["ok", "degraded", "unavailable"] = Field(
        description="ok: todo responde; degraded: la base de datos responde pero la caché o el broker no "
        "(sigue atendiendo, 200); unavailable: la base de datos no responde (503)"
    )
    checks: ReadinessChecks


# Built once: probes arrive every few seconds, and validating a constant was half of the answer's CPU.
_VIVO = Liveness().model_dump_json().encode()


@router.get(
    "/livez",
    response_model=Liveness,
    operation_id="sondear_vida",
    summary="Comprobar que el proceso vive",
    description="Responde mientras el proceso y su bucle de eventos responden; no consulta nada más. "
    "Si falla, reinicie el proceso.",
)
async def livez() -> Response:
    """The process is alive and its event loop answers; nothing else is asked."""
    return Response(_VIVO, media_type="application/json")


async def _database() -> Check:
    # The engine of this context (the API's; a test may point it elsewhere with using_database).
    async with current_database().engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return Check(ok=True, detail="ok")


async def _cache() -> Check:
    cache = get_cache()
    if not cache.enabled:
        return Check(ok=True, detail="disabled (CACHE_ENABLED=false)")
    if cache.settings.redis_url is None:
        return Check(ok=True, detail="in-process (REDIS_URL empty)")
    if await cache.ping():
        return Check(ok=True, detail="ok")
    # Also while the breaker's cool-down keeps Redis out of use: the service serves from its LRU.
    return Check(ok=False, detail="redis unreachable: in-process LRU serving")


async def _broker() -> Check:
    # One blocking connection attempt (bounded by the broker connect timeout): off the event loop.
    if await asyncio.to_thread(get_task_queue().broker_reachable):
        return Check(ok=True, detail="ok")
    return Check(ok=False, detail="broker unreachable: tasks run in-process")


async def _bounded(check: Callable[[], Awaitable[Check]], timeout_s: float) -> Check:
    started = time.perf_counter()
    try:
        return await asyncio.wait_for(check(), timeout_s)
    except TimeoutError:
        return Check(ok=False, detail=f"timed out after {timeout_s:g} s")
    except Exception as exc:
        # The error type only: this endpoint is public, and messages name hosts and ports.
        return Check(ok=False, detail=f"{type(exc).__name__} after {time.perf_counter() - started:.2f} s")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "La base de datos no responde (`unavailable`)"}},
    operation_id="sondear_disponibilidad",
    summary="Comprobar si puede recibir tráfico",
    description="Comprueba a la vez la base de datos, la caché y el broker. 200 mientras la base de datos "
    "responde (`degraded` si la caché o el broker no: el servicio sigue atendiendo); 503 `unavailable`, "
    "con la comprobación que falló, cuando la base de datos no responde.",
)
async def readyz() -> JSONResponse:
    """200 while the database answers (`degraded` if the cache or the broker does not); 503
    `unavailable`, naming the failed check, when the database does not."""
    timeout_s = get_settings().readyz_check_timeout_s
    database, cache, broker = await asyncio.gather(
        _bounded(_database, timeout_s), _bounded(_cache, timeout_s), _bounded(_broker, timeout_s)
    )
    checks = ReadinessChecks(database=database, cache=cache, broker=broker)
    status: Literal["ok", "degraded", "unavailable"] = (
        "unavailable" if not database.ok else "ok" if cache.ok and broker.ok else "degraded"
    )
    body = Readiness(status=status, checks=checks)
    return JSONResponse(body.model_dump(), status_code=503 if status == "unavailable" else 200)


@router.get(
    "/health",
    operation_id="consultar_salud",
    summary="Consultar el estado del servicio",
    description="El informe combinado anterior a `/readyz`: 200 mientras la base de datos responde "
    "(`degraded` sin Redis o sin broker, sigue atendiendo); 503 cuando no responde.",
)
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


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
    operation_id="exportar_metricas",
    summary="Exportar métricas",
    description="Métricas de Prometheus en formato de texto (de este proceso, o de todos los procesos "
    "con PROMETHEUS_MULTIPROC_DIR).",
)
async def metrics() -> Response:
    """Prometheus text exposition (per process: scrape each worker, or run one)."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
