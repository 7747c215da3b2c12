"""The audit trail across documents (admin and auditor)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.core.dependencies import SessionDep
from app.core.errors import Forbidden, InvalidInput, Unauthorized, error_responses
from app.core.routing import PrefixRouter
from app.core.schemas import Fecha, Page
from app.documentos.historial import FiltrosHistorial, HistorialService
from app.documentos.models import EventoHistorial
from app.documentos.schemas import HistorialItem
from app.usuarios.dependencies import CurrentUser

router = PrefixRouter(prefix="/historial", tags=["auditoría"])
OptionalId = Annotated[int | None, Query(ge=1, le=2**63 - 1)]


@router.get(
    "",
    response_model=Page[HistorialItem],
    responses=error_responses(Unauthorized, Forbidden, InvalidInput),
    operation_id="auditar_historial",
    summary="Auditar el historial",
    description="Los eventos de todos los documentos, del más reciente al más antiguo, filtrados por "
    "usuario, área, tipo de evento y fechas. Solo administradores y auditores.",
)
async def auditar_historial(
    session: SessionDep,
    usuario: CurrentUser,
    usuario_id: OptionalId = None,
    area_id: OptionalId = None,
    evento: EventoHistorial | None = None,
    fecha_desde: Fecha | None = None,
    fecha_hasta: Fecha | None = None,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[HistorialItem]:
    """Events newest first, filtered by user, area, event type and date range."""
    filtros = FiltrosHistorial(
        usuario_id=usuario_id,
        area_id=area_id,
        evento=evento,
        fecha_desde=fecha_desde,
        fecha_hasta=fecha_hasta,
    )
    pagina = await HistorialService(session).auditar(usuario, filtros, page_size=page_size, cursor=cursor)
    return Page[HistorialItem].model_validate(pagina)
