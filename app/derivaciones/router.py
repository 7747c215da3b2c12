"""Routing trays: an area's inbox (area_destino_id) and outbox (area_origen_id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.core.dependencies import IdPath, SessionDep
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized, error_responses
from app.core.routing import PrefixRouter
from app.core.schemas import BooleanoConsulta, Fecha, Page
from app.derivaciones.models import EstadoDerivacion
from app.derivaciones.schemas import DerivacionListItem
from app.derivaciones.service import DerivacionService, FiltrosDerivacion
from app.usuarios.dependencies import CurrentUser

router = PrefixRouter(prefix="/derivaciones", tags=["derivaciones"])
OptionalId = Annotated[int | None, Query(ge=1, le=2**63 - 1)]


@router.get(
    "",
    response_model=Page[DerivacionListItem],
    responses=error_responses(Unauthorized, InvalidInput),
    operation_id="listar_derivaciones",
    summary="Listar derivaciones (bandejas)",
    description="Las derivaciones, de la más reciente a la más antigua. Con `area_destino_id` es la "
    "bandeja de entrada de un área; con `area_origen_id`, la de salida. Un especialista ve las "
    "derivaciones hacia su área o desde ella.",
)
async def listar_derivaciones(
    session: SessionDep,
    usuario: CurrentUser,
    area_destino_id: OptionalId = None,
    area_origen_id: OptionalId = None,
    estado: Annotated[list[EstadoDerivacion] | None, Query()] = None,
    es_copia: BooleanoConsulta | None = None,
    vencidas: Annotated[
        BooleanoConsulta | None, Query(description="true: pendientes con el plazo vencido")
    ] = None,
    enviado_por_id: OptionalId = None,
    recibido_por_id: OptionalId = None,
    indicacion_id: OptionalId = None,
    fecha_desde: Fecha | None = None,
    fecha_hasta: Fecha | None = None,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
    page: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[DerivacionListItem]:
    """Newest routing first. An especialista sees the routings into or out of their area."""
    filtros = FiltrosDerivacion(
        area_destino_id=area_destino_id,
        area_origen_id=area_origen_id,
        estado=estado,
        es_copia=es_copia,
        vencidas=vencidas,
        enviado_por_id=enviado_por_id,
        recibido_por_id=recibido_por_id,
        indicacion_id=indicacion_id,
        fecha_desde=fecha_desde,
        fecha_hasta=fecha_hasta,
    )
    pagina = await DerivacionService(session).listar(
        usuario, filtros, page_size=page_size, cursor=cursor, page=page
    )
    return Page[DerivacionListItem].model_validate(pagina)


@router.post(
    "/{derivacion_id}/recibir",
    response_model=DerivacionListItem,
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict),
    operation_id="recibir_copia",
    summary="Recibir una copia",
    description="El área de destino acusa recibo de una copia (`es_copia`); la derivación principal se "
    "recibe con «Recibir un documento».",
)
async def recibir_copia(
    derivacion_id: IdPath, session: SessionDep, usuario: CurrentUser
) -> DerivacionListItem:
    """Acknowledge a copy (es_copia) in its destination area; the main routing uses the document's."""
    return DerivacionListItem.model_validate(
        await DerivacionService(session).recibir_copia(usuario, derivacion_id)
    )
