"""Public tracking by expediente number + verification code (no login, no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from app.core.config import get_settings
from app.core.dependencies import SessionDep
from app.core.errors import NotFound, TooManyRequests, error_responses
from app.core.responses import json_response
from app.core.routing import PrefixRouter
from app.core.throttle import client_address, get_throttle
from app.seguimiento.schemas import SeguimientoPublico
from app.seguimiento.service import seguimiento as buscar_expediente

router = PrefixRouter(prefix="/seguimiento", tags=["seguimiento"])


_DEMASIADAS = "Demasiadas consultas de seguimiento desde esta dirección. Vuelva a intentarlo más tarde."


async def limitar_por_ip(request: Request) -> None:
    """SEGUIMIENTO_LIMIT_POR_IP: every lookup counts, found or not; it bounds both the guessing of
    verification codes and the load one address puts on this public, unauthenticated endpoint."""
    await get_throttle().hit(
        get_settings().seguimiento_limit_por_ip, "seguimiento-ip", client_address(request), _DEMASIADAS
    )


@router.get(
    "",
    response_model=SeguimientoPublico,
    responses=error_responses(NotFound, TooManyRequests),
    dependencies=[Depends(limitar_por_ip)],
    operation_id="consultar_seguimiento",
    summary="Consultar el estado de un expediente",
    description="Pública, sin iniciar sesión: el estado y el recorrido de un expediente, con su número y "
    "el código de verificación impreso en el cargo. No muestra datos personales. Cada dirección tiene "
    "un límite de consultas (429).",
)
async def seguimiento(
    session: SessionDep,
    numero: Annotated[
        str, Query(pattern=r"^[0-9]{4}-[0-9]{6,10}$", description="Número de expediente, p. ej. 2026-000123")
    ],
    codigo: Annotated[
        str,
        Query(
            min_length=4,
            max_length=12,
            pattern=r"^[A-Za-z0-9]+$",
            description="Código de verificación impreso en el cargo",
        ),
    ],
) -> Response:
    return json_response(await buscar_expediente(session, numero, codigo))
