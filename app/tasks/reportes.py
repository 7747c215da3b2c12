"""Report tasks: `mesa_partes.generar_reporte_excel(reporte_id)` on the `reports` queue.

Delivery is at least once (a SIGKILLed worker's message comes back after the visibility timeout);
the service makes the effect once (advisory lock + re-read, see reporte_service). The soft time
limit cancels the run (app/tasks/runtime.py), which then records its error and leaves no file.
"""

from __future__ import annotations

from typing import Any

from celery import Task

from app.core.task_queue import celery_app
from app.services.mesa_partes.reporte_service import generar_reporte, reanudar_atascados
from app.services.mesa_partes.tareas import GENERAR_REPORTE, REANUDAR_REPORTES
from app.tasks.runtime import run_async


@celery_app.task(name=GENERAR_REPORTE, bind=True)
def generar_reporte_excel(self: Task[Any, Any], reporte_id: int) -> dict[str, Any]:
    """Generate the Excel file of report `reporte_id` (idempotent: a duplicate delivery finds it
    complete, or running under another worker's lock, and returns)."""
    task_id = self.request.id
    return run_async(lambda: generar_reporte(reporte_id, task_id))


@celery_app.task(name=REANUDAR_REPORTES)
def reanudar_reportes() -> list[int]:
    """Beat: enqueue again the reports whose task was lost (see reporte_service.reanudar_atascados)."""
    return run_async(reanudar_atascados)
