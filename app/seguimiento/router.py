"""Public tracking by expediente number + verification code (no login, no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from app.core.dependencies import SessionDep
from app.core.errors import NotFound, error_responses
from app.core.responses import json_response
from app.core.routing import PrefixRouter
from app.seguimiento.schemas import SeguimientoPublico
from app.seguimiento.service import seguimiento as buscar_expediente

router = PrefixRouter(prefix="/seguimiento", tags=["seguimiento"])


@router.get("", response_model=SeguimientoPublico, responses=error_responses(NotFound))
async def seguimiento(
    session: SessionDep,
    numero: Annotated[str, Query(pattern=r"^[0-9]{4}-[0-9]{6,10}$", description="e.g. 2026-000123")],
    codigo: Annotated[str, Query(min_length=4, max_length=12, pattern=r"^[A-Za-z0-9]+$")],
) -> Response:
    return json_response(await buscar_expediente(session, numero, codigo))
