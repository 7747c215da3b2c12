"""Public tracking by expediente number + verification code (no login, no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.core.dependencies import SessionDep
from app.core.errors import NotFound, error_responses
from app.seguimiento.schemas import SeguimientoDerivacion, SeguimientoPublico
from app.seguimiento.service import seguimiento as buscar_expediente

router = APIRouter(prefix="/seguimiento", tags=["seguimiento"])


@router.get("", response_model=SeguimientoPublico, responses=error_responses(NotFound))
async def seguimiento(
    session: SessionDep,
    numero: Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{6,10}$", description="e.g. 2026-000123")],
    codigo: Annotated[str, Query(min_length=4, max_length=12, pattern=r"^[A-Za-z0-9]+$")],
) -> SeguimientoPublico:
    documento = await buscar_expediente(session, numero, codigo)
    return SeguimientoPublico(
        numero_expediente=documento.numero_expediente,
        tipo_documento=documento.tipo_documento.nombre,
        asunto=documento.asunto,
        estado=documento.estado,
        area_actual=documento.area_actual.nombre,
        fecha_recepcion=documento.fecha_recepcion,
        fecha_limite=documento.fecha_limite,
        fecha_atencion=documento.fecha_atencion,
        derivaciones=[
            SeguimientoDerivacion(
                area_destino=d.area_destino.nombre,
                estado=d.estado,
                es_copia=d.es_copia,
                fecha_envio=d.fecha_envio,
                fecha_recepcion=d.fecha_recepcion,
            )
            for d in documento.derivaciones
        ],
    )
