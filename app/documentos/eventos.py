"""The background work that a document event asks for: the receipt and the emails.

Every enqueue happens after the unit of work commits (`enqueue_after_commit`), so the worker finds
the committed rows; tasks take ids and re-read what they need.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.cargos.service import GENERAR_CARGO
from app.core.task_queue import enqueue_after_commit
from app.documentos.models import Historial
from app.notificaciones.service import ENVIAR_NOTIFICACION


def notificar(session: AsyncSession, evento: Historial | int) -> None:
    """Email whoever the event (a Historial, or its id) concerns (the sender on registration, the
    receiving areas on routing); a Historial's id is flushed by the time the unit of work commits."""
    if isinstance(evento, int):
        enqueue_after_commit(session, ENVIAR_NOTIFICACION, {"historial_id": evento})
    else:
        enqueue_after_commit(session, ENVIAR_NOTIFICACION, lambda: {"historial_id": evento.id})


def documento_registrado(session: AsyncSession, documento_id: int, historial_id: int) -> None:
    enqueue_after_commit(session, GENERAR_CARGO, {"documento_id": documento_id})
    notificar(session, historial_id)
