"""Report tasks: `mesa_partes.generar_reporte_excel(reporte_id)` on the `reports` queue.

Delivery is at least once; the run makes the effect once (advisory lock + lease, see
app/reportes/generacion.py and app/reportes/lease.py). A report whose worker was SIGKILLed is
queued again once its lease expires, by the sweep (beat, every REPORT_SWEEP_INTERVAL_S) or by a
worker starting up, well before the broker's visibility timeout would hand its message back. The soft
time limit cancels the run (app/core/task_runtime.py), which then records its error and leaves no
file.
"""

from __future__ import annotations

from typing import Any

from celery import Task
from celery.signals import worker_ready

from app.core.config import get_settings
from app.core.task_queue import celery_app, long_time_limit, periodic, routed
from app.core.task_runtime import run_async
from app.reportes.generacion import generar_reporte
from app.reportes.reanudacion import al_arrancar, reanudar_atascados
from app.reportes.service import GENERAR_REPORTE, REANUDAR_REPORTES

LIMITE = long_time_limit()


@celery_app.task(
    name=routed(GENERAR_REPORTE, "reports"),
    bind=True,
    time_limit=LIMITE.hard,
    soft_time_limit=LIMITE.soft,
)
def generar_reporte_excel(self: Task[Any, Any], reporte_id: int) -> dict[str, Any]:
    """Generate the Excel file of report `reporte_id` (idempotent: a duplicate delivery finds it
    complete, or running under another worker's lock, and returns)."""
    task_id = self.request.id
    return run_async(lambda: generar_reporte(reporte_id, task_id))


@celery_app.task(name=routed(REANUDAR_REPORTES))
def reanudar_reportes() -> list[int]:
    """Beat: enqueue again the reports whose task was lost (see reanudacion.reanudar_atascados)."""
    return run_async(reanudar_atascados)


@worker_ready.connect
def _reanudar_al_arrancar(**_: Any) -> None:
    """A worker starting up (after a crash, often) queues again the reports whose run died."""
    al_arrancar()


# Reports procesando whose lease expired; pendiente ones with no progress for 15 minutes.
periodic("reanudar-reportes", REANUDAR_REPORTES, float(get_settings().report_sweep_interval_s))
