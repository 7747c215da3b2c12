"""The background work a use case asks for: task names and what each document event enqueues.

Every enqueue happens after the unit of work commits (`enqueue_after_commit`), so the worker finds
the committed rows; tasks take ids and re-read what they need.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.task_queue import REPORT_TASK, enqueue_after_commit
from app.models.mesa_partes import Historial

GENERAR_REPORTE = REPORT_TASK
REANUDAR_REPORTES = "mesa_partes.reanudar_reportes"
GENERAR_CARGO = "mesa_partes.generar_cargo_pdf"
ENVIAR_NOTIFICACION = "mesa_partes.enviar_notificacion"
PROCESAR_ANEXO = "mesa_partes.procesar_anexo"
REPROCESAR_ANEXOS = "mesa_partes.reprocesar_anexos"
SINCRONIZAR_INTEGRACION = "mesa_partes.sincronizar_integracion"
REINTENTAR_ENVIOS = "mesa_partes.reintentar_envios"
WARMUP_CACHE = "mesa_partes.warmup_cache"
ALERTA_VENCIDOS = "mesa_partes.alerta_vencidos"


def notificar(session: AsyncSession, evento: Historial) -> None:
    """Email whoever the event concerns (the sender on registration, the receiving areas on routing);
    the event's id is flushed by the time the unit of work commits."""
    enqueue_after_commit(session, ENVIAR_NOTIFICACION, lambda: {"historial_id": evento.id})


def documento_registrado(session: AsyncSession, documento_id: int, evento: Historial) -> None:
    enqueue_after_commit(session, GENERAR_CARGO, {"documento_id": documento_id})
    notificar(session, evento)
