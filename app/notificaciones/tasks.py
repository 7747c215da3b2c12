"""Notification tasks (queue `notifications`): the email of a document event and the daily
overdue-documents alert (beat, at TASK_ALERTA_VENCIDOS_HORA office time).

Both are safe to run twice: the `notificaciones` ledger sends each email once. A failed SMTP
attempt is retried by enqueueing the task again with a countdown (`intento` + 1) rather than with
`self.retry`: the same path works on a worker and when the task runs in-process without a broker.
"""

from __future__ import annotations

import asyncio
from typing import Any

from celery.schedules import crontab

from app.core.config import get_settings
from app.core.task_queue import celery_app, get_task_queue, periodic, routed
from app.core.task_runtime import run_async
from app.notificaciones.service import (
    ALERTA_VENCIDOS,
    ENVIAR_NOTIFICACION,
    Reintento,
    alerta_vencidos,
    enviar_notificacion,
)


def reencolar(name: str, data: dict[str, Any]) -> Reintento:
    """The retry of task `name`: enqueued again with the next `intento` after a countdown."""

    async def reintentar(intento: int, countdown: float) -> None:
        # Publishing blocks on the broker socket (a connect timeout when it is away): off the loop.
        await asyncio.to_thread(
            get_task_queue().enqueue, name, {**data, "intento": intento}, countdown=countdown
        )

    return reintentar


@celery_app.task(name=routed(ENVIAR_NOTIFICACION, "notifications"))
def enviar_notificacion_task(historial_id: int, intento: int = 0) -> dict[str, Any]:
    """Email whoever document event `historial_id` concerns (sender on registration, receiving
    areas on routing), once per recipient."""
    reintentar = reencolar(ENVIAR_NOTIFICACION, {"historial_id": historial_id})
    return run_async(lambda: enviar_notificacion(historial_id, intento=intento, reintentar=reintentar))


@celery_app.task(name=routed(ALERTA_VENCIDOS, "notifications"))
def alerta_vencidos_task(intento: int = 0) -> dict[str, Any]:
    """Today's overdue open documents, one email per area user, once per day."""
    reintentar = reencolar(ALERTA_VENCIDOS, {})
    return run_async(lambda: alerta_vencidos(intento=intento, reintentar=reintentar))


def _hora_alerta() -> crontab:
    hora, minuto = (int(part) for part in get_settings().task_alerta_vencidos_hora.split(":"))
    return crontab(hour=hora, minute=minuto)


periodic("alerta-vencidos", ALERTA_VENCIDOS, _hora_alerta())
