"""Report tasks: `mesa_partes.generar_reporte_excel(reporte_id)` on the `reports` queue.

Delivery is at least once (a SIGKILLed worker's message comes back after the visibility timeout);
the service makes the effect once (advisory lock + re-read, see reporte_service).
"""

from __future__ import annotations

import asyncio
import signal
import threading
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded

from app.core.task_queue import celery_app
from app.services.mesa_partes.reporte_service import generar_reporte, motivo_cancelacion, reanudar_atascados
from app.services.mesa_partes.tareas import GENERAR_REPORTE, REANUDAR_REPORTES
from app.tasks.runtime import run_async

# billiard's pool signals a soft time limit with SIGUSR1 and raises SoftTimeLimitExceeded from the
# handler, wherever the main thread happens to be: inside the event loop's select() it would
# escape the coroutine and leave it suspended on the thread's loop. While a report runs, the
# signal cancels the report's asyncio task instead, so its clean-up (error state, no partial
# file) runs; the cancellation is then raised to Celery as the SoftTimeLimitExceeded it was.
SOFT_LIMIT_SIGNAL = signal.SIGUSR1
SOFT_LIMIT_MESSAGE = "SoftTimeLimitExceeded: the report ran past its time limit"


async def _generar(reporte_id: int, task_id: str | None) -> dict[str, Any]:
    tarea = asyncio.current_task()
    if threading.current_thread() is not threading.main_thread() or tarea is None:
        # An in-process run (broker down) on a pool thread: no time limit, no signal.
        return await generar_reporte(reporte_id, task_id)
    loop = asyncio.get_running_loop()
    anterior = signal.getsignal(SOFT_LIMIT_SIGNAL)
    loop.add_signal_handler(SOFT_LIMIT_SIGNAL, tarea.cancel, SOFT_LIMIT_MESSAGE)
    try:
        return await generar_reporte(reporte_id, task_id)
    finally:
        loop.remove_signal_handler(SOFT_LIMIT_SIGNAL)
        signal.signal(SOFT_LIMIT_SIGNAL, anterior if anterior is not None else signal.SIG_DFL)


def ejecutar(reporte_id: int, task_id: str | None) -> dict[str, Any]:
    """Run one report generation on this thread's loop (the task body, callable without Celery)."""
    try:
        return run_async(lambda: _generar(reporte_id, task_id))
    except BaseException as exc:
        if motivo_cancelacion(exc) == SOFT_LIMIT_MESSAGE:
            raise SoftTimeLimitExceeded(SOFT_LIMIT_MESSAGE) from exc
        raise


@celery_app.task(name=GENERAR_REPORTE, bind=True)
def generar_reporte_excel(self: Task[Any, Any], reporte_id: int) -> dict[str, Any]:
    """Generate the Excel file of report `reporte_id` (idempotent: a duplicate delivery finds it
    complete, or running under another worker's lock, and returns)."""
    return ejecutar(reporte_id, self.request.id)


@celery_app.task(name=REANUDAR_REPORTES)
def reanudar_reportes() -> list[int]:
    """Beat: enqueue again the reports whose task was lost (see reporte_service.reanudar_atascados)."""
    return run_async(reanudar_atascados)
