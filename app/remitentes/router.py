"""Senders: search at the desk by name fragment or identity number."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.core.dependencies import IdPath, SessionDep
from app.core.errors import Forbidden, InvalidInput, NotFound, Unauthorized, error_responses
from app.core.routing import PrefixRouter
from app.core.schemas import TEXT_PATTERN
from app.remitentes.schemas import Remitente
from app.remitentes.service import RemitenteService
from app.usuarios.dependencies import CurrentUser
from app.usuarios.models import Rol
from app.usuarios.permisos import exigir_rol

router = PrefixRouter(prefix="/remitentes", tags=["remitentes"])
# Personal data: the desk and the auditors; an especialista sees a sender only inside a document.
ROLES_REMITENTES = (Rol.ADMIN, Rol.MESA_PARTES, Rol.AUDITOR)


@router.get(
    "",
    response_model=list[Remitente],
    responses=error_responses(Unauthorized, Forbidden, InvalidInput),
    operation_id="buscar_remitentes",
    summary="Buscar remitentes",
    description="Por un fragmento del nombre (`q`) o por el número de documento de identidad "
    "(`numero`). Mesa de partes, administradores y auditores.",
)
async def buscar_remitentes(
    session: SessionDep,
    usuario: CurrentUser,
    q: Annotated[
        str | None,
        Query(min_length=3, max_length=100, pattern=TEXT_PATTERN, description="Fragmento del nombre"),
    ] = None,
    numero: Annotated[str | None, Query(min_length=6, max_length=20, pattern=r"^[A-Za-z0-9]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[Remitente]:
    exigir_rol(usuario, *ROLES_REMITENTES)
    return await RemitenteService(session).buscar(q=q, numero=numero, limit=limit)


@router.get(
    "/{remitente_id}",
    response_model=Remitente,
    responses=error_responses(Unauthorized, Forbidden, NotFound),
    operation_id="obtener_remitente",
    summary="Ver un remitente",
    description="Los datos de contacto del remitente. Mesa de partes, administradores y auditores.",
)
async def obtener_remitente(remitente_id: IdPath, session: SessionDep, usuario: CurrentUser) -> Remitente:
    exigir_rol(usuario, *ROLES_REMITENTES)
    return Remitente.model_validate(await RemitenteService(session).obtener(remitente_id))
