"""Public tracking by expediente number + verification code (no login, no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from app.core.config import get_settings
from app.core.dependencies import SessionDep
from app.core.errors import NotFound, TooManyRequests, error_responses
from app.core.responses import json_response
from app.core.routing import PrefixRouter, root_path
from app.core.throttle import client_address, get_throttle
from app.seguimiento.schemas import (
    CODIGO_MAX,
    CODIGO_MIN,
    CODIGO_VERIFICACION,
    NUMERO_EXPEDIENTE,
    SeguimientoPublico,
    patron_completo,
)
from app.seguimiento.service import ruta_pagina
from app.seguimiento.service import seguimiento as buscar_expediente

router = PrefixRouter(prefix="/seguimiento", tags=["seguimiento"])

# The answer carries the verification code's result (the asunto, the routings): never kept by a
# browser or a shared cache.
_SIN_CACHE = {"Cache-Control": "no-store"}
_DEMASIADAS = "Demasiadas consultas de seguimiento desde esta dirección. Vuelva a intentarlo más tarde."


async def limitar_por_ip(request: Request) -> None:
    """SEGUIMIENTO_LIMIT_POR_IP: every lookup counts, found or not; it bounds both the guessing of
    verification codes and the load one address puts on this public, unauthenticated endpoint."""
    await get_throttle().hit(
        get_settings().seguimiento_limit_por_ip, "seguimiento-ip", client_address(request), _DEMASIADAS
    )


def de_navegador(request: Request) -> bool:
    """A browser opening this address (the QR code and emails of older receipts pointed here): it
    asks for HTML first. Programs send application/json, */* or nothing."""
    return request.headers.get("accept", "").lstrip().lower().startswith("text/html")


async def limitar_consulta(request: Request) -> None:
    """The throttle, for the lookups this endpoint makes: a browser is only sent on to the page,
    which looks the document up and counts it there."""
    if not de_navegador(request):
        await limitar_por_ip(request)


@router.get(
    "",
    response_model=SeguimientoPublico,
    responses=error_responses(NotFound, TooManyRequests),
    dependencies=[Depends(limitar_consulta)],
    operation_id="consultar_seguimiento",
    summary="Consultar el estado de un expediente",
    description="Pública, sin iniciar sesión: el estado y el recorrido de un expediente, con su número y "
    "el código de verificación impreso en el cargo. No muestra datos personales. Cada dirección tiene "
    "un límite de consultas (429). Un navegador (`Accept: text/html`) es redirigido (303) a la página "
    "de seguimiento `/seguimiento` con los mismos datos.",
)
async def seguimiento(
    request: Request,
    session: SessionDep,
    numero: Annotated[
        str,
        Query(
            pattern=patron_completo(NUMERO_EXPEDIENTE), description="Número de expediente, p. ej. 2026-000123"
        ),
    ],
    codigo: Annotated[
        str,
        Query(
            min_length=CODIGO_MIN,
            max_length=CODIGO_MAX,
            pattern=patron_completo(CODIGO_VERIFICACION),
            description="Código de verificación impreso en el cargo",
        ),
    ],
) -> Response:
    if de_navegador(request):
        destino = ruta_pagina(numero, codigo, root_path(request.scope))
        return RedirectResponse(destino, status_code=303, headers=_SIN_CACHE)
    return json_response(await buscar_expediente(session, numero, codigo), headers=_SIN_CACHE)
