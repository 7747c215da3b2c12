"""Statistics of the documents the user may see."""

from __future__ import annotations

from app.core.dependencies import SessionDep
from app.core.errors import InvalidInput, Unauthorized, error_responses
from app.core.routing import PrefixRouter
from app.core.schemas import Fecha
from app.estadisticas.schemas import Estadisticas
from app.estadisticas.service import EstadisticaService
from app.usuarios.dependencies import CurrentUser

router = PrefixRouter(prefix="/estadisticas", tags=["estadísticas"])


@router.get(
    "",
    response_model=Estadisticas,
    responses=error_responses(Unauthorized, InvalidInput),
    operation_id="obtener_estadisticas",
    summary="Consultar estadísticas",
    description="Cifras de los documentos que el usuario puede ver, recibidos entre `fecha_desde` y "
    "`fecha_hasta`: total, por estado, por área, por tipo y por mes, vencidos y tiempo medio de atención.",
)
async def estadisticas(
    session: SessionDep,
    usuario: CurrentUser,
    fecha_desde: Fecha | None = None,
    fecha_hasta: Fecha | None = None,
) -> Estadisticas:
    return await EstadisticaService(session).resumen(usuario, fecha_desde, fecha_hasta)
