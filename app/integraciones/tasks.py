"""Integration delivery tasks: one attempt per run, and the sweep of deliveries whose retry was lost."""

from __future__ import annotations

from typing import Any

from app.core.task_queue import celery_app, periodic, routed
from app.core.task_runtime import run_async
from app.integraciones.service import (
    REINTENTAR_ENVIOS,
    SINCRONIZAR_INTEGRACION,
    reintentar_envios,
    sincronizar,
)


@celery_app.task(name=routed(SINCRONIZAR_INTEGRACION, "integrations"))
def sincronizar_integracion(envio_id: int) -> dict[str, Any]:
    """POST the document of envio `envio_id` to its integration, if an attempt is due (a second
    copy of the message finds the row locked, delivered or not yet due, and does nothing); a failed
    attempt schedules the next one itself."""
    return run_async(lambda: sincronizar(envio_id))


@celery_app.task(name=routed(REINTENTAR_ENVIOS, "integrations"))
def reintentar_envios_task() -> int:
    """Enqueue the due deliveries (beat, every minute); returns how many."""
    return run_async(reintentar_envios)


# Deliveries whose retry message was lost (a process restarted while running in-process).
periodic("reintentar-envios", REINTENTAR_ENVIOS, 60.0)
