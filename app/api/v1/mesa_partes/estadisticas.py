"""Statistics of the documents the user may see."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentUser, SessionDep
from app.core.errors import InvalidInput, Unauthorized, error_responses
from app.schemas.mesa_partes.common import Fecha
from app.schemas.mesa_partes.estadistica import Estadisticas
from app.services.mesa_partes.estadistica_service import EstadisticaService

router = APIRouter(prefix="/estadisticas", tags=["estadisticas"])


@router.get("", response_model=Estadisticas, responses=error_responses(Unauthorized, InvalidInput))
async def estadisticas(
    session: SessionDep,
    usuario: CurrentUser,
    fecha_desde: Fecha | None = None,
    fecha_hasta: Fecha | None = None,
) -> Estadisticas:
    return await EstadisticaService(session).resumen(usuario, fecha_desde, fecha_hasta)
