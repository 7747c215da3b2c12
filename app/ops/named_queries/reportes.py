"""Named queries served by the indexes of the reportes table: a user's reports, the report of a
Celery task, and the unfinished ones to resume."""

from __future__ import annotations

from sqlalchemy import select

from app.ops.named_queries.builders import PAGE, NamedQuery, simple
from app.reportes.models import Reporte
from app.reportes.reanudacion import consulta_atascados

CONSULTAS = (
    NamedQuery(
        "reportes.mios",
        "GET /reportes: my reports, newest first",
        "ix_reportes_solicitante_fecha",
        simple(
            lambda m: (
                select(Reporte)
                .where(Reporte.solicitado_por_id == m.reporte_usuario_id)
                .order_by(Reporte.created_at.desc())
                .limit(PAGE)
            )
        ),
    ),
    NamedQuery(
        "reportes.por_tarea",
        "GET /reportes?task_id= (the report of a Celery task)",
        "ix_reportes_task_id",
        simple(lambda m: select(Reporte).where(Reporte.task_id == m.task_id)),
    ),
    NamedQuery(
        "reportes.atascados",
        "mesa_partes.reanudar_reportes: reports left unfinished with no progress for 15 minutes",
        "ix_reportes_activos",
        simple(lambda m: consulta_atascados()),
    ),
)
