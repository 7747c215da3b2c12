"""Integration delivery tasks: one attempt per run, and the sweep of deliveries whose retry was lost."""

from __future__ import annotations

from typing import Any

from app.core.task_queue import celery_app
from app.services.mesa_partes.integracion_service import reintentar_envios, sincronizar
from app.services.mesa_partes.tareas import REINTENTAR_ENVIOS, SINCRONIZAR_INTEGRACION
from app.tasks.runtime import run_async


@celery_app.task(name=SINCRONIZAR_INTEGRACION)
def sincronizar_integracion(envio_id: int) -> dict[str, Any]:
    """POST the document of envio `envio_id` to its integration, if an attempt is due (a second
    copy of the message finds the row locked, delivered or not yet due, and does nothing); a failed
    attempt schedules the next one itself."""
    return run_async(lambda: sincronizar(envio_id))


@celery_app.task(name=REINTENTAR_ENVIOS)
def reintentar_envios_task() -> int:
    """Enqueue the due deliveries (beat, every minute); returns how many."""
    return run_async(reintentar_envios)
