"""The sweep of reports whose task was lost: the beat task REANUDAR_REPORTES (app/reportes/tasks.py)
enqueues their generation again; the run's lock and re-read make a needless one harmless.
"""

from __future__ import annotations

import logging

from sqlalchemy import Select, func, select, text

from app.core.database import session_scope
from app.core.sql import in_literal
from app.core.task_queue import get_task_queue
from app.reportes.models import EstadoReporte, Reporte
from app.reportes.service import GENERAR_REPORTE

logger = logging.getLogger("app.reportes")

ATASCADO_TRAS = "15 minutes"
LOTE_ATASCADOS = 100


def consulta_atascados() -> Select[int]:
    """Reports still pendiente or procesando long after they were requested and with no progress
    written for as long (ix_reportes_activos: only unfinished reports are in it)."""
    return (
        select(Reporte.id)
        .where(
            # Literals, so that a generic plan still matches the partial index's predicate.
            in_literal(Reporte.estado, [EstadoReporte.PENDIENTE, EstadoReporte.PROCESANDO]),
            Reporte.created_at < func.now() - text(f"interval '{ATASCADO_TRAS}'"),
            Reporte.updated_at < func.now() - text(f"interval '{ATASCADO_TRAS}'"),
        )
        .order_by(Reporte.created_at)
        .limit(LOTE_ATASCADOS)
    )


async def reanudar_atascados() -> list[int]:
    """Enqueue the report task again for stuck reports: one run in the API process lost at a
    restart (broker down), or a run that ended without recording its end. A report that is in fact
    still running keeps its lock, so the new message only finds it `en_curso`; a complete one,
    `ya_completado`."""
    async with session_scope() as session:
        ids = list(await session.scalars(consulta_atascados()))
    queue = get_task_queue()
    for reporte_id in ids:
        queue.enqueue(GENERAR_REPORTE, {"reporte_id": reporte_id})
    if ids:
        logger.warning("reporte.reanudados ids=%s", ids)
    return ids
