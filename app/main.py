"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.core.body_timeout import BodyReadTimeoutMiddleware
from app.core.cache import get_cache
from app.core.config import get_settings
from app.core.database import db
from app.core.docs import install_docs
from app.core.embedded_pg import release_all
from app.core.errors import install_error_handlers
from app.core.instruments import process_exit
from app.core.logging import configure_logging
from app.core.problems import install_problem_openapi
from app.core.query_monitor import QueryMonitoringMiddleware
from app.core.routing import include
from app.core.security_headers import SecureFastAPI
from app.core.task_queue import get_task_queue
from app.institucion.identidad import institucion
from app.ops.health import router as health_router
from app.router import DESCRIPCION_API, OPENAPI_TAGS, api_router
from app.seguimiento.pagina import router as seguimiento_pagina


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    db.engine  # noqa: B018 - start (or join) the database before the first request
    await get_cache().ping(trip=True)  # logs cache.degraded now when Redis is configured but unreachable
    yield
    get_task_queue().shutdown()
    await get_cache().close()
    await db.dispose()
    release_all()
    process_exit()  # multiprocess metrics: this process's gauges stop counting


# Operations that never touch the database (so cannot answer 503 for it).
_DATABASE_FREE_PATHS = frozenset({"/livez", "/metrics", "/health"})


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings)
    institucion()  # a wrong INSTITUCION_RUC or INSTITUCION_LOGO fails here, at start
    # Security headers and CORS wrap every layer (app/core/security_headers.py).
    app = SecureFastAPI(
        title="Mesa de Partes",
        version="0.1.0",
        description=DESCRIPCION_API,
        openapi_tags=OPENAPI_TAGS,
        # Our own /docs and /redoc, with no outside host (app/core/docs.py: install_docs).
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # No OpenTelemetry: the service's metrics are Prometheus (`app.core.instruments`) and its
        # logs structlog. FastAPI otherwise asks the global providers on every request whether
        # one was configured since (~3 µs, a tenth of a /livez answer).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)
    install_problem_openapi(app, database_free=_DATABASE_FREE_PATHS.__contains__, body_statuses=(408,))
    # Inside the monitoring one, so that its 408 is logged and counted like any answer.
    app.add_middleware(BodyReadTimeoutMiddleware)
    app.add_middleware(QueryMonitoringMiddleware)
    include(app.router, health_router)
    include(app.router, api_router)
    # The public tracking page (HTML, outside /api/v1 and the OpenAPI document).
    include(app.router, seguimiento_pagina)
    install_docs(app)
    return app


app = create_app()
